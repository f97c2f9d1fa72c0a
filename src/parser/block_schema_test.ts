import assert from "node:assert/strict";
import { ParserError, SchemaDefinitionError } from "../errors/errors.ts";
import { BlockSchema } from "./block_schema.ts";
import type { BlockSchemaDef, FieldOrGroupDef } from "./types.ts";

const HOME: BlockSchemaDef = {
  id: 100,
  name: "HOME",
  minLength: 8,
  fields: [
    {
      name: "pack_voltage",
      offset: 0,
      type: "uint16",
      transforms: ["scale:0.01"],
      unit: "V",
      required: true,
    },
    { name: "soc", offset: 2, type: "uint16", unit: "%", required: true },
    { name: "model", offset: 4, type: "string_swapped:4" },
    {
      name: "temp",
      offset: 8,
      type: "uint8",
      transforms: ["null_if_zero", "minus:40"],
      unit: "°C",
    },
    {
      name: "energy",
      offset: 10,
      type: "uint32_lw",
      transforms: ["scale:0.1"],
      unit: "kWh",
      minProtocolVersion: 2001,
    },
  ],
};

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

function block(
  fields: readonly FieldOrGroupDef[],
  extra: Partial<BlockSchemaDef> = {},
): BlockSchema {
  return new BlockSchema({ id: 9, name: "T", minLength: 0, fields, ...extra });
}

const FULL = bytes(0x14, 0xc1, 0x00, 0x5f, 0x43, 0x41, 0x41, 0x32, 65, 0, 0x00, 0x21, 0x00, 0x00);

Deno.test("BlockSchema.decode() produces typed values, units and no warnings for a full payload", () => {
  const record = new BlockSchema(HOME).decode(FULL);
  assert.equal(record.blockId, 100);
  assert.equal(record.name, "HOME");
  assert.deepEqual(record.values, {
    pack_voltage: 53.13,
    soc: 95,
    model: "AC2A",
    temp: 25,
    energy: 3.3,
  });
  assert.deepEqual(record.units, { pack_voltage: "V", soc: "%", temp: "°C", energy: "kWh" });
  assert.deepEqual(record.warnings, []);
  assert.deepEqual(record.missing, []);
  assert.equal(record.raw, FULL);
  assert.equal(record.protocolVersion, null);
});

Deno.test("BlockSchema.decode() nulls optional fields beyond the data and lists them as missing", () => {
  const record = new BlockSchema(HOME).decode(FULL.subarray(0, 10));
  assert.equal(record.values.temp, 25);
  assert.equal(record.values.energy, null);
  assert.deepEqual(record.missing, ["energy"]);
  assert.deepEqual(record.warnings, []);
});

Deno.test("BlockSchema.decode() warns on a short payload in lenient mode and throws in strict mode", () => {
  const schema = new BlockSchema(HOME);
  const record = schema.decode(FULL.subarray(0, 2));
  assert.equal(record.values.pack_voltage, 53.13);
  assert.equal(record.values.soc, null);
  assert.deepEqual(record.missing, ["soc", "model", "temp", "energy"]);
  assert.match(record.warnings[0]!.message, /2 data bytes, at least 8 expected/);
  assert.match(record.warnings[1]!.message, /required field 'soc' needs bytes 2\.\.3/);
  assert.throws(
    () => schema.decode(FULL.subarray(0, 2), { strict: true }),
    (e: unknown) =>
      e instanceof ParserError && e.code === "PARSER_SHORT_PAYLOAD" && e.blockId === 100 &&
      e.offset === 2,
  );
});

Deno.test("BlockSchema.decode() in strict mode throws for a missing required field", () => {
  const schema = block([
    { name: "a", offset: 0, type: "uint16" },
    { name: "b", offset: 2, type: "uint16", required: true },
  ], { strict: true, minLength: 2 });
  assert.throws(
    () => schema.decode(bytes(0, 1)),
    (e: unknown) =>
      e instanceof ParserError && e.code === "PARSER_MISSING_FIELD" && e.blockId === 9 &&
      e.field === "b" && e.offset === 2,
  );
  assert.equal(schema.decode(bytes(0, 1), { strict: false }).values.a, 1);
});

