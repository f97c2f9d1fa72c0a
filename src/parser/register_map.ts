import { SchemaDefinitionError } from "../errors/errors.ts";
import { compileDatatype, type Datatype } from "./datatype.ts";

/**
 * A writable field of a register map: the range accepted (in the field's unit, after scale),
 * and what the station is known to echo.
 *
 * @example A switch
 * ```ts
 * import type { RegisterWriteDef } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const ac: RegisterWriteDef = { min: 0, max: 1, switch: true, echo: 2011 };
 * assert.equal(ac.max, 1);
 * ```
 */
export interface RegisterWriteDef {
  /** Smallest accepted value. */
  readonly min: number;
  /** Largest accepted value. */
  readonly max: number;
  /** An on/off switch (1/0): accepts `on`/`off`/`true`/`false`. @default {false} */
  readonly switch?: boolean;
  /** The internal address the station echoes in its write reply, when known. */
  readonly echo?: number;
  /** Cuts power to loads or is otherwise risky: needs an explicit confirmation. @default {false} */
  readonly dangerous?: boolean;
  /** Seen working on hardware (else a write needs `force`). @default {true} */
  readonly verified?: boolean;
}

/**
 * One field of a register map, the way a user writes it in a map file.
 *
 * @example SOC at 51004
 * ```ts
 * import type { RegisterFieldDef } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const soc: RegisterFieldDef = { name: "soc", address: 51004, type: "uint16", unit: "%" };
 * assert.equal(soc.address, 51004);
 * ```
 */
export interface RegisterFieldDef {
  /** snake_case name, unique in the map (the same name as other transports use for the quantity). */
  readonly name: string;
  /** First holding register, 0..65535. */
  readonly address: number;
  /**
   * A parser datatype: `uint16`, `int16`, `uint32`, `int32`, `uint32_lw`, `int32_lw`,
   * `string:N`, `string_swapped:N`, `serial_u64_rev`. Its byte size sets the register count.
   */
  readonly type: string;
  /** Multiplier from raw to value (`0.1`). @default {1} */
  readonly scale?: number;
  /** Unit of the value (`W`, `V`, `%`). */
  readonly unit?: string;
  /** Read this field alone, never with neighbours. @default {false} */
  readonly isolated?: boolean;
  /** Present when the field can be written (one register, FC 0x06). */
  readonly writable?: RegisterWriteDef;
  /** What the field is (free text). */
  readonly description?: string;
}

/**
 * A poll group of a register map.
 *
 * @example
 * ```ts
 * import type { RegisterGroupDef } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const battery: RegisterGroupDef = { fields: ["soc", "pack_voltage"], cadence_s: 30 };
 * assert.equal(battery.fields.length, 2);
 * ```
 */
export interface RegisterGroupDef {
  /** Field names. */
  readonly fields: readonly string[];
  /** Seconds between polls. @default {30} */
  readonly cadence_s?: number;
}

/**
 * A device as data: which registers it serves, how far one read may span, its fields and
 * groups. BLUETTI's local models are maps; so is any meter or inverter from a map file.
 *
 * @example A tiny meter
 * ```ts
 * import { compileRegisterMap } from "@power-sdk/sdk/parser";
 * import { type RegisterMapDef } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const def: RegisterMapDef = {
 *   id: "METER",
 *   served: [[0, 9]],
 *   max_span: 10,
 *   fields: [{ name: "power", address: 0, type: "int32", unit: "W" }],
 *   groups: { live: { fields: ["power"] } },
 * };
 * assert.equal(compileRegisterMap(def).field("power").registers, 2);
 * ```
 */
export interface RegisterMapDef {
  /** Profile id (`AC500`), upper case. */
  readonly id: string;
  /** Human-readable name. @default {the id} */
  readonly name?: string;
  /** Other names the profile is found by. @default {[]} */
  readonly aliases?: readonly string[];
  /** Vendor (`BLUETTI`). @default {"generic"} */
  readonly vendor?: string;
  /** Inclusive address ranges the device answers; a read must stay inside one. */
  readonly served: readonly (readonly [number, number])[];
  /** Most registers one read may span. */
  readonly max_span: number;
  /** Every field is read alone (stations that time out on any multi-field read). @default {false} */
  readonly isolate_all?: boolean;
  /** Unit id the device answers on. @default {1} */
  readonly unit_id?: number;
  /** The fields. */
  readonly fields: readonly RegisterFieldDef[];
  /** Poll groups by name. */
  readonly groups: Readonly<Record<string, RegisterGroupDef>>;
  /** Fields that identify the device. */
  readonly identity?: { readonly model?: string; readonly serial?: string };
}

/** A compiled field: its datatype, register count and scale resolved. */
export interface RegisterField {
  /** The definition. */
  readonly def: RegisterFieldDef;
  /** Its name. */
  readonly name: string;
  /** First register. */
  readonly address: number;
  /** Registers it spans. */
  readonly registers: number;
  /** The compiled datatype. */
  readonly datatype: Datatype;
  /** Multiplier. */
  readonly scale: number;
  /** Decimals the scale implies (0.1 -> 1), to round away float noise. */
  readonly decimals: number;
}

