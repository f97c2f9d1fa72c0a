import assert from "node:assert/strict";
import type { FieldDef } from "../../parser/types.ts";
import { BlockSchema } from "../../parser/block_schema.ts";
import {
  convertBluettiBlocks,
  renderBlocksJson,
  seedTypeSize,
} from "../../../tools/gen_bluetti_blocks.ts";
import { BLUETTI_V2_BLOCKS } from "./blocks.ts";

const SEED = new URL("./data/bluetti-v2-blocks.json", import.meta.url);
const BLOCKS_FILE = new URL("./blocks.json", import.meta.url);
/** Registers one Modbus read may return (function 0x03 quantity ≤ 125), in bytes. */
const MAX_BLOCK_BYTES = 125 * 2;

/** Every field of a block, group sub-fields included. */
function allFields(block: (typeof BLUETTI_V2_BLOCKS)[number]): FieldDef[] {
  return block.fields.flatMap((entry) => entry.kind === "group" ? entry.fields : [entry]);
}

Deno.test("BLUETTI_V2_BLOCKS holds 45 blocks with unique ids and names", () => {
  assert.equal(BLUETTI_V2_BLOCKS.length, 45);
  assert.equal(new Set(BLUETTI_V2_BLOCKS.map((b) => b.id)).size, 45);
  assert.equal(new Set(BLUETTI_V2_BLOCKS.map((b) => b.name)).size, 45);
  for (const block of BLUETTI_V2_BLOCKS) {
    assert.match(block.name, /^[A-Z][A-Z0-9_]*$/, `block ${block.id} name`);
    assert.ok(Number.isInteger(block.id) && block.id >= 0 && block.id <= 0xffff);
    assert.ok(block.minLength > 0 && block.minLength <= MAX_BLOCK_BYTES, `block ${block.id}`);
    if (block.recommendedRegisterCount !== undefined) {
      assert.ok(block.recommendedRegisterCount >= 1 && block.recommendedRegisterCount <= 125);
    }
    assert.ok(block.fields.length > 0, `block ${block.id} has fields`);
  }
});

Deno.test("BLUETTI_V2_BLOCKS fields lie inside one Modbus read", () => {
  for (const block of BLUETTI_V2_BLOCKS) {
    for (const field of allFields(block)) {
      const where = `${block.id}.${field.name}`;
      assert.equal(typeof field.type, "string", where);
      const size = seedTypeSize(field.type as string);
      assert.ok(Number.isInteger(field.offset) && field.offset >= 0, where);
      assert.ok(field.offset + size <= MAX_BLOCK_BYTES, `${where} ends at ${field.offset + size}`);
    }
  }
});

Deno.test("BLUETTI_V2_BLOCKS field names are snake_case and unique per block and group", () => {
  for (const block of BLUETTI_V2_BLOCKS) {
    const top = block.fields.map((f) => f.name);
    assert.equal(new Set(top).size, top.length, `block ${block.id} top-level names`);
    for (const entry of block.fields) {
      if (entry.kind !== "group") continue;
      const names = entry.fields.map((f) => f.name);
      assert.equal(new Set(names).size, names.length, `block ${block.id} group ${entry.name}`);
    }
    for (const field of allFields(block)) {
      assert.match(field.name, /^[a-z][a-z0-9_]*$/, `${block.id}.${field.name}`);
    }
  }
});

Deno.test("BLUETTI_V2_BLOCKS never decodes a withdrawn field", () => {
  let withdrawn = 0;
  for (const block of BLUETTI_V2_BLOCKS) {
    const names = new Set([
      ...block.fields.map((f) => f.name),
      ...allFields(block).map((field) => field.name),
    ]);
    for (const name of block.withdrawnFields ?? []) {
      withdrawn++;
      assert.ok(!names.has(name), `withdrawn ${block.id}.${name} is among the fields`);
    }
  }
  assert.equal(withdrawn, 22);
});

Deno.test("BLUETTI_V2_BLOCKS transforms use the seed's string grammar", () => {
  const grammar =
    /^(abs|null_if_zero|scale:-?[0-9.]+(e-?[0-9]+)?|minus:-?[0-9]+|bitmask:(0x)?[0-9a-f]+|shift:[0-9]+|clamp:-?[0-9]+:-?[0-9]+|hex_enable_list:[0-9]+:[0-9]+)$/;
  for (const block of BLUETTI_V2_BLOCKS) {
    for (const field of allFields(block)) {
      for (const transform of field.transforms ?? []) {
        assert.match(String(transform), grammar, `${block.id}.${field.name}`);
      }
    }
  }
});

