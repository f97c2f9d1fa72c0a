import assert from "node:assert/strict";
import { BlockSchema } from "../parser/block_schema.ts";
import type { BlockRecord, FieldValue } from "../parser/block_schema.ts";
import type { FieldOrGroupDef } from "../parser/types.ts";
import { createBluettiRegistry } from "../plugins/bluetti_v2/registry.ts";
import { checkPlausibility, DEFAULT_POWER_TOLERANCE } from "./plausibility.ts";

const registry = createBluettiRegistry();

function decode(blockId: number, values: Record<string, FieldValue>, length: number): BlockRecord {
  const schema = registry.require(blockId);
  return schema.decode(schema.encode(values, { length }));
}

function custom(fields: FieldOrGroupDef[], values: Record<string, FieldValue>): BlockRecord {
  const schema = new BlockSchema({ id: 40000, name: "TEST", minLength: 0, fields });
  return schema.decode(schema.encode(values, { length: 32 }));
}

function fieldsOf(record: BlockRecord): (string | null)[] {
  return record.warnings.map((w) => w.field);
}

Deno.test("checkPlausibility() returns the same record when nothing is suspect", () => {
  const pack = decode(6000, { soc: 80, voltage: 53.1, temp_max: 31, temp_min: 24 }, 64);
  assert.equal(checkPlausibility(pack), pack);
  const grid = decode(
    1300,
    { frequency: 50, phase_0_power: 460, phase_0_voltage: 230, phase_0_current: 2 },
    34,
  );
  assert.equal(checkPlausibility(grid), grid);
});

Deno.test("checkPlausibility() flags a SOC outside 0..100 and keeps the value", () => {
  const record = decode(6000, { soc: 252 }, 64);
  const checked = checkPlausibility(record);
  assert.notEqual(checked, record);
  assert.equal(checked.values.soc, 252);
  assert.equal(checked.values, record.values);
  assert.equal(checked.raw, record.raw);
  assert.deepEqual(checked.warnings, [
    {
      field: "soc",
      offset: null,
      message: "soc: 252 % is outside 0..100 (a state of charge is a percentage)",
      suspect: true,
    },
  ]);
  assert.equal(checked.suspect, true);
  assert.deepEqual(record.warnings, [], "the input record is not changed");
  assert.equal(record.suspect, undefined);
  assert.equal(checkPlausibility(decode(6000, { soc: 100 }, 64)).warnings.length, 0);
  assert.equal(checkPlausibility(decode(6000, { soc: 0 }, 64)).warnings.length, 0);
});

Deno.test("checkPlausibility() checks fields ending in _soc only when their unit is %", () => {
  const home = decode(100, { soc: 50, grid_parallel_soc: 150 }, 124);
  assert.deepEqual(fieldsOf(checkPlausibility(home)), ["grid_parallel_soc"]);

  const fields: FieldOrGroupDef[] = [
    { name: "soc", offset: 0, type: "uint16" },
    { name: "stop_soc", offset: 2, type: "uint16" },
    { name: "start_soc", offset: 4, type: "uint16", unit: "%" },
  ];
  const record = custom(fields, { soc: 101, stop_soc: 300, start_soc: 200 });
  const checked = checkPlausibility(record);
  assert.deepEqual(fieldsOf(checked), ["soc", "start_soc"]);
  assert.equal(
    checked.warnings[0]?.message,
    "soc: 101 is outside 0..100 (a state of charge is a percentage)",
  );
});

Deno.test("checkPlausibility() checks frequencies within 45..65 Hz and ignores 0 (not present)", () => {
  for (
    const [frequency, suspect] of [[0, false], [45, false], [50, false], [65, false], [30, true], [
      70.5,
      true,
    ]] as const
  ) {
    const record = decode(1300, { frequency }, 34);
    const checked = checkPlausibility(record);
    assert.deepEqual(fieldsOf(checked), suspect ? ["frequency"] : [], `${frequency} Hz`);
  }
  const message = checkPlausibility(decode(1300, { frequency: 30 }, 34)).warnings[0]?.message;
  assert.equal(
    message,
    "frequency: 30 Hz is outside 45..65 (mains frequency is 50 or 60 Hz; 0 means not present)",
  );
});

