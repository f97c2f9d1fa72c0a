/**
 * The typed builder API: write a schema in TypeScript with checked datatypes and transforms
 * instead of strings. `dt.uint16()` is the same as `"uint16"`, `tf.scale(0.1)` the same as
 * `"scale:0.1"`.
 *
 * @module
 */
import { parseTransform } from "./transform.ts";
import type {
  ArrayDatatypeDef,
  BitmapDatatypeDef,
  DatatypeDef,
  EnumDatatypeDef,
  FieldDef,
  GroupDef,
  IntegerDatatypeDef,
  PackedDatatypeDef,
  PackedSubfieldDef,
  SerialDatatypeDef,
  StringDatatypeDef,
  TransformDef,
  WordOrder,
} from "./types.ts";

/** Datatype builders; see {@linkcode dt}. */
export interface DatatypeBuilders {
  /** Unsigned 8-bit integer. */
  uint8(): IntegerDatatypeDef;
  /** Signed 8-bit integer. */
  int8(): IntegerDatatypeDef;
  /** Unsigned 16-bit big-endian integer. */
  uint16(): IntegerDatatypeDef;
  /** Signed 16-bit big-endian integer. */
  int16(): IntegerDatatypeDef;
  /** Unsigned 32-bit integer with an explicit word order (V2 stations: `low_first`). */
  uint32(wordOrder: WordOrder): IntegerDatatypeDef;
  /** Signed 32-bit integer with an explicit word order (V2 stations: `low_first`). */
  int32(wordOrder: WordOrder): IntegerDatatypeDef;
  /** ASCII text of `length` bytes; `swapped` swaps the bytes of each 16-bit word. */
  string(length: number, options?: { swapped?: boolean }): StringDatatypeDef;
  /** 4 registers in reverse order, a decimal string. */
  serialU64Rev(): SerialDatatypeDef;
  /** A bit set of 1, 2 or 4 bytes, optionally with named bits (name -> bit, 0 = LSB). */
  bitmap(bytes: 1 | 2 | 4, flags?: Readonly<Record<string, number>>): BitmapDatatypeDef;
  /** An integer mapped to labels (value -> label). */
  enumOf(
    base: IntegerDatatypeDef,
    values: Readonly<Record<number, string>>,
  ): EnumDatatypeDef;
  /** `count` items, `stride` bytes apart (default: the item's size). */
  array(item: DatatypeDef, count: number, stride?: number): ArrayDatatypeDef;
  /** An unsigned integer split into named bit ranges. */
  packed(base: IntegerDatatypeDef, fields: readonly PackedSubfieldDef[]): PackedDatatypeDef;
}

/**
 * Datatype builders.
 *
 * @example
 * ```ts
 * import { BlockSchema, dt, field, tf } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const schema = new BlockSchema({
 *   id: 901,
 *   name: "BUILT",
 *   minLength: 6,
 *   fields: [
 *     field("energy", 0, dt.uint32("low_first"), { transforms: [tf.scale(0.1)], unit: "kWh" }),
 *     field("mode", 4, dt.enumOf(dt.uint16(), { 0: "standard", 1: "silent", 2: "turbo" })),
 *   ],
 * });
 * const record = schema.decode(new Uint8Array([0x00, 0x21, 0x00, 0x00, 0x00, 0x02]));
 * assert.equal(record.values.energy, 3.3);
 * assert.equal(record.values.mode, "turbo");
 * ```
 */