/** A value decoded from registers. */
export type RegisterValue = number | string;

/**
 * A validated register map. Build with {@linkcode compileRegisterMap}.
 *
 * @example Decode a field from register words
 * ```ts
 * import { compileRegisterMap } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const map = compileRegisterMap({
 *   id: "M",
 *   served: [[100, 101]],
 *   max_span: 2,
 *   fields: [{ name: "pack_voltage", address: 100, type: "uint16", scale: 0.1, unit: "V" }],
 *   groups: {},
 * });
 * assert.equal(map.decode("pack_voltage", new Uint8Array([0x02, 0x1d]), 0), 54.1);
 * ```
 */
export class RegisterMap {
  /** The definition. */
  readonly def: RegisterMapDef;
  /** Fields in address order. */
  readonly fields: readonly RegisterField[];
  #byName: Map<string, RegisterField>;

  /**
   * Wrap already validated fields; use {@linkcode compileRegisterMap}.
   *
   * @param def The definition.
   * @param fields The compiled fields.
   */
  constructor(def: RegisterMapDef, fields: readonly RegisterField[]) {
    this.def = def;
    this.fields = [...fields].sort((a, b) => a.address - b.address);
    this.#byName = new Map(fields.map((f) => [f.name, f]));
  }

  /** The profile id. */
  get id(): string {
    return this.def.id;
  }

  /**
   * The field with this name.
   *
   * @param name A field name.
   * @returns The field.
   * @throws {SchemaDefinitionError} `SCHEMA_INVALID_FIELD` naming the known fields.
   */
  field(name: string): RegisterField {
    const field = this.#byName.get(name);
    if (field === undefined) {
      throw new SchemaDefinitionError(
        "SCHEMA_INVALID_FIELD",
        `Unknown field '${name}' in profile ${this.id}: expected one of ${
          [...this.#byName.keys()].join(", ")
        }`,
      );
    }
    return field;
  }

  /**
   * Whether every register of `[start, start + count)` lies in one served range.
   *
   * @param start First register.
   * @param count Register count.
   * @returns True when served.
   */
  serves(start: number, count: number): boolean {
    return this.def.served.some(([lo, hi]) => start >= lo && start + count - 1 <= hi);
  }

  /**
   * Decode a field from register data.
   *
   * @param name The field.
   * @param data Register bytes, big-endian words.
   * @param offset Byte offset of the field's first register in `data`.
   * @returns The value, scaled and rounded to the scale's decimals.
   * @throws {RangeError} When the bytes are no value of the type (non-ASCII text).
   */
  decode(name: string, data: Uint8Array, offset: number): RegisterValue {
    const field = this.field(name);
    const raw = field.datatype.read(data, offset, () => {});
    if (typeof raw !== "number") return typeof raw === "string" ? raw.trim() : String(raw);
    if (field.scale === 1) return raw;
    return Number((raw * field.scale).toFixed(field.decimals));
  }