Deno.test("BlockSchema.decode() in strict mode warns about extra data beyond the fields", () => {
  const schema = block([{ name: "a", offset: 0, type: "uint16" }], { strict: true });
  const record = schema.decode(bytes(0, 1, 2, 3));
  assert.deepEqual(record.warnings.map((w) => w.message), [
    "Extra data beyond defined fields: 2 bytes from offset 2",
  ]);
});

Deno.test("BlockSchema.decode() applies protocol version gates only when the version is known", () => {
  const schema = new BlockSchema(HOME);
  assert.equal(schema.decode(FULL).values.energy, 3.3);
  assert.equal(schema.decode(FULL, { protocolVersion: 2000 }).values.energy, null);
  assert.equal(schema.decode(FULL, { protocolVersion: 2001 }).values.energy, 3.3);
  assert.equal(schema.decode(FULL, { protocolVersion: 2000 }).protocolVersion, 2000);
});

Deno.test("BlockSchema.decode() turns an undecodable optional value into null with a warning", () => {
  const data = FULL.slice();
  data[5] = 0xc3;
  const record = new BlockSchema(HOME).decode(data, { strict: true });
  assert.equal(record.values.model, null);
  assert.equal(record.warnings[0]!.field, "model");
  assert.match(record.warnings[0]!.message, /field 'model' at offset 4: byte 0xc3 at \+1/);
});

Deno.test("BlockSchema.decode() throws for an undecodable required value in strict mode", () => {
  const schema = block([{ name: "name", offset: 0, type: "string:2", required: true }], {
    strict: true,
  });
  assert.throws(
    () => schema.decode(bytes(0x41, 0xff)),
    (e: unknown) =>
      e instanceof ParserError && e.code === "PARSER_INVALID_VALUE" && e.field === "name",
  );
  assert.equal(schema.decode(bytes(0x41, 0xff), { strict: false }).values.name, null);
});

Deno.test("BlockSchema.decode() nests groups and applies transforms to each array item", () => {
  const schema = block([
    {
      kind: "group",
      name: "limits",
      fields: [
        { name: "max", offset: 0, type: "uint16", transforms: ["scale:0.1"] },
        { name: "min", offset: 2, type: "uint16" },
      ],
    },
    {
      name: "cells",
      offset: 4,
      type: { kind: "array", item: { kind: "int", bytes: 2, signed: false }, count: 2 },
      transforms: ["bitmask:3fff", "scale:0.001"],
      unit: "V",
    },
  ]);
  const record = schema.decode(bytes(0, 25, 0, 3, 0xcc, 0xf9, 0x0c, 0xfd));
  assert.deepEqual(record.values, { limits: { max: 2.5, min: 3 }, cells: [3.321, 3.325] });
  assert.deepEqual(record.units, { cells: "V" });
  assert.deepEqual(schema.fields.map((f) => f.path), ["limits.max", "limits.min", "cells"]);
});

Deno.test("BlockSchema computes its register count from min length and field ends", () => {
  const schema = new BlockSchema(HOME);
  assert.equal(schema.maxFieldEnd, 14);
  assert.equal(schema.registerCount, 7);
  assert.equal(block([{ name: "a", offset: 0, type: "uint8" }], { minLength: 9 }).registerCount, 5);
});

