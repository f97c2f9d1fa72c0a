import assert from "node:assert/strict";
import type { FieldReading } from "./_fields.ts";
import { quantityOf } from "./_fields.ts";
import { metricShape } from "./_prometheus_names.ts";

function field(path: string, unit: string | null): FieldReading {
  return { key: path, path, block: "b", value: 1, unit, quantity: quantityOf(unit, path) };
}

Deno.test("metricShape() names metrics in base units with their factor", () => {
  const shape = (path: string, unit: string | null) => {
    const s = metricShape("p", field(path, unit));
    return s && [s.name, s.kind, s.factor, s.field ?? null];
  };
  assert.deepEqual(shape("soc", "%"), ["p_soc_ratio", "gauge", 0.01, null]);
  assert.deepEqual(shape("total_ac_energy", "kWh"), [
    "p_total_ac_energy_joules_total",
    "counter",
    3_600_000,
    null,
  ]);
  assert.deepEqual(shape("pv_power", "W"), ["p_pv_power_watts", "gauge", 1, null]);
  assert.deepEqual(shape("time_to_full", "min"), ["p_time_to_full_seconds", "gauge", 60, null]);
  assert.deepEqual(shape("temp_avg", "°C"), ["p_temp_avg_celsius", "gauge", 1, null]);
  // Unitless, or a name the linter would refuse: the generic family with a field label.
  assert.deepEqual(shape("pack_count", null), ["p_value", "gauge", 1, "pack_count"]);
  assert.deepEqual(shape("fault_bits", null), ["p_value", "gauge", 1, "fault_bits"]);
  assert.deepEqual(shape("run_h", "W"), ["p_value", "gauge", 1, "run_h"]);
  // A scaled or unknown unit is not guessed at.
  assert.equal(shape("raw_temp", "0.1°C"), null);
});
