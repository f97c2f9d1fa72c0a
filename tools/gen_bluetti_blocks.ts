/**
 * Generates `src/plugins/bluetti_v2/blocks.json` (which `blocks.ts` imports as a JSON module)
 * from the corrected seed `src/plugins/bluetti_v2/data/bluetti-v2-blocks.json` (paths relative
 * to the project root).
 *
 * Usage: `deno task gen:blocks [seed.json] [out.json]`. Arguments are relative to the working
 * directory; without them the seed and the output sit at their default places.
 *
 * The conversion is strict about the seed's shape: a key it does not know is an error, so a new
 * key in the seed is either mapped here or listed among the keys the SDK deliberately leaves out
 * ({@linkcode IGNORED_BLOCK_KEYS} and friends) — never dropped silently.
 *
 * @module
 */

import type { BlockSchemaDef, FieldDef, FieldOrGroupDef, GroupDef } from "../src/parser/types.ts";

/**
 * Fields that hold secrets, by block id. Each is marked `sensitive: true`, and so is its block.
 * A name missing from a block the seed has is an error: a rename must not silently unprotect a
 * password.
 */
export const SENSITIVE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "2200": ["adv_login_password"],
  "12002": ["wifi_password"],
};

/**
 * Block keys of the seed that the SDK leaves out: derivable (`id_hex`, `max_field_end`,
 * `auto_register_count`), owned by the profiles (`used_by_profiles`, `state_handler_group`) or
 * evidence and notes for humans (kept in the seed and in block-evidence.md).
 */
export const IGNORED_BLOCK_KEYS: readonly string[] = [
  "id_hex",
  "max_field_end",
  "auto_register_count",
  "used_by_profiles",
  "state_handler_group",
  "notes",
  "live_capture",
  "peer_register_counts",
  "reference_block",
  "recommended_name",
];

/** Field keys of the seed that the SDK leaves out (derivable `size`, and evidence for humans). */
export const IGNORED_FIELD_KEYS: readonly string[] = [
  "size",
  "evidence_detail",
  "reference",
  "added",
  "layout_assumption",
  "scale_note",
];

/** Group keys of the seed that {@linkcode GroupDef} cannot hold (see the generator's notes). */
export const IGNORED_GROUP_KEYS: readonly string[] = [
  "required",
  "evidence_status",
  "offset_min",
  "span_bytes",
];

const BLOCK_KEYS = [
  "id",
  "name",
  "description",
  "min_length",
  "strict",
  "verification_status",
  "protocol_version",
  "schema_version",
  "recommended_register_count",
  "withdrawn_fields",
  "fields",
];
const FIELD_KEYS = [
  "name",
  "offset",
  "type",
  "transforms",
  "unit",
  "required",
  "description",
  "min_protocol_version",
  "evidence",
];
const GROUP_KEYS = ["kind", "name", "description", "fields"];
const VERIFICATION_STATUSES = ["device_verified", "verified_reference", "partial", "unverified"];

/**
 * Size in bytes of a datatype in the seed's string form (`uint16` → 2, `string_swapped:12` →
 * 12, `serial_u64_rev` → 8, `bitmap:16` → 2).
 *
 * @param type The datatype string.
 * @returns Its size in bytes.
 * @throws {TypeError} When the string is not a datatype of the seed.
 *
 * @example Sizes of seed datatypes
 * ```ts
 * import { seedTypeSize } from "./gen_bluetti_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(seedTypeSize("uint32_lw"), 4);
 * assert.equal(seedTypeSize("string_swapped:12"), 12);
 * ```
 */
export function seedTypeSize(type: string): number {
  switch (type) {
    case "uint8":
    case "int8":
      return 1;
    case "uint16":
    case "int16":
      return 2;
    case "uint32":
    case "int32":
    case "uint32_lw":
    case "int32_lw":
      return 4;
    case "serial_u64_rev":
      return 8;
  }
  const string = /^string(?:_swapped)?:([1-9][0-9]*)$/.exec(type);
  if (string?.[1] !== undefined) {
    const length = Number(string[1]);
    if (type.startsWith("string_swapped:") && length % 2 !== 0) {
      throw new TypeError(`Cannot size datatype '${type}': a swapped string has an even length`);
    }
    return length;
  }
  const bitmap = /^bitmap:(8|16|32)$/.exec(type);
  if (bitmap?.[1] !== undefined) return Number(bitmap[1]) / 8;
  throw new TypeError(`Cannot size datatype '${type}': not a datatype of the seed`);
}