Deno.test("BLUETTI_V2_BLOCKS marks exactly the two passwords and their blocks sensitive", () => {
  const fields = BLUETTI_V2_BLOCKS.flatMap((block) =>
    allFields(block).filter((field) => field.sensitive).map((field) => `${block.id}.${field.name}`)
  );
  assert.deepEqual(fields, ["2200.adv_login_password", "12002.wifi_password"]);
  assert.deepEqual(BLUETTI_V2_BLOCKS.filter((b) => b.sensitive).map((b) => b.id), [2200, 12002]);
});

Deno.test("BLUETTI_V2_BLOCKS keeps the corrections the evidence settled", () => {
  const byId = new Map(BLUETTI_V2_BLOCKS.map((b) => [b.id, b]));
  const field = (id: number, name: string): FieldDef | undefined =>
    byId.get(id)?.fields.find((f): f is FieldDef => f.kind !== "group" && f.name === name);
  assert.deepEqual(field(100, "pack_voltage")?.transforms, ["scale:0.01"]);
  assert.equal(field(100, "device_model")?.type, "string_swapped:12");
  assert.equal(field(100, "device_serial")?.type, "serial_u64_rev");
  assert.equal(field(1300, "total_grid_power")?.type, "int32_lw");
  assert.equal(field(6000, "soc")?.offset, 11);
  assert.equal(field(1100, "fault_code")?.minProtocolVersion, 2007);
  assert.equal(byId.get(100)?.recommendedRegisterCount, 62);
});

Deno.test("BLUETTI_V2_BLOCKS compile with the schema engine and decode zeroed data", () => {
  for (const def of BLUETTI_V2_BLOCKS) {
    const schema = new BlockSchema(def);
    const length = 2 * schema.registerCount;
    const record = schema.decode(new Uint8Array(MAX_BLOCK_BYTES).subarray(0, length));
    const where = `block ${def.id}`;
    assert.equal(record.blockId, def.id, where);
    assert.equal(record.name, def.name, where);
    // A full-length block: every field present, nothing missing, no warning.
    assert.deepEqual(record.missing, [], where);
    assert.deepEqual(record.warnings, [], where);
    const paths = schema.fields.map((f) => f.path);
    for (const path of paths) {
      const [head, tail] = path.split(".");
      const value = tail === undefined
        ? record.values[head!]
        : (record.values[head!] as Record<string, unknown>)[tail];
      assert.notEqual(value, undefined, `${where}: ${path} is decoded`);
    }
    // Zeroed data reads as zero, empty text or null (a "0 = not reported" transform), never
    // as a made-up number.
    for (const path of paths) {
      const [head, tail] = path.split(".");
      const value = tail === undefined
        ? record.values[head!]
        : (record.values[head!] as Record<string, unknown>)[tail];
      if (typeof value === "number") {
        assert.ok(Math.abs(value) < 1e6, `${where}: ${path} = ${value}`);
      }
    }
  }
});

Deno.test("blocks.json equals what tools/gen_bluetti_blocks.ts generates from data/bluetti-v2-blocks.json", async () => {
  const seed: unknown = JSON.parse(await Deno.readTextFile(SEED));
  const blocks = convertBluettiBlocks(seed);
  assert.deepEqual(BLUETTI_V2_BLOCKS, blocks);
  assert.equal(
    await Deno.readTextFile(BLOCKS_FILE),
    renderBlocksJson(blocks),
    "blocks.json is stale: run `deno task gen:blocks`",
  );
});

Deno.test("convertBluettiBlocks() rejects a seed key it does not know", () => {
  const seed = {
    blocks: [{
      id: 1,
      name: "X",
      min_length: 2,
      strict: false,
      verification_status: "partial",
      fields: [{ name: "a", offset: 0, type: "uint16", colour: "red" }],
    }],
  };
  assert.throws(() => convertBluettiBlocks(seed), {
    name: "TypeError",
    message: /blocks\[0\]\.fields\[0\] as key 'colour' is unknown/,
  });
});

Deno.test("seedTypeSize() sizes every seed datatype and rejects others", () => {
  assert.equal(seedTypeSize("uint8"), 1);
  assert.equal(seedTypeSize("int16"), 2);
  assert.equal(seedTypeSize("int32_lw"), 4);
  assert.equal(seedTypeSize("serial_u64_rev"), 8);
  assert.equal(seedTypeSize("string:8"), 8);
  assert.equal(seedTypeSize("bitmap:16"), 2);
  assert.throws(() => seedTypeSize("string_swapped:7"), TypeError);
  assert.throws(() => seedTypeSize("float32"), TypeError);
});
