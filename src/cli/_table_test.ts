import assert from "node:assert/strict";
import { formatTable } from "./_table.ts";

Deno.test("formatTable() aligns columns and never pads the last one", () => {
  const text = formatTable([
    ["ID", "NAME", "UNIT"],
    ["100", "APP_HOME_DATA", ""],
    ["1300", "INV_GRID_INFO", "Hz"],
  ]);
  assert.equal(
    text,
    ["ID    NAME           UNIT", "100   APP_HOME_DATA", "1300  INV_GRID_INFO  Hz"].join("\n"),
  );
});

Deno.test("formatTable() indents and accepts rows of different lengths", () => {
  assert.equal(formatTable([["group"], ["a", "1"]], 2), "  group\n  a      1");
  assert.equal(formatTable([]), "");
});
