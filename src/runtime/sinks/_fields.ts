// The numeric fields of a snapshot, flattened and classified by unit: what the output sinks
// (Home Assistant, Prometheus, InfluxDB) publish. Private to src/runtime/sinks.
import type { Snapshot } from "../types.ts";

/** What a field measures, told by its unit only (never by a vendor's field name). */
export type Quantity =
  | "battery"
  | "percent"
  | "power"
  | "apparent_power"
  | "energy"
  | "voltage"
  | "current"
  | "frequency"
  | "temperature"
  | "duration"
  | "none";

/** One field of one block of a snapshot. */
export interface FieldReading {
  /** Stable key: block name + field path, lower case, `[a-z0-9_]` only (`app_home_data_soc`). */
  readonly key: string;
  /** The field's path inside its block (`soc`, `phases.0.power`). */
  readonly path: string;
  /** The block's name, lower case (`app_home_data`). */
  readonly block: string;
  /** The value: a number, or null when the block was read but this field has no value. */
  readonly value: number | null;
  /** The unit as the schema gives it, or null. */
  readonly unit: string | null;
  /** What it measures. */
  readonly quantity: Quantity;
}

/** A name reduced to `[a-z0-9_]`, runs of anything else turned into one `_`. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

const UNIT_QUANTITY: Readonly<Record<string, Quantity>> = {
  "W": "power",
  "kW": "power",
  "VA": "apparent_power",
  "kWh": "energy",
  "Wh": "energy",
  "V": "voltage",
  "A": "current",
  "Hz": "frequency",
  "\u00b0C": "temperature",
  "min": "duration",
  "h": "duration",
  "s": "duration",
  "ms": "duration",
};

/**
 * What a unit measures. `%` is a battery level when the field's last path segment says state
 * of charge (`soc`, `*_soc`), a plain percentage otherwise.
 */
export function quantityOf(unit: string | null, path: string): Quantity {
  if (unit === null) return "none";
  if (unit === "%") {
    const last = path.split(".").at(-1) ?? path;
    return last === "soc" || last.endsWith("_soc") ? "battery" : "percent";
  }
  return UNIT_QUANTITY[unit] ?? "none";
}

function walk(
  values: Readonly<Record<string, unknown>>,
  prefix: string,
  out: [string, unknown][],
): void {
  for (const [name, value] of Object.entries(values)) {
    const path = prefix === "" ? name : `${prefix}.${name}`;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      if (value instanceof Uint8Array) continue;
      walk(value as Record<string, unknown>, path, out);
    } else {
      out.push([path, value]);
    }
  }
}

/**
 * The numeric fields of a snapshot's blocks (booleans as 1/0; NaN and infinities as null;
 * text and bytes left out), in block and field order. Suspect blocks are left out.
 */
export function numericFields(snapshot: Snapshot): FieldReading[] {
  const out: FieldReading[] = [];
  for (const block of snapshot.blocks) {
    // A suspect block holds a value that cannot be true: never published as a reading.
    if (block.suspect) continue;
    const blockName = slug(block.name);
    const entries: [string, unknown][] = [];
    walk(block.values, "", entries);
    for (const [path, raw] of entries) {
      let value: number | null;
      if (typeof raw === "number") value = Number.isFinite(raw) ? raw : null;
      else if (typeof raw === "boolean") value = raw ? 1 : 0;
      else if (typeof raw === "bigint") value = Number(raw);
      else if (raw === null || raw === undefined) value = null;
      else continue;
      const unit = block.units[path] ?? null;
      out.push({
        key: `${blockName}_${slug(path)}`,
        path,
        block: blockName,
        value,
        unit,
        quantity: quantityOf(unit, path),
      });
    }
  }
  return out;
}

/** The group a snapshot belongs to, as a topic or label segment (`push` for pushed frames). */
export function groupOf(snapshot: Snapshot): string {
  return snapshot.group ?? "push";
}