Deno.test("BlockSchema rejects invalid definitions naming the block and the field", () => {
  const cases: [() => unknown, string, RegExp][] = [
    [
      () =>
        block([{ name: "a", offset: 0, type: "uint16" }, { name: "a", offset: 2, type: "uint16" }]),
      "SCHEMA_INVALID_FIELD",
      /'a' is used twice/,
    ],
    [
      () => block([{ name: "a", offset: -1, type: "uint16" }]),
      "SCHEMA_INVALID_FIELD",
      /offset must be a non-negative integer/,
    ],
    [
      () => block([{ name: "a", offset: 249, type: "uint16" }]),
      "SCHEMA_INVALID_FIELD",
      /exceed the 250-byte maximum/,
    ],
    [
      () => block([{ name: 'a"b', offset: 0, type: "uint16" }]),
      "SCHEMA_INVALID_FIELD",
      /identifier/,
    ],
    [
      () => block([{ name: "a", offset: 0, type: "float" }]),
      "SCHEMA_INVALID_TYPE",
      /field 'a' of block 9: Unknown datatype 'float'/,
    ],
    [
      () => block([{ name: "a", offset: 0, type: "string:4", transforms: ["scale:2"] }]),
      "SCHEMA_INVALID_TRANSFORM",
      /need an integer datatype/,
    ],
    [
      () => block([{ name: "a", offset: 0, type: "uint16", transforms: ["scale:zero"] }]),
      "SCHEMA_INVALID_TRANSFORM",
      /field 'a' of block 9/,
    ],
    [
      () => block([{ name: "a", offset: 0, type: "uint16" }], { withdrawnFields: ["a"] }),
      "SCHEMA_INVALID_FIELD",
      /withdrawn/,
    ],
    [
      () => block([{ kind: "group", name: "g", fields: [] }]),
      "SCHEMA_INVALID_FIELD",
      /at least one field/,
    ],
    [() => block([], { id: 70000 }), "SCHEMA_INVALID_BLOCK", /0\.\.65535/],
    [() => block([], { name: "" }), "SCHEMA_INVALID_BLOCK", /non-empty/],
    [() => block([], { minLength: 300 }), "SCHEMA_INVALID_BLOCK", /minLength/],
    [
      () => block([], { verificationStatus: "maybe" as never }),
      "SCHEMA_INVALID_BLOCK",
      /verificationStatus/,
    ],
  ];
  for (const [make, code, pattern] of cases) {
    assert.throws(make, (e: unknown) => {
      assert.ok(e instanceof SchemaDefinitionError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, pattern);
      return true;
    });
  }
});

Deno.test("BlockSchema.encode() is the inverse of decode()", () => {
  const schema = new BlockSchema(HOME);
  const values = { pack_voltage: 53.13, soc: 95, model: "AC2A", temp: 25, energy: 3.3 };
  const data = schema.encode(values);
  assert.deepEqual([...data], [...FULL]);
  assert.deepEqual(schema.decode(data).values, values);
});

Deno.test("BlockSchema.encode() writes only their own bits for fields that share bytes", () => {
  const schema = block([
    { name: "level", offset: 0, type: "uint16", transforms: ["bitmask:0x7"] },
    { name: "phases", offset: 0, type: "uint16", transforms: ["shift:3", "bitmask:0x7"] },
    { name: "flag", offset: 2, type: "uint16", transforms: ["hex_enable_list:0:1"] },
    { name: "other", offset: 2, type: "uint16", transforms: ["hex_enable_list:0:0"] },
  ]);
  const data = schema.encode({ level: 5, phases: 3, flag: 2, other: 1 }, { length: 4 });
  assert.deepEqual(schema.decode(data).values, { level: 5, phases: 3, flag: 2, other: 1 });
  const base = bytes(0xff, 0xff, 0, 0);
  const kept = schema.encode({ level: 0 }, { base });
  assert.deepEqual([...kept], [0xff, 0xf8, 0, 0]);
  assert.deepEqual([...base], [0xff, 0xff, 0, 0]);
});

Deno.test("BlockSchema.encode() writes null through null_if_zero and skips other nulls", () => {
  const schema = new BlockSchema(HOME);
  const data = schema.encode({ temp: null, soc: null }, { base: FULL });
  assert.equal(data[8], 0);
  assert.equal(data[3], 0x5f);
});