export const dt: DatatypeBuilders = {
  uint8: () => ({ kind: "int", bytes: 1, signed: false }),
  int8: () => ({ kind: "int", bytes: 1, signed: true }),
  uint16: () => ({ kind: "int", bytes: 2, signed: false }),
  int16: () => ({ kind: "int", bytes: 2, signed: true }),
  uint32: (wordOrder) => ({ kind: "int", bytes: 4, signed: false, wordOrder }),
  int32: (wordOrder) => ({ kind: "int", bytes: 4, signed: true, wordOrder }),
  string: (length, options) =>
    options?.swapped ? { kind: "string", length, swapped: true } : { kind: "string", length },
  serialU64Rev: () => ({ kind: "serial_u64_rev" }),
  bitmap: (bytes, flags) => (flags ? { kind: "bitmap", bytes, flags } : { kind: "bitmap", bytes }),
  enumOf: (base, values) => ({
    kind: "enum",
    base,
    values: Object.fromEntries(Object.entries(values)),
  }),
  array: (item, count, stride) =>
    stride === undefined ? { kind: "array", item, count } : { kind: "array", item, count, stride },
  packed: (base, fields) => ({ kind: "packed", base, fields }),
};

/** Transform builders; see {@linkcode tf}. Each checks its arguments at once. */
export interface TransformBuilders {
  /** Absolute value. */
  abs(): TransformDef;
  /** Multiply by `factor` (exact decimals: 0.1 x 2266 = 226.6). */
  scale(factor: number): TransformDef;
  /** Subtract `value`. */
  minus(value: number): TransformDef;
  /** Bitwise AND with `mask`. */
  bitmask(mask: number): TransformDef;
  /** Shift right by `bits`. */
  shift(bits: number): TransformDef;
  /** Clamp into `min..max`. */
  clamp(min: number, max: number): TransformDef;
  /** Element `index` of the vendor's hexStrToEnableList (mode 3: 3-bit chunks, else 2-bit). */
  hexEnableList(mode: number, index: number): TransformDef;
  /** Raw 0 means "not reported": the value is null and later steps are skipped. */
  nullIfZero(): TransformDef;
}

/**
 * Transform builders.
 *
 * @example
 * ```ts
 * import { tf } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(tf.scale(0.1), { op: "scale", factor: 0.1 });
 * assert.throws(() => tf.scale(0), /non-zero/);
 * ```
 */
export const tf: TransformBuilders = {
  abs: () => parseTransform({ op: "abs" }),
  scale: (factor) => parseTransform({ op: "scale", factor }),
  minus: (value) => parseTransform({ op: "minus", value }),
  bitmask: (mask) => parseTransform({ op: "bitmask", mask }),
  shift: (bits) => parseTransform({ op: "shift", bits }),
  clamp: (min, max) => parseTransform({ op: "clamp", min, max }),
  hexEnableList: (mode, index) => parseTransform({ op: "hex_enable_list", mode, index }),
  nullIfZero: () => parseTransform({ op: "null_if_zero" }),
};

/** Options of {@linkcode field}: every {@linkcode FieldDef} key but name, offset and type. */
export type FieldOptions = Omit<FieldDef, "kind" | "name" | "offset" | "type">;

/**
 * A field definition.
 *
 * @param name Field name.
 * @param offset Byte offset.
 * @param type Datatype.
 * @param options Transforms, unit, required, ...
 * @returns The definition.
 *
 * @example
 * ```ts
 * import { dt, field } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(field("soc", 4, dt.uint16(), { unit: "%" }), {
 *   name: "soc",
 *   offset: 4,
 *   type: { kind: "int", bytes: 2, signed: false },
 *   unit: "%",
 * });
 * ```
 */
export function field(
  name: string,
  offset: number,
  type: DatatypeDef | string,
  options: FieldOptions = {},
): FieldDef {
  return { name, offset, type, ...options };
}

/**
 * A group definition: fields decoded into a nested object (sub-field offsets are absolute).
 *
 * @param name Group name.
 * @param fields Its fields.
 * @returns The definition.
 *
 * @example
 * ```ts
 * import { BlockSchema, dt, field, group } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const schema = new BlockSchema({
 *   id: 902,
 *   name: "GROUPED",
 *   minLength: 2,
 *   fields: [group("limits", [field("max", 0, dt.uint16())])],
 * });
 * assert.deepEqual(schema.decode(new Uint8Array([0, 9])).values, { limits: { max: 9 } });
 * ```
 */
export function group(name: string, fields: readonly FieldDef[]): GroupDef {
  return { kind: "group", name, fields };
}