  /**
   * Encode a value into register words (the station side, and writes).
   *
   * @param name The field.
   * @param value The value in the field's unit (scale applied backwards) or its text.
   * @returns The register words.
   * @throws {RangeError} When the value does not fit.
   */
  encode(name: string, value: RegisterValue): number[] {
    const field = this.field(name);
    const bytes = new Uint8Array(field.registers * 2);
    const raw = typeof value === "number" && field.datatype.integer !== null
      ? Math.round(value / field.scale)
      : value;
    const bits = field.datatype.integer?.bits ?? 32;
    field.datatype.write(bytes, 0, raw, bits === 32 ? 0xffffffff : 2 ** bits - 1);
    const words: number[] = [];
    for (let i = 0; i < bytes.length; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
    return words;
  }
}

const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Validates a register map definition and compiles its fields.
 *
 * Checks: an id; served ranges inside 0..65535 with lo <= hi; `max_span` 1..125; unique
 * snake_case field names; known datatypes of whole registers; every field inside one served
 * range (else no read could ever reach it); writable fields one register wide with
 * `min <= max`; groups naming known fields.
 *
 * @param def The definition (from code or a map file).
 * @returns The compiled map.
 * @throws {SchemaDefinitionError} `SCHEMA_INVALID_FIELD` / `SCHEMA_INVALID_TYPE` /
 * `SCHEMA_INVALID_BLOCK`, naming the path (`fields[3].address`).
 *
 * @example A field outside what the device serves is refused
 * ```ts
 * import { compileRegisterMap } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() =>
 *   compileRegisterMap({
 *     id: "M",
 *     served: [[0, 1]],
 *     max_span: 2,
 *     fields: [{ name: "x", address: 5, type: "uint16" }],
 *     groups: {},
 *   }), { code: "SCHEMA_INVALID_FIELD" });
 * ```
 */
export function compileRegisterMap(def: RegisterMapDef): RegisterMap {
  const where = `profile ${typeof def.id === "string" && def.id !== "" ? def.id : "(no id)"}`;
  const fail = (code: "SCHEMA_INVALID_FIELD" | "SCHEMA_INVALID_BLOCK", path: string, msg: string) =>
    new SchemaDefinitionError(code, `Invalid ${where}: ${path}: ${msg}`, { field: path });
  if (typeof def.id !== "string" || def.id === "") {
    throw fail("SCHEMA_INVALID_BLOCK", "id", "must be a non-empty string");
  }
  if (!Array.isArray(def.served) || def.served.length === 0) {
    throw fail("SCHEMA_INVALID_BLOCK", "served", "must list at least one [first, last] range");
  }
  def.served.forEach((range, i) => {
    const [lo, hi] = Array.isArray(range) ? range : [NaN, NaN];
    if (!isAddress(lo) || !isAddress(hi) || lo! > hi!) {
      throw fail(
        "SCHEMA_INVALID_BLOCK",
        `served[${i}]`,
        `must be [first, last] with 0 \u2264 first \u2264 last \u2264 65535, got ${
          JSON.stringify(range)
        }`,
      );
    }
  });
  if (!Number.isInteger(def.max_span) || def.max_span < 1 || def.max_span > 125) {
    throw fail(
      "SCHEMA_INVALID_BLOCK",
      "max_span",
      `must be an integer 1..125, got ${def.max_span}`,
    );
  }
  const map = new RegisterMap(def, []);
  const fields: RegisterField[] = [];
  const names = new Set<string>();
  (def.fields ?? []).forEach((f, i) => {
    const path = `fields[${i}]`;
    if (typeof f.name !== "string" || !NAME.test(f.name)) {
      throw fail(
        "SCHEMA_INVALID_FIELD",
        `${path}.name`,
        `must be snake_case, got ${JSON.stringify(f.name)}`,
      );
    }
    if (names.has(f.name)) {
      throw fail("SCHEMA_INVALID_FIELD", `${path}.name`, `'${f.name}' is defined twice`);
    }
    names.add(f.name);
    if (!isAddress(f.address)) {
      throw fail(
        "SCHEMA_INVALID_FIELD",
        `${path}.address`,
        `must be an integer 0..65535, got ${f.address}`,
      );
    }
    let datatype: Datatype;
    try {
      datatype = compileDatatype(f.type);
    } catch (error) {
      throw new SchemaDefinitionError(
        "SCHEMA_INVALID_TYPE",
        `Invalid ${where}: ${path}.type: ${error instanceof Error ? error.message : String(error)}`,
        { field: `${path}.type` },
      );
    }
    if (datatype.size % 2 !== 0) {
      throw fail("SCHEMA_INVALID_FIELD", `${path}.type`, `'${f.type}' is not whole registers`);
    }
    const registers = datatype.size / 2;
    const scale = f.scale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw fail(
        "SCHEMA_INVALID_FIELD",
        `${path}.scale`,
        `must be a positive number, got ${scale}`,
      );
    }
    if (!map.serves(f.address, registers)) {
      throw fail(
        "SCHEMA_INVALID_FIELD",
        `${path}.address`,
        `${f.name} (${f.address}..${f.address + registers - 1}) is not inside one served range`,
      );
    }
    if (f.writable !== undefined) {
      const w = f.writable;
      if (registers !== 1 || datatype.integer === null) {
        throw fail(
          "SCHEMA_INVALID_FIELD",
          `${path}.writable`,
          "only one-register integer fields can be written",
        );
      }
      if (!Number.isFinite(w.min) || !Number.isFinite(w.max) || w.min > w.max) {
        throw fail(
          "SCHEMA_INVALID_FIELD",
          `${path}.writable`,
          `needs min \u2264 max, got ${w.min}..${w.max}`,
        );
      }
    }
    fields.push({
      def: f,
      name: f.name,
      address: f.address,
      registers,
      datatype,
      scale,
      decimals: decimalsOf(scale),
    });
  });
  for (const [group, g] of Object.entries(def.groups ?? {})) {
    g.fields.forEach((name, i) => {
      if (!names.has(name)) {
        throw fail(
          "SCHEMA_INVALID_FIELD",
          `groups.${group}.fields[${i}]`,
          `unknown field '${name}'`,
        );
      }
    });
  }
  for (const key of ["model", "serial"] as const) {
    const name = def.identity?.[key];
    if (name !== undefined && !names.has(name)) {
      throw fail("SCHEMA_INVALID_FIELD", `identity.${key}`, `unknown field '${name}'`);
    }
  }
  return new RegisterMap(def, fields);
}

function isAddress(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff;
}

function decimalsOf(scale: number): number {
  const text = String(scale);
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : Math.min(10, text.length - dot - 1);
}