Deno.test("BlockSchema.encode() reports the field and offset of a value that does not fit", () => {
  const schema = new BlockSchema(HOME);
  const cases: [Record<string, unknown>, RegExp, string][] = [
    [{ soc: 70000 }, /'soc' of block 100 at offset 2: 70000 does not fit uint16/, "soc"],
    [{ soc: "high" }, /'soc'.*'high' is not an integer/, "soc"],
    [{ model: "TOO LONG" }, /'model'.*more than 4/, "model"],
    [
      { pack_voltage: -1 },
      /'pack_voltage'.*-1 gives raw -100, which an unsigned field cannot hold/,
      "pack_voltage",
    ],
  ];
  for (const [values, pattern, field] of cases) {
    assert.throws(() => schema.encode(values), (e: unknown) => {
      assert.ok(e instanceof ParserError);
      assert.equal(e.code, "PARSER_ENCODE_VALUE");
      assert.equal(e.field, field);
      assert.match(e.message, pattern);
      return true;
    });
  }
  assert.throws(() => schema.encode({ energy: 1 }, { length: 10 }), /beyond the 10-byte payload/);
  assert.throws(() => schema.encode({}, { length: 251 }), /0\.\.250/);
});

Deno.test("BlockSchema.validate() reports short payloads, missing required fields and extra bytes", () => {
  const schema = new BlockSchema(HOME);
  assert.deepEqual(schema.validate(FULL), []);
  assert.deepEqual(schema.validate(FULL.subarray(0, 2)).map((i) => [i.code, i.field]), [
    ["PARSER_SHORT_PAYLOAD", null],
    ["PARSER_MISSING_FIELD", "soc"],
  ]);
  const long = new Uint8Array(20);
  assert.deepEqual(schema.validate(long).map((i) => [i.severity, i.code, i.offset]), [
    ["warning", "PARSER_EXTRA_BYTES", 14],
  ]);
});

Deno.test("BlockSchema.decode() rejects input that is not a Uint8Array", () => {
  assert.throws(() => new BlockSchema(HOME).decode([1, 2] as unknown as Uint8Array), TypeError);
});

Deno.test("BlockSchema.decode() never quotes the bytes of a secret field in warnings or errors", () => {
  const schema = block([{
    name: "password",
    offset: 0,
    type: "string:4",
    sensitive: true,
    required: true,
  }], {
    strict: true,
  });
  const secret = bytes(0x70, 0x77, 0x07, 0x21);
  const lenient = schema.decode(secret, { strict: false });
  assert.equal(lenient.values.password, null);
  assert.match(lenient.warnings[0]!.message, /details hidden: secret field/);
  assert.doesNotMatch(lenient.warnings[0]!.message, /0x07/);
  assert.throws(
    () => schema.decode(secret),
    (e: unknown) =>
      e instanceof ParserError && /details hidden/.test(e.message) && !/0x07/.test(e.message),
  );
});

Deno.test("a schema keeps a deeply frozen copy of its definition: the caller's object may change", () => {
  const def = structuredClone(HOME) as unknown as { fields: { name: string; unit?: string }[] };
  const schema = new BlockSchema(def as unknown as BlockSchemaDef);
  def.fields[0]!.unit = "mV";
  def.fields.push({ name: "late" });
  assert.equal(schema.def.fields.length, HOME.fields.length);
  assert.deepEqual(schema.def, HOME);
  assert.ok(Object.isFrozen(schema.def.fields));
  assert.ok(Object.isFrozen(schema.def.fields[0]));
  assert.ok(
    Object.isFrozen((schema.def.fields[0] as unknown as { transforms: string[] }).transforms),
  );
  assert.throws(() => (schema.def.fields as unknown[]).push({}), TypeError);
});
