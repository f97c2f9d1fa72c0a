/**
 * A datatype's string form and size, without compiling it: what the block schema compiler
 * parses (datatype.ts), and what listing blocks needs (their register counts) without loading
 * the compiler.
 *
 * @module
 */
import { SchemaDefinitionError } from "../errors/errors.ts";
import type { DatatypeDef, DatatypeSpec, IntegerDatatypeDef } from "./types.ts";

/**
 * The typed form of a datatype given in the seed's string form.
 *
 * @param text `uint8`, `int8`, `uint16`, `int16`, `uint32`, `int32`, `uint32_lw`, `int32_lw`,
 * `string:N`, `string_swapped:N`, `serial_u64_rev` or `bitmap:N`.
 * @returns The typed definition.
 * @throws {SchemaDefinitionError} `SCHEMA_INVALID_TYPE` for anything else.
 *
 * @example
 * ```ts
 * import { parseDatatype } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseDatatype("int32_lw"), {
 *   kind: "int",
 *   bytes: 4,
 *   signed: true,
 *   wordOrder: "low_first",
 * });
 * ```
 */
export function parseDatatype(text: string): DatatypeDef {
  const integer = INTEGER_NAMES[text];
  if (integer) return integer;
  const [name, arg, ...rest] = text.split(":");
  if (rest.length === 0 && arg !== undefined && /^\d+$/.test(arg)) {
    const n = Number(arg);
    if (name === "string") return { kind: "string", length: n };
    if (name === "string_swapped") return { kind: "string", length: n, swapped: true };
    if (name === "bitmap" && (n === 8 || n === 16 || n === 32)) {
      return { kind: "bitmap", bytes: (n / 8) as 1 | 2 | 4 };
    }
  }
  if (text === "serial_u64_rev") return { kind: "serial_u64_rev" };
  throw new SchemaDefinitionError(
    "SCHEMA_INVALID_TYPE",
    `Unknown datatype '${text}': expected one of ${
      Object.keys(INTEGER_NAMES).join(", ")
    }, string:N, string_swapped:N, serial_u64_rev, bitmap:8|16|32`,
  );
}

const INTEGER_NAMES: Readonly<Record<string, IntegerDatatypeDef>> = {
  uint8: { kind: "int", bytes: 1, signed: false },
  int8: { kind: "int", bytes: 1, signed: true },
  uint16: { kind: "int", bytes: 2, signed: false },
  int16: { kind: "int", bytes: 2, signed: true },
  uint32: { kind: "int", bytes: 4, signed: false, wordOrder: "high_first" },
  int32: { kind: "int", bytes: 4, signed: true, wordOrder: "high_first" },
  uint32_lw: { kind: "int", bytes: 4, signed: false, wordOrder: "low_first" },
  int32_lw: { kind: "int", bytes: 4, signed: true, wordOrder: "low_first" },
};

/**
 * The bytes a valid datatype spans, without compiling it: `compileDatatype(spec).size`.
 * {@linkcode compileDatatype} checks a definition; this only measures it.
 *
 * @param spec The datatype, in string or typed form.
 * @returns Its size in bytes.
 * @throws {SchemaDefinitionError} `SCHEMA_INVALID_TYPE` for a string form that names no
 * datatype.
 *
 * @example
 * ```ts
 * import { datatypeSize } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.equal(datatypeSize("uint32_lw"), 4);
 * assert.equal(datatypeSize("string_swapped:12"), 12);
 * assert.equal(datatypeSize({ kind: "array", item: { kind: "int", bytes: 2, signed: false }, count: 3, stride: 4 }), 10);
 * ```
 */
export function datatypeSize(spec: DatatypeSpec): number {
  return sizeOf(typeof spec === "string" ? parseDatatype(spec) : spec);
}

function sizeOf(def: DatatypeDef): number {
  switch (def.kind) {
    case "int":
    case "bitmap":
      return def.bytes;
    case "string":
      return def.length;
    case "serial_u64_rev":
      return 8;
    case "enum":
    case "packed":
      return def.base.bytes;
    case "array": {
      const item = sizeOf(def.item);
      return (def.stride ?? item) * (def.count - 1) + item;
    }
  }
}
