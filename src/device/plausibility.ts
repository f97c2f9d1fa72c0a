import type { BlockRecord, DecodeWarning, FieldValue } from "../parser/block_schema.ts";

/**
 * How far a power reading may differ from voltage x current before it is suspect: the larger of
 * `relative` x the larger magnitude of the two and `absoluteW`.
 *
 * @example Allow 5 % or 50 W
 * ```ts
 * import type { PowerTolerance } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const tolerance: PowerTolerance = { relative: 0.05, absoluteW: 50 };
 * assert.equal(tolerance.absoluteW, 50);
 * ```
 */
export interface PowerTolerance {
  /** Allowed difference as a fraction of the larger of |power| and |voltage x current|. */
  readonly relative: number;
  /** Allowed difference in watts, whatever the readings. */
  readonly absoluteW: number;
}

/**
 * The default {@linkcode PowerTolerance}: 10 % or 20 W, whichever is larger.
 *
 * @example
 * ```ts
 * import { DEFAULT_POWER_TOLERANCE } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(DEFAULT_POWER_TOLERANCE, { relative: 0.1, absoluteW: 20 });
 * ```
 */
export const DEFAULT_POWER_TOLERANCE: PowerTolerance = Object.freeze({
  relative: 0.1,
  absoluteW: 20,
});

/** Options of {@linkcode checkPlausibility}. */
export interface PlausibilityOptions {
  /**
   * How far `P_power` may differ from `P_voltage` x `P_current`.
   * @default {DEFAULT_POWER_TOLERANCE}
   */
  readonly powerTolerance?: PowerTolerance;
}

/**
 * Flags implausible decoded values of a record as warnings, without changing or dropping any
 * value. Each warning is `{ field, offset: null, message }`, the message giving the value, the
 * expected range and why (`soc: 252 % is outside 0..100 (a state of charge is a percentage)`).
 *
 * The rules, applied to every non-null finite number of the record (fields inside groups and
 * packed fields are visited by their path, `group.field`; array elements by `field.<i>`, with
 * the array's unit):
 * - **State of charge**: a field named `soc`, whatever its unit, or a field whose name ends in
 *   `_soc` and whose unit is `%` (`pack_soc`, `grid_parallel_soc`) must be within 0..100.
 * - **Frequency**: a field with unit `Hz` must be within 45..65 Hz. Zero is not checked: a
 *   station off the grid reports 0 Hz for "not present".
 * - **Temperature**: a field with unit `deg C` must be within -40..100 deg C (beyond any battery or
 *   inverter operating range).
 * - **Power ~ voltage x current**: for every prefix `P` (and the bare names), when the same
 *   object (the record, or one group) holds `P_power` in `W`, `P_voltage` in `V` and
 *   `P_current` in `A`, all three non-null, |P_power| and |P_voltage x P_current| must differ
 *   by no more than the tolerance: the larger of `relative` x the larger of the two magnitudes
 *   and `absoluteW` (default 10 % or 20 W). A zero voltage or current with a power within the
 *   tolerance therefore passes; a large power with zero voltage or current does not. The
 *   warning is on the `P_power` field. This compares real power with apparent power, so AC
 *   readings of loads with a poor power factor can be flagged.
 *
 * A warning already on the record with the same field and message is not added twice, so a
 * record may be checked again safely.
 *
 * **Suspect blocks.** Some findings mean a value cannot be true, so the block's bytes are not
 * what the schema describes (most likely another block's reply): a state of charge outside
 * 0..100 %, and a text field the decoder could not read (non-printable bytes, a decode warning
 * marked `suspect`). Those warnings carry `suspect: true` and the returned record has
 * `suspect: true`: it is not merged into a {@linkcode DeviceState} and a runtime snapshot that
 * holds it is not `ok` (see docs/reliability.md). The other findings (frequency,
 * temperature, power) are warnings only: a sensor can misread.
 *
 * @param record A decoded record.
 * @param options The power tolerance.
 * @returns The record itself when nothing is suspect; otherwise a copy whose `warnings` hold
 * the record's own warnings followed by the new ones (values, units and raw bytes are shared).
 * @throws {RangeError} when the tolerance is negative or not a finite number.
 *
 * @example Flag an impossible SOC, keep the value
 * ```ts
 * import { checkPlausibility } from "@power-sdk/sdk/device";
 * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const schema = createBluettiRegistry().require(6000);
 * const record = schema.decode(schema.encode({ soc: 252, voltage: 53.1 }, { length: 64 }));
 * const checked = checkPlausibility(record);
 * assert.equal(checked.values.soc, 252);
 * assert.equal(checked.suspect, true);
 * assert.deepEqual(checked.warnings.map((w) => w.field), ["soc"]);
 * assert.match(checked.warnings[0]!.message, /^soc: 252 % is outside 0\.\.100/);
 *
 * const fine = schema.decode(schema.encode({ soc: 80, voltage: 53.1 }, { length: 64 }));
 * assert.equal(checkPlausibility(fine), fine);
 * ```
 */
