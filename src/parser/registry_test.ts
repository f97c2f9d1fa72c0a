import assert from "node:assert/strict";
import { ParserError, SchemaDefinitionError } from "../errors/errors.ts";
import { BlockSchema } from "./block_schema.ts";
import { SchemaRegistry } from "./registry.ts";
import type { BlockSchemaDef } from "./types.ts";

const A: BlockSchemaDef = {
  id: 500,
  name: "A_BLOCK",
  description: "first",
  minLength: 4,
  fields: [
    { name: "x", offset: 0, type: "uint16", transforms: ["scale:0.1"], unit: "V" },
    { kind: "group", name: "g", fields: [{ name: "y", offset: 2, type: "uint16" }] },
  ],
};
const B: BlockSchemaDef = {
  id: 501,
  name: "B_BLOCK",
  minLength: 2,
  fields: [{ name: "z", offset: 0, type: "uint16" }],
};

Deno.test("SchemaRegistry registers and finds blocks by id and by name", () => {
  const registry = new SchemaRegistry([A]);
  assert.equal(registry.size, 1);
  assert.equal(registry.get(500)?.name, "A_BLOCK");
  assert.equal(registry.get("A_BLOCK")?.id, 500);
  assert.equal(registry.get(999), undefined);
  assert.ok(registry.has(500));
  assert.ok(!registry.has("NOPE"));
  registry.register(B);
  assert.deepEqual(registry.list().map((s) => s.id), [500, 501]);
});

Deno.test("SchemaRegistry instances do not share state", () => {
  const one = new SchemaRegistry([A]);
  const two = new SchemaRegistry();
  assert.ok(one.has(500));
  assert.ok(!two.has(500));
});

Deno.test("SchemaRegistry.register() of the same structure again is a no-op", () => {
  const registry = new SchemaRegistry([A]);
  const first = registry.get(500);
  // A different description, string vs typed datatype and transform forms: the same structure.
  const same: BlockSchemaDef = {
    ...A,
    description: "reworded",
    fields: [
      {
        name: "x",
        offset: 0,
        type: { kind: "int", bytes: 2, signed: false },
        transforms: [{ op: "scale", factor: 0.1 }],
        unit: "V",
      },
      { kind: "group", name: "g", fields: [{ name: "y", offset: 2, type: "uint16" }] },
    ],
  };
  assert.equal(registry.register(same), first);
  assert.equal(registry.register(new BlockSchema(A)), first);
  assert.equal(registry.size, 1);
});

Deno.test("SchemaRegistry.register() of a different structure under a taken id lists every difference", () => {
  const registry = new SchemaRegistry([A]);
  const changed: BlockSchemaDef = {
    ...A,
    minLength: 6,
    fields: [
      { name: "x", offset: 1, type: "int16", transforms: ["scale:0.01"] },
      { name: "w", offset: 4, type: "uint16" },
    ],
  };
  assert.throws(() => registry.register(changed), (e: unknown) => {
    assert.ok(e instanceof SchemaDefinitionError);
    assert.equal(e.code, "SCHEMA_CONFLICT");
    assert.equal(e.blockId, 500);
    assert.match(e.message, /block id 500 is taken by A_BLOCK/);
    assert.deepEqual(e.differences, [
      "minLength: 4 → 6",
      "field x: offset 0 → 1",
      `field x: type '{"kind":"int","bytes":2,"signed":false}' → '{"kind":"int","bytes":2,"signed":true}'`,
      "field x: transforms 'scale:0.1' → 'scale:0.01'",
      "field x: unit 'V' → null",
      "field g.y: only in the registered schema",
      "field w: only in the new schema",
    ]);
    return true;
  });
  assert.equal(registry.get(500)?.minLength, 4);
});

Deno.test("SchemaRegistry.register() refuses a taken name under another id", () => {
  const registry = new SchemaRegistry([A]);
  assert.throws(
    () => registry.register({ ...B, name: "A_BLOCK" }),
    (e: unknown) =>
      e instanceof SchemaDefinitionError && e.code === "SCHEMA_CONFLICT" &&
      /block name A_BLOCK is taken by block 500/.test(e.message) &&
      e.differences.includes("id: 500 → 501"),
  );
});

Deno.test("SchemaRegistry.registerAll() is atomic", () => {
  const registry = new SchemaRegistry([A]);
  const conflicting = { ...A, minLength: 99 };
  assert.throws(() => registry.registerAll([B, conflicting]), SchemaDefinitionError);
  assert.ok(!registry.has(501), "B must not be registered when the batch fails");
  assert.throws(
    () => registry.registerAll([B, { ...B, name: "B2", fields: [] }]),
    /taken by B_BLOCK/,
  );
  assert.ok(!registry.has(501));
  const invalid = { ...B, id: 502, name: "C", fields: [{ name: "q", offset: 0, type: "nope" }] };
  assert.throws(() => registry.registerAll([B, invalid]), /Unknown datatype 'nope'/);
  assert.ok(!registry.has(501));
  registry.registerAll([B, B]);
  assert.ok(registry.has(501));
});

Deno.test("SchemaRegistry.require() names the unknown block and what is registered", () => {
  const registry = new SchemaRegistry([A, B]);
  assert.equal(registry.require("B_BLOCK").id, 501);
  assert.throws(
    () => registry.require(42),
    (e: unknown) =>
      e instanceof ParserError && e.code === "PARSER_UNKNOWN_BLOCK" && e.blockId === 42 &&
      /Unknown block 42: registered blocks are 500, 501/.test(e.message),
  );
});