Deno.test("checkPlausibility() checks temperatures within -40..100 °C and skips nulls", () => {
  const record = decode(6000, { soc: 50, temp_max: 150, temp_min: 20 }, 64);
  assert.equal(record.values.temp_avg, null, "raw 0 decodes to null");
  const checked = checkPlausibility(record);
  assert.deepEqual(fieldsOf(checked), ["temp_max"]);
  assert.match(checked.warnings[0]!.message, /^temp_max: 150 °C is outside -40\.\.100 \(/);
  assert.equal(
    checkPlausibility(decode(6000, { temp_max: 100, temp_min: -39 }, 64)).warnings.length,
    0,
  );
  const cold = custom([{ name: "t", offset: 0, type: "int16", unit: "°C" }], { t: -41 });
  assert.deepEqual(fieldsOf(checkPlausibility(cold)), ["t"]);
});

Deno.test("checkPlausibility() compares P_power with P_voltage × P_current within the tolerance", () => {
  const grid = (p: number, v: number, i: number) =>
    decode(1300, { frequency: 50, phase_0_power: p, phase_0_voltage: v, phase_0_current: i }, 34);
  // 230 V × 2 A = 460 W; tolerance max(10 % of the larger, 20 W).
  assert.equal(checkPlausibility(grid(500, 230, 2)).warnings.length, 0, "500 vs 460: within 50");
  assert.equal(checkPlausibility(grid(-460, 230, -2)).warnings.length, 0, "signs are ignored");
  assert.equal(checkPlausibility(grid(-470, 230, 2)).warnings.length, 0, "magnitudes compared");
  const suspect = checkPlausibility(grid(1500, 230, 2));
  assert.deepEqual(suspect.warnings, [
    {
      field: "phase_0_power",
      offset: null,
      message:
        "phase_0_power: 1500 W disagrees with phase_0_voltage × phase_0_current = 230 V × 2 A = 460 W by more than 150 W (power ≈ voltage × current)",
    },
  ]);
  assert.equal(suspect.values.phase_0_power, 1500);
  // Small readings: the 20 W floor.
  assert.equal(checkPlausibility(grid(15, 0, 0)).warnings.length, 0, "V = I = 0, P ≤ 20 W");
  assert.equal(checkPlausibility(grid(20, 230, 0)).warnings.length, 0, "I = 0, P ≤ 20 W");
  assert.deepEqual(
    fieldsOf(checkPlausibility(grid(100, 0, 5))),
    ["phase_0_power"],
    "V = 0, P > 20 W",
  );
  assert.deepEqual(fieldsOf(checkPlausibility(grid(21, 230, 0))), ["phase_0_power"]);
});

Deno.test("checkPlausibility() takes a custom power tolerance and refuses a negative one", () => {
  const record = decode(
    1300,
    { frequency: 50, phase_0_power: 500, phase_0_voltage: 230, phase_0_current: 2 },
    34,
  );
  assert.equal(checkPlausibility(record, { powerTolerance: DEFAULT_POWER_TOLERANCE }), record);
  const strict = checkPlausibility(record, { powerTolerance: { relative: 0.01, absoluteW: 5 } });
  assert.deepEqual(fieldsOf(strict), ["phase_0_power"]);
  assert.match(strict.warnings[0]!.message, /by more than 5 W/);
  assert.throws(
    () => checkPlausibility(record, { powerTolerance: { relative: -0.1, absoluteW: 20 } }),
    RangeError,
  );
  assert.throws(
    () => checkPlausibility(record, { powerTolerance: { relative: 0.1, absoluteW: NaN } }),
    /absoluteW/,
  );
});

Deno.test("checkPlausibility() needs all three of power, voltage and current with W, V, A", () => {
  const fields: FieldOrGroupDef[] = [
    { name: "out_power", offset: 0, type: "uint16", unit: "W" },
    { name: "out_voltage", offset: 2, type: "uint16", unit: "V" },
    { name: "out_current", offset: 4, type: "uint16", unit: "A" },
    { name: "in_power", offset: 6, type: "uint16", unit: "W" },
    { name: "in_voltage", offset: 8, type: "uint16", unit: "V" },
    { name: "in_current", offset: 10, type: "uint16", unit: "mA" },
    { name: "dc_power", offset: 12, type: "uint16", unit: "W" },
    { name: "dc_voltage", offset: 14, type: "uint16", transforms: ["null_if_zero"], unit: "V" },
    { name: "dc_current", offset: 16, type: "uint16", unit: "A" },
    { name: "power", offset: 18, type: "uint16", unit: "W" },
    { name: "voltage", offset: 20, type: "uint16", unit: "V" },
    { name: "current", offset: 22, type: "uint16", unit: "A" },
  ];
  const record = custom(fields, {
    out_power: 900,
    out_voltage: 12,
    out_current: 10,
    in_power: 900,
    in_voltage: 12,
    in_current: 10,
    dc_power: 900,
    dc_voltage: 0,
    dc_current: 10,
    power: 900,
    voltage: 50,
    current: 1,
  });
  assert.equal(record.values.dc_voltage, null);
  // in_*: current in mA, not A; dc_*: voltage null; bare power/voltage/current are a triple.
  assert.deepEqual(fieldsOf(checkPlausibility(record)), ["out_power", "power"]);
});

Deno.test("checkPlausibility() checks fields inside groups by their path", () => {
  const fields: FieldOrGroupDef[] = [
    {
      kind: "group",
      name: "output",
      fields: [
        { name: "soc", offset: 0, type: "uint16", unit: "%" },
        { name: "ac_power", offset: 2, type: "uint16", unit: "W" },
        { name: "ac_voltage", offset: 4, type: "uint16", unit: "V" },
        { name: "ac_current", offset: 6, type: "uint16", unit: "A" },
        { name: "frequency", offset: 8, type: "uint16", unit: "Hz" },
      ],
    },
    // Outside the group: not part of the group's triple.
    { name: "ac_current", offset: 10, type: "uint16", unit: "A" },
  ];
  const record = custom(fields, {
    output: { soc: 120, ac_power: 2000, ac_voltage: 230, ac_current: 1, frequency: 80 },
    ac_current: 9,
  });
  const checked = checkPlausibility(record);
  assert.deepEqual(fieldsOf(checked), ["output.soc", "output.frequency", "output.ac_power"]);
  assert.match(
    checked.warnings[2]!.message,
    /^output\.ac_power: 2000 W disagrees with output\.ac_voltage × output\.ac_current = 230 V × 1 A/,
  );
});

Deno.test("checkPlausibility() checks each item of an array with the array's unit", () => {
  const fields: FieldOrGroupDef[] = [
    {
      name: "probe_temps",
      offset: 0,
      type: { kind: "array", item: { kind: "int", bytes: 2, signed: true }, count: 3 },
      unit: "°C",
    },
  ];
  const record = custom(fields, { probe_temps: [20, 120, -50] });
  assert.deepEqual(fieldsOf(checkPlausibility(record)), ["probe_temps.1", "probe_temps.2"]);
});

Deno.test("checkPlausibility() keeps the record's warnings first and never adds one twice", () => {
  const schema = registry.require(6000);
  const short = schema.decode(schema.encode({ soc: 252 }, { length: 64 }).subarray(0, 20));
  assert.ok(short.warnings.length > 0, "a short payload warns");
  const checked = checkPlausibility(short);
  assert.deepEqual(checked.warnings.slice(0, short.warnings.length), short.warnings);
  assert.equal(checked.warnings.at(-1)?.field, "soc");
  assert.equal(checkPlausibility(checked), checked, "checking again adds nothing");
});

Deno.test("checkPlausibility() marks a record suspect for undecodable text, not for a hot sensor", () => {
  const home = decode(100, { soc: 50, device_model: "EL100V2" }, 124);
  const garbage = home.raw.slice();
  garbage.fill(0x07, 20, 32);
  const schema = createBluettiRegistry().require(100);
  const checked = checkPlausibility(schema.decode(garbage));
  assert.equal(checked.suspect, true);
  assert.equal(checked.values.device_model, null);
  assert.deepEqual(checked.warnings.map((w) => [w.field, w.suspect]), [["device_model", true]]);
  assert.equal(checkPlausibility(home).suspect, undefined);
  const hot = checkPlausibility(decode(6000, { soc: 50, temp_max: 150 }, 64));
  assert.equal(hot.warnings.length, 1);
  assert.equal(hot.suspect, undefined);
});