export function checkPlausibility(
  record: BlockRecord,
  options: PlausibilityOptions = {},
): BlockRecord {
  const tolerance = options.powerTolerance ?? DEFAULT_POWER_TOLERANCE;
  if (tolerance !== DEFAULT_POWER_TOLERANCE) checkTolerance(tolerance);
  const found: DecodeWarning[] = [];
  visitObject(record.values, "", record.units, tolerance, found);
  // Nearly every record is plausible: nothing found, nothing to tell apart from its warnings.
  const added = found.length === 0 ? found : newWarnings(record.warnings, found);
  const suspect = record.suspect === true || added.some((w) => w.suspect === true) ||
    record.warnings.some((w) => w.suspect === true);
  if (added.length === 0 && suspect === (record.suspect === true)) return record;
  return {
    ...record,
    warnings: added.length === 0 ? record.warnings : [...record.warnings, ...added],
    ...(suspect ? { suspect: true } : {}),
  };
}

/** The found warnings that neither the record has nor an earlier found one repeats. */
function newWarnings(
  warnings: readonly DecodeWarning[],
  found: readonly DecodeWarning[],
): DecodeWarning[] {
  const seen = new Set(warnings.map((w) => `${w.field}\u0000${w.message}`));
  return found.filter((w) => {
    const key = `${w.field}\u0000${w.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function checkTolerance(tolerance: PowerTolerance): void {
  for (const key of ["relative", "absoluteW"] as const) {
    const value = tolerance[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `Cannot check plausibility as 'powerTolerance.${key}' must be a finite number >= 0: current value is ${
          String(value)
        }`,
      );
    }
  }
}

type Values = { readonly [name: string]: FieldValue };

function isObject(value: FieldValue): value is Values {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isNumber(value: FieldValue | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Checks every field of one object (the record's values or a group), then its power triples. */
function visitObject(
  values: Values,
  prefix: string,
  units: Readonly<Record<string, string>>,
  tolerance: PowerTolerance,
  out: DecodeWarning[],
): void {
  // Hot path (every block read): no entries arrays; power triples only looked for when a
  // `*_power` field exists.
  let powers = false;
  for (const name in values) {
    const value = values[name]!;
    const path = prefix === "" ? name : prefix + name;
    if (typeof value === "number") {
      if (Number.isFinite(value)) checkNumber(name, path, value, units[path] ?? null, out);
    } else if (value !== null && typeof value === "object") {
      visitValue(name, path, value, units[path] ?? null, units, tolerance, out);
    }
    if (!powers && (name === "power" || name.endsWith("_power"))) powers = true;
  }
  if (powers) checkPowerTriples(values, prefix, units, tolerance, out);
}

function visitValue(
  name: string,
  path: string,
  value: FieldValue,
  unit: string | null,
  units: Readonly<Record<string, string>>,
  tolerance: PowerTolerance,
  out: DecodeWarning[],
): void {
  if (isNumber(value)) {
    checkNumber(name, path, value, unit, out);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: FieldValue = value[i];
      // A number's path (`cells.3`) is only made when it gets a warning.
      if (isNumber(item)) checkNumber(name, path, item, unit, out, i);
      else if (item !== null && typeof item === "object") {
        visitValue(name, `${path}.${i}`, item, unit, units, tolerance, out);
      }
    }
  } else if (isObject(value)) {
    visitObject(value, `${path}.`, units, tolerance, out);
  }
}

/** Checks one number; `index` >= 0 for an array's element (its path is `path.index`). */
function checkNumber(
  name: string,
  path: string,
  value: number,
  unit: string | null,
  out: DecodeWarning[],
  index = -1,
): void {
  if (name === "soc" || (name.endsWith("_soc") && unit === "%")) {
    outside(path, index, value, unit, 0, 100, "a state of charge is a percentage", out, true);
  }
  if (unit === "Hz" && value !== 0) {
    outside(
      path,
      index,
      value,
      unit,
      45,
      65,
      "mains frequency is 50 or 60 Hz; 0 means not present",
      out,
    );
  }
  if (unit === "\u00b0C") {
    outside(
      path,
      index,
      value,
      unit,
      -40,
      100,
      "beyond any battery or inverter operating range",
      out,
    );
  }
}

function outside(
  fieldPath: string,
  index: number,
  value: number,
  unit: string | null,
  min: number,
  max: number,
  why: string,
  out: DecodeWarning[],
  impossible = false,
): void {
  if (value >= min && value <= max) return;
  const path = index < 0 ? fieldPath : `${fieldPath}.${index}`;
  out.push({
    field: path,
    offset: null,
    message: `${path}: ${withUnit(value, unit)} is outside ${min}..${max} (${why})`,
    ...(impossible ? { suspect: true } : {}),
  });
}

function checkPowerTriples(
  values: Values,
  prefix: string,
  units: Readonly<Record<string, string>>,
  tolerance: PowerTolerance,
  out: DecodeWarning[],
): void {
  for (const name in values) {
    if (name !== "power" && !name.endsWith("_power")) continue;
    const triple = powerTriple(units, prefix, name);
    if (triple === null) continue;
    const names = triple.names;
    const power = values[names[0]];
    const voltage = values[names[1]];
    const current = values[names[2]];
    if (!isNumber(power) || !isNumber(voltage) || !isNumber(current)) continue;
    const product = Math.abs(voltage * current);
    const magnitude = Math.abs(power);
    const allowed = Math.max(
      tolerance.relative * Math.max(product, magnitude),
      tolerance.absoluteW,
    );
    if (Math.abs(magnitude - product) <= allowed) continue;
    const path = prefix + name;
    out.push({
      field: path,
      offset: null,
      message: `${path}: ${withUnit(power, "W")} disagrees with ${prefix}${
        names[1]
      } \u00d7 ${prefix}${names[2]} = ${withUnit(voltage, "V")} \u00d7 ${
        withUnit(current, "A")
      } = ${withUnit(round(product), "W")} by more than ${
        withUnit(round(allowed), "W")
      } (power \u2248 voltage \u00d7 current)`,
    });
  }
}

/** A power field's voltage and current fields, when their units make the triple. */
interface PowerTriple {
  readonly names: readonly [power: string, voltage: string, current: string];
}

/**
 * Triples found so far, by units (a schema's, frozen: the same object for every record of the
 * block) and `prefix + name`: the names are made once per block, not per record.
 */
const TRIPLES = new WeakMap<object, Map<string, PowerTriple | null>>();

function powerTriple(
  units: Readonly<Record<string, string>>,
  prefix: string,
  name: string,
): PowerTriple | null {
  if (!Object.isFrozen(units)) return findPowerTriple(units, prefix, name);
  let known = TRIPLES.get(units);
  if (known === undefined) TRIPLES.set(units, known = new Map());
  const key = prefix + name;
  let triple = known.get(key);
  if (triple === undefined) known.set(key, triple = findPowerTriple(units, prefix, name));
  return triple;
}

function findPowerTriple(
  units: Readonly<Record<string, string>>,
  prefix: string,
  name: string,
): PowerTriple | null {
  const stem = name.slice(0, name.length - "power".length);
  if (units[prefix + name] !== "W") return null;
  const names = [name, `${stem}voltage`, `${stem}current`] as const;
  if (units[prefix + names[1]] !== "V" || units[prefix + names[2]] !== "A") return null;
  return { names };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function withUnit(value: number, unit: string | null): string {
  return unit === null ? String(value) : `${value} ${unit}`;
}