/**
 * Converts the parsed seed JSON into block schema definitions: all blocks in seed order, every
 * field in seed order, withdrawn fields as names only, secrets marked sensitive.
 *
 * @param seed The parsed content of `bluetti-v2-blocks.json`.
 * @returns One {@linkcode BlockSchemaDef} per seed block.
 * @throws {TypeError} When the seed has an unexpected shape or an unknown key.
 *
 * @example Convert a one-block seed
 * ```ts
 * import { convertBluettiBlocks } from "./gen_bluetti_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const [block] = convertBluettiBlocks({
 *   meta: { count: 1 },
 *   blocks: [{
 *     id: 720,
 *     name: "OTA_STATUS",
 *     description: "OTA status",
 *     min_length: 2,
 *     strict: false,
 *     verification_status: "verified_reference",
 *     protocol_version: 2000,
 *     schema_version: "1.0.0",
 *     fields: [{
 *       name: "ota_group",
 *       offset: 0,
 *       type: "uint16",
 *       size: 2,
 *       transforms: [],
 *       unit: null,
 *       required: false,
 *       description: "OTA group",
 *     }],
 *   }],
 * });
 * assert.deepEqual(block?.fields, [
 *   { name: "ota_group", offset: 0, type: "uint16", description: "OTA group" },
 * ]);
 * ```
 */
export function convertBluettiBlocks(seed: unknown): BlockSchemaDef[] {
  const root = asRecord(seed, "seed");
  const blocks = asArray(root["blocks"], "blocks");
  const meta = root["meta"];
  if (meta !== undefined) {
    const count = asRecord(meta, "meta")["count"];
    if (count !== undefined && count !== blocks.length) {
      throw new TypeError(
        `Cannot convert seed as meta.count disagrees: meta.count is ${String(count)}, ` +
          `blocks has ${blocks.length}`,
      );
    }
  }
  const converted = blocks.map((block, i) => convertBlock(block, `blocks[${i}]`));
  for (const [id, names] of Object.entries(SENSITIVE_FIELDS)) {
    const block = converted.find((b) => String(b.id) === id);
    if (block === undefined) continue;
    for (const name of names) {
      if (!block.fields.some((f) => f.kind !== "group" && f.name === name)) {
        throw new TypeError(`Cannot mark secret ${id}.${name}: block ${id} has no such field`);
      }
    }
  }
  return converted;
}

/**
 * Renders block definitions as `blocks.json`, formatted the way `deno fmt` formats it, so that
 * generating twice gives identical bytes. A JSON module, not a TypeScript literal: Deno parses
 * it with `JSON.parse`, which starts the CLI several milliseconds sooner than evaluating a
 * 130 KB object literal (docs/benchmarks.md, CLI start-up).
 *
 * @param blocks The definitions, usually from {@linkcode convertBluettiBlocks}.
 * @returns The file's text.
 *
 * @example Render one block
 * ```ts
 * import { renderBlocksJson } from "./gen_bluetti_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const text = renderBlocksJson([{ id: 1, name: "X", minLength: 2, fields: [] }]);
 * assert.deepEqual(JSON.parse(text), [{ id: 1, name: "X", minLength: 2, fields: [] }]);
 * ```
 */
export function renderBlocksJson(blocks: readonly BlockSchemaDef[]): string {
  // ASCII only (`\u00b0C` for a degree sign and C): Deno copies a module's text onto the V8
  // heap when it holds any other character, and reads an ASCII one in place (docs/benchmarks.md,
  // "ASCII sources").
  const text = JSON.stringify(blocks, null, 2).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `${text}\n`;
}

function convertBlock(value: unknown, path: string): BlockSchemaDef {
  const seed = asRecord(value, path);
  checkKeys(seed, BLOCK_KEYS, IGNORED_BLOCK_KEYS, path);
  const id = asInteger(seed["id"], `${path}.id`);
  const name = asString(seed["name"], `${path}.name`);
  const secrets = SENSITIVE_FIELDS[String(id)] ?? [];
  const withdrawn = seed["withdrawn_fields"] === undefined
    ? []
    : asArray(seed["withdrawn_fields"], `${path}.withdrawn_fields`).map((w, i) => {
      const entry = asRecord(w, `${path}.withdrawn_fields[${i}]`);
      if (entry["withdrawn"] !== true) {
        throw new TypeError(`Cannot convert ${path}.withdrawn_fields[${i}]: withdrawn is not true`);
      }
      return asString(entry["name"], `${path}.withdrawn_fields[${i}].name`);
    });
  const fields = asArray(seed["fields"], `${path}.fields`).map((f, i) =>
    convertFieldOrGroup(f, `${path}.fields[${i}]`, secrets)
  );
  const status = asString(seed["verification_status"], `${path}.verification_status`);
  if (!VERIFICATION_STATUSES.includes(status)) {
    throw new TypeError(`Cannot convert ${path}.verification_status: unknown status '${status}'`);
  }
  const description = optionalString(seed["description"], `${path}.description`);
  const protocolVersion = seed["protocol_version"];
  const schemaVersion = seed["schema_version"];
  const recommended = seed["recommended_register_count"];
  return {
    id,
    name,
    ...(description === undefined ? {} : { description }),
    minLength: asInteger(seed["min_length"], `${path}.min_length`),
    strict: asBoolean(seed["strict"], `${path}.strict`),
    verificationStatus: status as NonNullable<BlockSchemaDef["verificationStatus"]>,
    ...(protocolVersion == null
      ? {}
      : { protocolVersion: asInteger(protocolVersion, `${path}.protocol_version`) }),
    ...(schemaVersion == null
      ? {}
      : { schemaVersion: asString(schemaVersion, `${path}.schema_version`) }),
    ...(recommended == null ? {} : {
      recommendedRegisterCount: asInteger(recommended, `${path}.recommended_register_count`),
    }),
    ...(secrets.length > 0 ? { sensitive: true } : {}),
    ...(withdrawn.length > 0 ? { withdrawnFields: withdrawn } : {}),
    fields,
  };
}

