// `power-sdk controls` as a user runs it: every control `write` can change, with its register,
// values or range and unit, whether it is dangerous, and whether a model allows it.
import assert from "node:assert/strict";
import { BLUETTI_V2_CONTROL_REGISTERS } from "../src/plugins/bluetti_v2/control_registers.ts";
import { lines, powerSdk } from "./_support/cli.ts";

Deno.test("controls --profile lists every control with values, danger and permission", async () => {
  const run = await powerSdk(["controls", "--profile", "Elite 100 V2"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  const out = lines(run.stdout);
  assert.equal(
    out[0],
    `EL100V2 (Elite 100 V2): ${BLUETTI_V2_CONTROL_REGISTERS.length} of ${BLUETTI_V2_CONTROL_REGISTERS.length} controls allowed`,
  );
  assert.match(out[1]!, /^NAME +REGISTER +VALUES +DANGEROUS +ALLOWED +BLOCK$/);
  assert.equal(out.length, 2 + BLUETTI_V2_CONTROL_REGISTERS.length);
  assert.match(run.stdout, /^ac_output +2011 +on \| off +no +yes +2000 verified_reference$/m);
  assert.match(run.stdout, /^dc_eco_watts +2016 +5\.\.20 W +no +yes /m);
  assert.match(
    run.stdout,
    /^charging_mode +2020 +standard \| silent \| turbo \| custom +no +yes /m,
  );
  assert.match(run.stdout, /^factory_reset +2206 +on \| off +yes +yes /m);
});

Deno.test("controls --json gives each control's fields; a generic model allows none", async () => {
  const run = await powerSdk(["controls", "--profile", "GENERIC_V2", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const controls = JSON.parse(run.stdout);
  assert.deepEqual(
    controls.map((c: { register: number }) => c.register),
    BLUETTI_V2_CONTROL_REGISTERS.map((c) => c.register),
  );
  assert.ok(controls.every((c: { allowed: boolean }) => c.allowed === false));
  const watts = controls.find((c: { name: string }) => c.name === "ac_eco_watts");
  assert.deepEqual(
    { kind: watts.kind, min: watts.min, max: watts.max, unit: watts.unit, values: watts.values },
    { kind: "number", min: 10, max: 40, unit: "W", values: null },
  );
  const off = controls.find((c: { name: string }) => c.name === "system_power_off");
  assert.equal(off.dangerous, true);
  assert.deepEqual(off.values, { on: 1, off: 0 });
});

Deno.test("controls without --profile names the models that allow each control", async () => {
  const run = await powerSdk(["controls", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const [first] = JSON.parse(run.stdout);
  assert.deepEqual(first.profiles, ["EL30V2", "EL100V2", "ELITE200V2"]);
  assert.equal(first.allowed, undefined);
  const text = await powerSdk(["controls"]);
  assert.match(text.stdout, /^NAME +REGISTER +VALUES +DANGEROUS +MODELS +BLOCK$/m);
});

Deno.test("controls with an unknown profile fails with its code and a suggestion", async () => {
  const run = await powerSdk(["controls", "--profile", "EL100"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: CONFIG_UNKNOWN_PROFILE: Unknown profile 'EL100': .*EL100V2/);
  const usage = await powerSdk(["controls", "ac_output"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^error: unexpected argument 'ac_output' for 'controls'/);
});
