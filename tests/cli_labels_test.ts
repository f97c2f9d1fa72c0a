// Status and mode codes with a public meaning print with their name: `2 (discharging)` in text,
// a `labels` map beside the numbers in JSON (src/plugins/bluetti_v2/labels.ts names the
// sources). Codes without a name stay numbers.
import assert from "node:assert/strict";
import { powerSdk } from "./_support/cli.ts";

/** Block 100's first five registers: pack voltage, current, SOC, charging status, time to full. */
function homeData(chargingStatus: number): string {
  return `14c1 0000 005f ${chargingStatus.toString(16).padStart(4, "0")} 0000`;
}

Deno.test("decode prints a named charging status as '2 (discharging)'", async () => {
  const run = await powerSdk(["decode", "--block", "100", homeData(2)]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^charging_status +2 \(discharging\)$/m);
  assert.match(run.stdout, /^soc +95 +%$/m);
});

Deno.test("decode --json keeps the number in values and adds the name in labels", async () => {
  const run = await powerSdk(["decode", "--block", "100", "--json", homeData(1)]);
  assert.equal(run.code, 0, run.stderr);
  const record = JSON.parse(run.stdout);
  assert.equal(record.values.charging_status, 1);
  assert.deepEqual(record.labels, { charging_status: "charging" });
});

Deno.test("an unknown code stays a number, in text and in JSON", async () => {
  const text = await powerSdk(["decode", "--block", "100", homeData(7)]);
  assert.match(text.stdout, /^charging_status +7$/m);
  const json = await powerSdk(["decode", "--block", "100", "--json", homeData(7)]);
  const record = JSON.parse(json.stdout);
  assert.equal(record.values.charging_status, 7);
  assert.deepEqual(record.labels, {});
});

Deno.test("decode of block 2000 names the charging mode and the ECO off times", async () => {
  const data = new Uint8Array(44);
  data[31] = 3; // register 2015, DC ECO off time: 3 h
  data[37] = 1; // register 2018, AC ECO off time: 1 h
  data[41] = 2; // register 2020 (low byte), charging mode: turbo
  const hex = [...data].map((b) => b.toString(16).padStart(2, "0")).join("");
  const run = await powerSdk(["decode", "--block", "2000", "--json", hex]);
  assert.equal(run.code, 0, run.stderr);
  const record = JSON.parse(run.stdout);
  assert.equal(record.values.charging_mode, 2);
  assert.deepEqual(record.labels, {
    charging_mode: "turbo",
    dc_eco_off_time: "3 h",
    ac_eco_off_time: "1 h",
  });
});

Deno.test("blocks show lists a block's labels with their source", async () => {
  const run = await powerSdk(["blocks", "show", "100"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^ {2}charging_status: 0 idle, 1 charging, 2 discharging \(source: bluetti-community\/bluetti-registers /m,
  );
  const json = JSON.parse((await powerSdk(["blocks", "show", "100", "--json"])).stdout);
  const field = json.fields.find((f: { path: string }) => f.path === "charging_status");
  assert.deepEqual(field.labels.names, { 0: "idle", 1: "charging", 2: "discharging" });
  const soc = json.fields.find((f: { path: string }) => f.path === "soc");
  assert.equal(soc.labels, null);
});
