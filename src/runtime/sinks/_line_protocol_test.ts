import assert from "node:assert/strict";
import { escapeKey, escapeMeasurement, snapshotLine } from "./_line_protocol.ts";
import { makeSnapshot } from "./_test_utils.ts";

Deno.test("escapeMeasurement() escapes commas and spaces, not '='", () => {
  assert.equal(escapeMeasurement("a b,c=d"), "a\\ b\\,c=d");
  assert.equal(escapeMeasurement("back\\slash"), "back\\\\slash");
  assert.equal(escapeMeasurement("new\nline"), "new\\ line");
});

Deno.test("escapeKey() escapes commas, '=' and spaces and drops a trailing backslash", () => {
  assert.equal(escapeKey("a b,c=d"), "a\\ b\\,c\\=d");
  assert.equal(escapeKey("ends\\"), "ends");
  assert.equal(escapeKey("tab\there"), "tab\\ here");
});

Deno.test("snapshotLine() writes floats without suffix, sorted tags, ms time; none for a failed poll", () => {
  const line = snapshotLine(
    makeSnapshot({ values: { soc: 55, v: 53.1, flag: true, big: 1e21, bad: Infinity, name: "x" } }),
    { serial: "SN1", model: "" },
  );
  assert.equal(
    line,
    "core,device=living_room_battery,serial=SN1 app_home_data_soc=55,app_home_data_v=53.1,app_home_data_flag=1,app_home_data_big=1e+21 1795755600000",
  );
  assert.equal(
    snapshotLine(makeSnapshot({ blocks: [], ok: false }), { serial: "", model: "" }),
    null,
  );
  assert.equal(
    snapshotLine(makeSnapshot({ group: null, values: { soc: 1 } }), { serial: "", model: "" }),
    "push,device=living_room_battery app_home_data_soc=1 1795755600000",
  );
});
