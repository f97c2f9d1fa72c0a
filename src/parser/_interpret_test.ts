import assert from "node:assert/strict";
import { BUILTIN_PLUGINS } from "../plugins/builtin.ts";
import { BlockSchema } from "./block_schema.ts";
import { type DecodeCtx, generateDecoder, genFields } from "./_codegen.ts";
import { interpretDecoder } from "./_interpret.ts";
import { seededRandom } from "../testing/faults.ts";

/** Every block schema of every built-in plugin's profiles (overrides and register maps too). */
function builtinSchemas(): BlockSchema[] {
  const seen = new Map<string, BlockSchema>();
  for (const plugin of BUILTIN_PLUGINS) {
    for (const profile of plugin.profiles) {
      for (const schema of plugin.createRegistry(profile).list()) {
        seen.set(JSON.stringify(schema.def), schema);
      }
    }
  }
  return [...seen.values()];
}

/** Frames of every interesting length, with random, zero, 0xff and printable bytes. */
function framesOf(schema: BlockSchema, random: () => number): Uint8Array[] {
  const lengths = new Set([
    0,
    Math.max(0, schema.minLength - 1),
    schema.minLength,
    Math.max(0, schema.maxFieldEnd - 1),
    schema.maxFieldEnd,
    schema.maxFieldEnd + 3,
    schema.registerCount * 2,
  ]);
  const frames: Uint8Array[] = [];
  for (const length of lengths) {
    frames.push(new Uint8Array(length));
    frames.push(new Uint8Array(length).fill(0xff));
    frames.push(Uint8Array.from({ length }, () => 0x20 + Math.floor(random() * 0x5f)));
    for (let n = 0; n < 4; n++) {
      frames.push(Uint8Array.from({ length }, () => Math.floor(random() * 256)));
    }
  }
  return frames;
}

/** The protocol versions that open or close each gate of the schema, and unknown. */
function versionsOf(schema: BlockSchema): (number | null)[] {
  const gates = schema.fields.flatMap((f) =>
    f.minProtocolVersion === null ? [] : [f.minProtocolVersion - 1, f.minProtocolVersion]
  );
  return [null, 0, ...new Set(gates)];
}

/** What a decoder gives: values and what the context collected, or the error it threw. */
function outcome(run: (ctx: DecodeCtx) => unknown, strict: boolean, version: number | null) {
  const ctx: DecodeCtx = { warnings: null, missing: null, strict, version };
  try {
    return { values: run(ctx), warnings: ctx.warnings, missing: ctx.missing };
  } catch (error) {
    return { error, fields: { ...(error as object) }, message: (error as Error).message };
  }
}

Deno.test("the interpreted decoder gives the generated decoder's results for every built-in block", () => {
  const random = seededRandom(20261204);
  const seen = { schemas: 0, frames: 0, errors: 0, suspect: 0, gated: 0, nullFields: 0 };
  for (const schema of builtinSchemas()) {
    seen.schemas++;
    const fields = genFields(schema.fields);
    const generated = generateDecoder(schema.id, fields);
    const interpreted = interpretDecoder(schema.id, fields);
    for (const data of framesOf(schema, random)) {
      for (const version of versionsOf(schema)) {
        for (const strict of [false, true]) {
          seen.frames++;
          const expected = outcome((ctx) => generated(data, data.length, ctx), strict, version);
          const actual = outcome((ctx) => interpreted(data, data.length, ctx), strict, version);
          const where = `block ${schema.id}, ${data.length} bytes [${data.slice(0, 8)}...], ` +
            `version ${version}, strict ${strict}`;
          assert.deepStrictEqual(actual, expected, where);
          // Same keys in the same order (JSON output and tables print them in this order).
          assert.equal(JSON.stringify(actual), JSON.stringify(expected), where);
          if ("error" in expected) seen.errors++;
          if (expected.warnings?.some((w) => w.suspect === true)) seen.suspect++;
          if (version !== null && version < (schema.fields.at(-1)?.minProtocolVersion ?? 0)) {
            seen.gated++;
          }
          if (JSON.stringify(expected.values ?? {}).includes("null")) seen.nullFields++;
        }
      }
    }
  }
  // The frames reach every path: errors, suspect values, gates and absent bytes.
  assert.ok(seen.schemas >= 45, JSON.stringify(seen));
  for (const [key, count] of Object.entries(seen)) assert.ok(count > 0, `${key}: ${count}`);
});

Deno.test("a schema's first decode (interpreted) equals its later ones (generated)", () => {
  const random = seededRandom(7);
  for (const schema of builtinSchemas()) {
    for (const data of framesOf(schema, random)) {
      // A fresh schema of the same definition: its first decode is the interpreted one.
      // Strict blocks throw on a short payload before any field is read: lenient here, the
      // decoders' own errors are compared above.
      const fresh = new BlockSchema(schema.def);
      const first = fresh.decode(data, { strict: false });
      fresh.decode(data, { strict: false });
      const third = fresh.decode(data, { strict: false });
      assert.deepStrictEqual(first, third, `block ${schema.id}, ${data.length} bytes`);
      assert.equal(JSON.stringify(first), JSON.stringify(third));
    }
  }
});

Deno.test("the interpreted decoder reads integers as the generated code does", () => {
  // Sign extension and word order of each integer width, at the edges of their ranges.
  const schema = new BlockSchema({
    id: 9,
    name: "INTS",
    minLength: 26,
    fields: [
      { name: "u8", offset: 0, type: "uint8" },
      { name: "i8", offset: 1, type: "int8" },
      { name: "u16", offset: 2, type: "uint16" },
      { name: "i16", offset: 4, type: "int16" },
      { name: "u32", offset: 6, type: "uint32" },
      { name: "i32", offset: 10, type: "int32" },
      { name: "u32lw", offset: 14, type: "uint32_lw" },
      { name: "i32lw", offset: 18, type: "int32_lw" },
      { kind: "group", name: "g", fields: [{ name: "x", offset: 22, type: "uint16" }] },
      { name: "scaled", offset: 24, type: "int16", transforms: ["scale:0.1"] },
    ],
  });
  const fields = genFields(schema.fields);
  const interpreted = interpretDecoder(9, fields);
  const generated = generateDecoder(9, fields);
  for (const fill of [0x00, 0x7f, 0x80, 0xff, 0x01]) {
    const data = new Uint8Array(26).fill(fill);
    const ctx = (): DecodeCtx => ({ warnings: null, missing: null, strict: false, version: null });
    assert.deepStrictEqual(interpreted(data, 26, ctx()), generated(data, 26, ctx()), `${fill}`);
  }
  const data = new Uint8Array(26).fill(0xff);
  const ctx: DecodeCtx = { warnings: null, missing: null, strict: false, version: null };
  assert.deepStrictEqual(interpreted(data, 26, ctx), {
    u8: 255,
    i8: -1,
    u16: 65535,
    i16: -1,
    u32: 4294967295,
    i32: -1,
    u32lw: 4294967295,
    i32lw: -1,
    g: { x: 65535 },
    scaled: -0.1,
  });
});
