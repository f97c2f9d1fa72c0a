/**
 * BLUETTI stations on their local Modbus TCP server ("Open Modbus TCP", port 502, unit 1): one
 * register map per model. Facts, with their evidence, from the public community register
 * tables and hardware reports (bluetti-community bluetti-modbus / bluetti-registers /
 * hassio-bluetti-modbus, MIT); see docs/modbus-tcp.md.
 *
 * Per model: the ranges the station serves and how far one read may span (the portables time
 * out on any read of two fields, so every field is read alone; the Balco 260 fails reads longer
 * than 20 registers); scales that differ at the same address (pack voltage x0.1 or x0.01, grid
 * frequency x0.01 or x0.1); string byte order per family (AC500/AC200L/EP500Pro/Apex 300 put
 * the first character in the high byte: our `string`; Balco/FridgePower the low byte: our
 * `string_swapped`); the serial as a u64, low word first (`serial_u64_rev`, as in V2 block 100).
 * Field names are the V2 plugin's for the same quantity.
 *
 * @module
 */
import type { RegisterFieldDef, RegisterMapDef } from "../../parser/register_map.ts";

type Family = "portable" | "balco";

interface ModelFacts {
  readonly id: string;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly family: Family;
  /** Scale of pack voltage at 51002. */
  readonly packVoltageScale: number;
  /** Scale of grid frequency at 50214, or null when unknown for the model. */
  readonly frequencyScale: number | null;
  /** Writable controls: name -> write definition. */
  readonly writes: Readonly<Record<string, RegisterFieldDef["writable"]>>;
  /** Readable controls (switch states, limits) beside the writable ones. */
  readonly controls: readonly string[];
}

/** The control registers at 57001+ (names as the V2 control registers). */
const CONTROLS: Readonly<Record<string, { address: number; description: string }>> = {
  ac_output: { address: 57001, description: "AC output on/off" },
  dc_output: { address: 57005, description: "DC output on/off" },
  grid_charge: { address: 57009, description: "Charging from the grid allowed" },
  feed_in: { address: 57010, description: "Feeding into the grid allowed" },
  soc_floor: { address: 57016, description: "Lowest SOC the station discharges to (%)" },
  soc_ceiling: { address: 57017, description: "Highest SOC the station charges to (%)" },
};

const SWITCH = { min: 0, max: 1, switch: true } as const;

const MODELS: readonly ModelFacts[] = [
  {
    id: "AC500",
    name: "AC500",
    aliases: ["AC 500"],
    family: "portable",
    packVoltageScale: 0.1,
    frequencyScale: 0.01, // raw 5003 = 50.03 Hz
    writes: { ac_output: { ...SWITCH, dangerous: true }, dc_output: SWITCH },
    controls: ["grid_charge", "soc_floor", "soc_ceiling"], // read only on AC500
  },
  {
    id: "EP500PRO",
    name: "EP500Pro",
    aliases: ["EP500P", "EP500 Pro"],
    family: "portable",
    packVoltageScale: 0.1,
    frequencyScale: 0.01,
    writes: {
      ac_output: { ...SWITCH, dangerous: true },
      dc_output: { ...SWITCH, echo: 3008 },
    },
    controls: ["grid_charge", "soc_floor", "soc_ceiling"], // SOC writes refused (exception 02)
  },
  {
    id: "AC200L",
    name: "AC200L",
    aliases: ["AC200L2", "AC 200L"],
    family: "portable",
    packVoltageScale: 0.01, // raw 5409 = 54.09 V
    frequencyScale: 0.1,
    writes: {
      ac_output: { ...SWITCH, dangerous: true },
      dc_output: { ...SWITCH, echo: 3008 },
    },
    controls: ["soc_floor", "soc_ceiling"],
  },
  {
    id: "PA030",
    name: "Apex 300",
    aliases: ["APEX300", "Apex300"],
    family: "portable",
    packVoltageScale: 0.01,
    frequencyScale: 0.1,
    writes: {
      ac_output: { ...SWITCH, dangerous: true, echo: 2011 },
      dc_output: { ...SWITCH, echo: 2012 },
    },
    controls: ["grid_charge", "soc_floor", "soc_ceiling"],
  },
  {
    id: "BALCO260",
    name: "Balco 260",
    aliases: ["Balco260", "BC260"],
    family: "balco",
    packVoltageScale: 0.1,
    frequencyScale: 0.1,
    writes: {
      ac_output: { ...SWITCH, dangerous: true, echo: 2011 },
      grid_charge: { ...SWITCH, echo: 2207 },
      feed_in: { ...SWITCH, echo: 2208 },
      soc_floor: { min: 5, max: 90, echo: 2022 }, // the app's limit
      soc_ceiling: { min: 0, max: 100, echo: 2023 },
    },
    controls: [],
  },
  {
    id: "FP",
    name: "FridgePower",
    aliases: ["FridgePower", "Fridge Power"],
    family: "balco",
    packVoltageScale: 0.01, // raw 2007 = 20.07 V
    frequencyScale: null,
    writes: {
      dc_output: { ...SWITCH, echo: 2012 },
      grid_charge: { ...SWITCH, echo: 2207 },
      ac_output: { ...SWITCH, dangerous: true, echo: 2011, verified: false }, // untried
    },
    controls: ["soc_floor", "soc_ceiling"],
  },
];

