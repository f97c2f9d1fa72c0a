import assert from "node:assert/strict";
import { BLUETTI_V2_CONTROL_REGISTERS } from "./control_registers.ts";

const NAMES = [
  "ac_output",
  "dc_output",
  "system_power_off",
  "dc_eco_enable",
  "dc_eco_hours",
  "dc_eco_watts",
  "ac_eco_enable",
  "ac_eco_hours",
  "ac_eco_watts",
  "charging_mode",
  "power_lifting",
  "soc_ceiling",
  "factory_reset",
  "grid_charge",
  "feed_in",
  "grid_max_power",
  "feed_in_max_power",
  "battery_aging",
];

Deno.test("BLUETTI_V2_CONTROL_REGISTERS lists the 18 observed registers in order", () => {
  assert.deepEqual(BLUETTI_V2_CONTROL_REGISTERS.map((r) => r.name), NAMES);
  const registers = BLUETTI_V2_CONTROL_REGISTERS.map((r) => r.register);
  assert.deepEqual(registers, [...registers].sort((a, b) => a - b));
  assert.equal(new Set(registers).size, registers.length);
  for (const r of BLUETTI_V2_CONTROL_REGISTERS) {
    assert.ok(Number.isInteger(r.register) && r.register >= 2000 && r.register < 2300);
    assert.equal(r.function, 0x06);
    assert.ok(r.description.length > 0);
  }
});

Deno.test("BLUETTI_V2_CONTROL_REGISTERS marks exactly 2013, 2206 and 2233 dangerous", () => {
  const dangerous = BLUETTI_V2_CONTROL_REGISTERS.filter((r) => r.dangerous).map((r) => r.register);
  assert.deepEqual(dangerous, [2013, 2206, 2233]);
});

Deno.test("BLUETTI_V2_CONTROL_REGISTERS number ranges are the observed app ranges", () => {
  const ranges = Object.fromEntries(
    BLUETTI_V2_CONTROL_REGISTERS.filter((r) => r.kind === "number").map((r) => [
      r.name,
      [r.min, r.max, r.unit],
    ]),
  );
  assert.deepEqual(ranges, {
    dc_eco_hours: [1, 4, "h"],
    dc_eco_watts: [5, 20, "W"],
    ac_eco_hours: [1, 4, "h"],
    ac_eco_watts: [10, 40, "W"],
    soc_ceiling: [60, 100, "%"],
    grid_max_power: [300, 6000, "W"],
    feed_in_max_power: [0, 6000, "W"],
  });
  for (const r of BLUETTI_V2_CONTROL_REGISTERS.filter((r) => r.kind === "number")) {
    assert.ok(r.min !== undefined && r.max !== undefined && r.min <= r.max, r.name);
    assert.ok(r.min >= 0 && r.max <= 0xffff, `${r.name} fits one register`);
    assert.equal(r.values, undefined, r.name);
  }
});

Deno.test("BLUETTI_V2_CONTROL_REGISTERS switches are on 1 / off 0 and enums list their values", () => {
  for (const r of BLUETTI_V2_CONTROL_REGISTERS) {
    if (r.kind === "switch") assert.deepEqual(r.values, { on: 1, off: 0 }, r.name);
    if (r.kind !== "number") {
      assert.equal(r.min, undefined, r.name);
      assert.equal(r.max, undefined, r.name);
    }
  }
  const mode = BLUETTI_V2_CONTROL_REGISTERS.find((r) => r.name === "charging_mode");
  assert.equal(mode?.kind, "enum");
  assert.deepEqual(mode?.values, { standard: 0, silent: 1, turbo: 2, custom: 4 });
});