function convertFieldOrGroup(
  value: unknown,
  path: string,
  secrets: readonly string[],
): FieldOrGroupDef {
  const seed = asRecord(value, path);
  if (seed["kind"] === undefined || seed["kind"] === "field") {
    return convertField(seed, path, secrets);
  }
  if (seed["kind"] !== "group") {
    throw new TypeError(`Cannot convert ${path}: unknown kind '${String(seed["kind"])}'`);
  }
  checkKeys(seed, GROUP_KEYS, IGNORED_GROUP_KEYS, path);
  const description = optionalString(seed["description"], `${path}.description`);
  const group: GroupDef = {
    kind: "group",
    name: asString(seed["name"], `${path}.name`),
    ...(description === undefined ? {} : { description }),
    fields: asArray(seed["fields"], `${path}.fields`).map((f, i) => {
      const sub = asRecord(f, `${path}.fields[${i}]`);
      if (sub["kind"] !== undefined && sub["kind"] !== "field") {
        throw new TypeError(`Cannot convert ${path}.fields[${i}]: groups cannot nest`);
      }
      return convertField(sub, `${path}.fields[${i}]`, secrets);
    }),
  };
  return group;
}

function convertField(
  seed: Record<string, unknown>,
  path: string,
  secrets: readonly string[],
): FieldDef {
  checkKeys(seed, ["kind", ...FIELD_KEYS], IGNORED_FIELD_KEYS, path);
  const name = asString(seed["name"], `${path}.name`);
  const type = asString(seed["type"], `${path}.type`);
  const size = seedTypeSize(type);
  if (seed["size"] !== undefined && seed["size"] !== size) {
    throw new TypeError(
      `Cannot convert ${path}: size ${String(seed["size"])} disagrees with type '${type}'`,
    );
  }
  const transforms = seed["transforms"] == null
    ? []
    : asArray(seed["transforms"], `${path}.transforms`).map((t, i) =>
      asString(t, `${path}.transforms[${i}]`)
    );
  const unit = seed["unit"] == null ? undefined : asString(seed["unit"], `${path}.unit`);
  const required = seed["required"] == null
    ? false
    : asBoolean(seed["required"], `${path}.required`);
  const description = optionalString(seed["description"], `${path}.description`);
  const minVersion = seed["min_protocol_version"];
  const evidence = optionalString(seed["evidence"], `${path}.evidence`);
  return {
    name,
    offset: asInteger(seed["offset"], `${path}.offset`),
    type,
    ...(transforms.length > 0 ? { transforms } : {}),
    ...(unit === undefined ? {} : { unit }),
    ...(required ? { required } : {}),
    ...(description === undefined ? {} : { description }),
    ...(minVersion == null
      ? {}
      : { minProtocolVersion: asInteger(minVersion, `${path}.min_protocol_version`) }),
    ...(secrets.includes(name) ? { sensitive: true } : {}),
    ...(evidence === undefined ? {} : { evidence }),
  };
}

function checkKeys(
  seed: Record<string, unknown>,
  mapped: readonly string[],
  ignored: readonly string[],
  path: string,
): void {
  for (const key of Object.keys(seed)) {
    if (!mapped.includes(key) && !ignored.includes(key)) {
      throw new TypeError(
        `Cannot convert ${path} as key '${key}' is unknown: map it in the generator or list it ` +
          "among the ignored keys",
      );
    }
  }
}

function asRecord(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Cannot convert ${path}: expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function asArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`Cannot convert ${path}: expected an array, got ${describe(value)}`);
  }
  return value;
}

function asString(value: unknown, path: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`Cannot convert ${path}: expected a string, got ${describe(value)}`);
  }
  return value;
}

function optionalString(value: unknown, path: string): string | undefined {
  return value == null || value === "" ? undefined : asString(value, path);
}

function asInteger(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(
      `Cannot convert ${path}: expected a non-negative integer, got ${describe(value)}`,
    );
  }
  return value;
}

function asBoolean(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`Cannot convert ${path}: expected a boolean, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

async function main(args: readonly string[]): Promise<number> {
  if (args.includes("-h") || args.includes("--help") || args.length > 2) {
    console.error("Usage: deno task gen:blocks [seed.json] [out.json]");
    return args.length > 2 ? 2 : 0;
  }
  const root = new URL("../", import.meta.url);
  const seedPath = args[0] ?? new URL("src/plugins/bluetti_v2/data/bluetti-v2-blocks.json", root);
  const outPath = args[1] ?? new URL("src/plugins/bluetti_v2/blocks.json", root);
  const seed: unknown = JSON.parse(await Deno.readTextFile(seedPath));
  const blocks = convertBluettiBlocks(seed);
  await Deno.writeTextFile(outPath, renderBlocksJson(blocks));
  console.log(`Wrote ${blocks.length} blocks to ${String(outPath)}`);
  return 0;
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