function buildMap(m: ModelFacts): RegisterMapDef {
  const portable = m.family === "portable";
  const fields: RegisterFieldDef[] = [
    // 1 register on the portables (50003 is not served); 2 registers, low word first, on Balco/FP.
    { name: "total_ac_power", address: 50002, type: portable ? "uint16" : "uint32_lw", unit: "W" },
    { name: "pv_power", address: 50004, type: portable ? "uint16" : "uint32_lw", unit: "W" },
    // Signed: int16 although documented as unsigned (64325 => -1211 W on a Balco phase).
    { name: "grid_power", address: 50006, type: portable ? "int16" : "int32_lw", unit: "W" },
    { name: "total_ac_energy", address: 50012, type: "uint32_lw", scale: 0.1, unit: "kWh" },
    { name: "device_model", address: 50200, type: portable ? "string:12" : "string_swapped:12" },
    { name: "device_serial", address: 50206, type: "serial_u64_rev" },
    { name: "pack_voltage", address: 51002, type: "uint16", scale: m.packVoltageScale, unit: "V" },
    { name: "soc", address: 51004, type: "uint16", unit: "%" },
  ];
  if (m.frequencyScale !== null) {
    fields.push({
      name: "frequency",
      address: 50214,
      type: "uint16",
      scale: m.frequencyScale,
      unit: "Hz",
    });
  }
  const controlNames = [...Object.keys(m.writes), ...m.controls];
  for (const name of Object.keys(CONTROLS)) {
    if (!controlNames.includes(name)) continue;
    const c = CONTROLS[name]!;
    const writable = m.writes[name];
    const unit = name.startsWith("soc_") ? "%" : undefined;
    fields.push({
      name,
      address: c.address,
      type: "uint16",
      description: c.description,
      ...(unit === undefined ? {} : { unit }),
      ...(writable === undefined ? {} : { writable }),
    });
  }
  const served: [number, number][] = portable
    // Portables: exactly the registers of their fields, each field read alone.
    ? fields.map((f) => [f.address, f.address + registersOf(f.type) - 1])
    // Balco/FP: the contiguous blocks the community tables read (57005 is not served on Balco).
    : [
      [50001, 50020],
      [50200, 50215],
      [51001, 51010],
      [57001, m.id === "BALCO260" ? 57004 : 57005],
      [57006, 57017],
    ];
  return {
    id: m.id,
    name: m.name,
    aliases: m.aliases,
    vendor: "BLUETTI",
    served,
    max_span: portable ? 1 : 20,
    isolate_all: portable,
    unit_id: 1,
    fields,
    groups: {
      live: {
        fields: ["soc", "pack_voltage", "total_ac_power", "pv_power", "grid_power"],
        cadence_s: 30,
      },
      totals: { fields: ["total_ac_energy"], cadence_s: 300 },
      identity: { fields: ["device_model", "device_serial"], cadence_s: 3600 },
      controls: { fields: controlNames.filter((n) => n in CONTROLS), cadence_s: 60 },
    },
    identity: { model: "device_model", serial: "device_serial" },
  };
}

function registersOf(type: string): number {
  if (type === "serial_u64_rev") return 4;
  if (type.endsWith("_lw") || type === "uint32" || type === "int32") return 2;
  const length = /:(\d+)$/.exec(type);
  return length === null ? 1 : Number(length[1]) / 2;
}

/**
 * The register maps of the BLUETTI stations that serve Modbus TCP locally: AC500, EP500PRO,
 * AC200L, PA030 (Apex 300), BALCO260, FP (FridgePower).
 *
 * @example Every model reads SOC at 51004
 * ```ts
 * import { BLUETTI_LOCAL_MAPS } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(BLUETTI_LOCAL_MAPS.map((m) => m.id), ["AC500", "EP500PRO", "AC200L", "PA030", "BALCO260", "FP"]);
 * assert.ok(BLUETTI_LOCAL_MAPS.every((m) => m.fields.some((f) => f.name === "soc" && f.address === 51004)));
 * ```
 */
export const BLUETTI_LOCAL_MAPS: readonly RegisterMapDef[] = Object.freeze(MODELS.map(buildMap));
