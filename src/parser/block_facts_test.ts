import assert from "node:assert/strict";
import { BUILTIN_PLUGINS } from "../plugins/builtin.ts";
import { blockDefaults, blockSpan, registerCountOf } from "./block_facts.ts";
import { BlockSchema } from "./block_schema.ts";
import { compileDatatype } from "./datatype.ts";
import { datatypeSize } from "./datatype_text.ts";
import type { DatatypeSpec } from "./types.ts";

const u16 = { kind: "int", bytes: 2, signed: false } as const;
const SPECS: readonly DatatypeSpec[] = [
  "uint8",
  "int8",
  "uint16",
  "int16",
  "uint32",
  "int32",
  "uint32_lw",
  "int32_lw",
  "string:12",
  "string_swapped:8",
  "serial_u64_rev",
  "bitmap:8",
  "bitmap:16",
  "bitmap:32",
  { kind: "enum", base: u16, values: { "0": "off", "1": "on" } },
  { kind: "packed", base: u16, fields: [{ name: "a", bits: [0, 3] }] },
  { kind: "array", item: u16, count: 4 },
  { kind: "array", item: { kind: "int", bytes: 1, signed: false }, count: 3, stride: 2 },
  { kind: "array", item: { kind: "array", item: u16, count: 2 }, count: 2, stride: 6 },
];

Deno.test("datatypeSize is the compiled datatype's size for every kind", () => {
  for (const spec of SPECS) {
    assert.equal(datatypeSize(spec), compileDatatype(spec).size, JSON.stringify(spec));
  }
  assert.throws(() => datatypeSize("uint24"), /Unknown datatype 'uint24'/);
});

Deno.test("blockSpan and blockDefaults say what the compiled schema says, for every built-in block", () => {
  let blocks = 0;
  for (const plugin of BUILTIN_PLUGINS) {
    for (const profile of plugin.profiles) {
      for (const schema of plugin.createRegistry(profile).list()) {
        blocks++;
        const where = `${plugin.id} ${profile.id} block ${schema.id}`;
        assert.deepEqual(blockSpan(schema.def), {
          maxFieldEnd: schema.maxFieldEnd,
          registerCount: schema.registerCount,
          fieldCount: schema.fields.length,
        }, where);
        assert.deepEqual(blockDefaults(schema.def), {
          description: schema.description,
          strict: schema.strict,
          verificationStatus: schema.verificationStatus,
          protocolVersion: schema.protocolVersion,
          sensitive: schema.sensitive,
        }, where);
      }
    }
  }
  assert.ok(blocks >= 45, `${blocks} blocks`);
});

Deno.test("a schema's register count covers its minimum length and its fields", () => {
  assert.equal(registerCountOf(6, 9), 5);
  assert.equal(registerCountOf(10, 3), 5);
  const schema = new BlockSchema({
    id: 7,
    name: "DEMO",
    minLength: 3,
    fields: [{ kind: "group", name: "g", fields: [{ name: "x", offset: 8, type: "string:3" }] }],
  });
  assert.equal(schema.registerCount, 6);
  assert.deepEqual(blockSpan(schema.def), { maxFieldEnd: 11, registerCount: 6, fieldCount: 1 });
});
