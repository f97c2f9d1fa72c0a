// The interpreted decoder: the same records as the generated one (_codegen.ts), field by field
// from the same field list, without generating and compiling source. Generating pays off from
// the second decode of a block; a schema's first decode (a one-shot `decode`, the first poll)
// runs this one. `_interpret_test.ts` checks that both give deep-equal results, warnings,
// missing fields and errors included, for every built-in block.
import type { IntegerDatatypeDef } from "./types.ts";
import { type DecodeCtx, type GeneratedDecoder, type GenField, slowReader } from "./_codegen.ts";

/** One field's value from the data bytes, all bytes present; gates not applied. */
type FieldReader = (b: Uint8Array, ctx: DecodeCtx) => unknown;

/**
 * Build the interpreted decoder of one block.
 *
 * @param blockId The block id (for error messages).
 * @param fields The fields, in definition order, as for `generateDecoder`.
 * @returns A decoder that gives what `generateDecoder(blockId, fields)` gives.
 */
export function interpretDecoder(blockId: number, fields: readonly GenField[]): GeneratedDecoder {
  const readers: FieldReader[] = fields.map((f) => {
    if (f.int === null || f.isArray) return slowReader(blockId, f);
    const { int, offset, apply } = f;
    return apply === null ? (b) => readInt(int, b, offset) : (b) => apply(readInt(int, b, offset));
  });
  return (b, len, ctx) => {
    const values: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      let value: unknown;
      if (len < f.end) value = null;
      else if (f.gate !== null && ctx.version !== null && ctx.version < f.gate) value = null;
      else value = readers[i]!(b, ctx);
      if (f.group === null) values[f.name] = value;
      else ((values[f.group] ??= {}) as Record<string, unknown>)[f.name] = value;
    }
    return values;
  };
}

/** An integer as the generated code reads it (`intExpr` in _codegen.ts). */
function readInt(def: IntegerDatatypeDef, b: Uint8Array, o: number): number {
  if (def.bytes === 1) return def.signed ? b[o]! << 24 >> 24 : b[o]!;
  if (def.bytes === 2) return def.signed ? b[o]! << 24 >> 16 | b[o + 1]! : b[o]! << 8 | b[o + 1]!;
  if (def.wordOrder === "low_first") {
    const hi = b[o + 2]! << 8 | b[o + 3]!;
    const lo = b[o]! << 8 | b[o + 1]!;
    return def.signed ? hi << 16 | lo : hi * 65536 + lo;
  }
  return def.signed
    ? b[o]! << 24 | b[o + 1]! << 16 | b[o + 2]! << 8 | b[o + 3]!
    : b[o]! * 16777216 + (b[o + 1]! << 16 | b[o + 2]! << 8 | b[o + 3]!);
}
