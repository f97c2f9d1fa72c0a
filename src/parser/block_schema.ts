/**
 * The compiled block schema: decode data bytes into a typed record, encode values back into
 * bytes, validate a payload. All per-field work (datatype, transforms, offsets, gates) is done
 * once, when the schema is compiled.
 *
 * @module
 */
import { copyData, deepFreeze } from "../_shared/copy_data.ts";
import { ParserError, SchemaDefinitionError } from "../errors/errors.ts";
import { blockDefaults, registerCountOf } from "./block_facts.ts";
import { compileDatatype, type Datatype } from "./datatype.ts";
import { compileTransforms, type TransformChain } from "./transform.ts";
import {
  type DecodeCtx,
  type GeneratedDecoder,
  generateDecoder,
  type GenField,
  genFields,
} from "./_codegen.ts";
import { interpretDecoder } from "./_interpret.ts";
import type {
  BlockSchemaDef,
  FieldDef,
  FieldOrGroupDef,
  GroupDef,
  VerificationStatus,
} from "./types.ts";

/** A decoded value: numbers, strings, lists and nested objects; `null` when absent. */
export type FieldValue =
  | number
  | string
  | null
  | readonly FieldValue[]
  | { readonly [name: string]: FieldValue };

/** Something worth knowing about a decode that did not stop it. */
export interface DecodeWarning {
  /** Field path, or null for the whole block. */
  readonly field: string | null;
  /** Byte offset inside the data, when about one place. */
  readonly offset: number | null;
  /** What was found. */
  readonly message: string;
  /**
   * The finding means a value cannot be true (text of non-printable bytes, a state of charge
   * above 100 %): the block's bytes are suspect. @default {false}
   */
  readonly suspect?: boolean;
}

/** A decoded block. */
export interface BlockRecord {
  /** Block id. */
  readonly blockId: number;
  /** Block name. */
  readonly name: string;
  /** Field name -> value; groups are nested objects. */
  readonly values: Record<string, FieldValue>;
  /** Field path -> unit, for the fields that have one (shared by every record of the block). */
  readonly units: Readonly<Record<string, string>>;
  /** What did not stop the decode (short payload, unknown enum value, invalid text). */
  readonly warnings: readonly DecodeWarning[];
  /** Paths of the fields whose bytes were not in the data. */
  readonly missing: readonly string[];
  /** The data bytes that were decoded: the view passed in, not a copy (copying costs more than decoding). */
  readonly raw: Uint8Array;
  /** The protocol version the gates were applied with; null when unknown. */
  readonly protocolVersion: number | null;
  /**
   * Set by `checkPlausibility` when a value cannot be true: the record is not merged into the
   * device state and a snapshot holding it is not ok (docs/reliability.md). @default {false}
   */
  readonly suspect?: boolean;
}

/** Options of {@linkcode BlockSchema.decode}. */
export interface DecodeOptions {
  /**
   * The station's protocol version. Fields gated above it are null. Unknown (null) decodes
   * every field whose bytes are present.
   * @default {null}
   */
  readonly protocolVersion?: number | null;
  /** Override the schema's strictness. @default {the schema's `strict`} */
  readonly strict?: boolean;
}

/** Options of {@linkcode BlockSchema.encode}. */
export interface EncodeOptions {
  /** Length of the payload in bytes. @default {2 x the schema's register count} */
  readonly length?: number;
  /** Bytes to start from (copied); bits a value does not set keep their value. */
  readonly base?: Uint8Array;
}

/** A problem {@linkcode BlockSchema.validate} found. */
export interface ValidationIssue {
  /** `error` fails a strict decode; `warning` never does. */
  readonly severity: "error" | "warning";
  /** Stable code. */
  readonly code: "PARSER_SHORT_PAYLOAD" | "PARSER_MISSING_FIELD" | "PARSER_EXTRA_BYTES";
  /** Field path, when about one field. */
  readonly field: string | null;
  /** Byte offset. */
  readonly offset: number;
  /** What is wrong. */
  readonly message: string;
}

/** One compiled leaf field. */
export interface CompiledField {
  /** Path in the values (`soc`, `config_grid.max_current`). */
  readonly path: string;
  /** Its own name. */
  readonly name: string;
  /** Byte offset. */
  readonly offset: number;
  /** Offset + size. */
  readonly end: number;
  /** The datatype. */
  readonly datatype: Datatype;
  /** The transforms (null when none). */
  readonly transforms: TransformChain | null;
  /** Unit, or null. */
  readonly unit: string | null;
  /** Whether it is required. */
  readonly required: boolean;
  /** Protocol version gate, or null. */
  readonly minProtocolVersion: number | null;
  /** Whether it is a secret. */
  readonly sensitive: boolean;
  /** The definition. */
  readonly def: FieldDef;
}

/** The most data bytes one Modbus read can carry (125 registers). */
export const MAX_BLOCK_BYTES = 250;

const EMPTY: readonly never[] = Object.freeze([]);

interface Absent {
  readonly missing: readonly string[];
  readonly warnings: readonly DecodeWarning[];
  readonly error: ParserError | null;
}
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A compiled block schema. Compile once, decode many times.
 *
 * @example Define a block and decode it
 * ```ts
 * import { BlockSchema } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const schema = new BlockSchema({
 *   id: 100,
 *   name: "HOME",
 *   minLength: 6,
 *   fields: [
 *     { name: "pack_voltage", offset: 0, type: "uint16", transforms: ["scale:0.01"], unit: "V" },
 *     { name: "soc", offset: 4, type: "uint16", unit: "%", required: true },
 *   ],
 * });
 * const record = schema.decode(new Uint8Array([0x14, 0xc1, 0, 0, 0, 95]));
 * assert.equal(record.values.pack_voltage, 53.13);
 * assert.equal(record.values.soc, 95);
 * assert.equal(record.units.soc, "%");
 * ```
 */
export class BlockSchema {
  /** Block id = start register. */
  readonly id: number;
  /** Name, unique in a registry. */
  readonly name: string;
  /** What the block holds. */
  readonly description: string;
  /** Fewer data bytes is a short payload. */
  readonly minLength: number;
  /** Whether validation failures throw. */
  readonly strict: boolean;
  /** How far the layout is verified. */
  readonly verificationStatus: VerificationStatus;
  /** Protocol version the layout was written for, or null. */
  readonly protocolVersion: number | null;
  /** Whether the block holds secrets. */
  readonly sensitive: boolean;
  /** Every leaf field, in definition order, with its path. */
  readonly fields: readonly CompiledField[];
  /** Largest offset + size over all fields. */
  readonly maxFieldEnd: number;
  /** Registers a read asks for by default: ceil(max(minLength, maxFieldEnd) / 2). */
  readonly registerCount: number;
  /** Field path -> unit. */
  readonly units: Readonly<Record<string, string>>;
  /** Paths of the secret fields. */
  readonly sensitiveFields: readonly string[];
  /** The definition (frozen copy). */
  readonly def: BlockSchemaDef;

  // A schema's first decode is interpreted, the next ones run a decoder generated for the
  // block (_codegen.ts): a command that decodes one frame (`decode`) does not pay for
  // generating and compiling source, and a registry of every block (`blocks`, `controls`)
  // builds no decoder at all. Both give the same records (_interpret_test.ts).
  #decoder: GeneratedDecoder | undefined;
  #interpreted: GeneratedDecoder | undefined;
  #genFields: GenField[] | undefined;
  #absent = new Map<number, Absent>();

  /**
   * Check and compile a definition.
   *
   * @param def The block definition.
   * @throws {SchemaDefinitionError} for an invalid definition (block id, names, offsets,
   * datatypes, transforms), naming the block and the field.
   */
  constructor(def: BlockSchemaDef) {
    checkBlock(def);
    this.def = deepFreeze(copyData(def));
    this.id = def.id;
    this.name = def.name;
    // The defaults and the register count listing blocks reports too (block_facts.ts).
    const defaults = blockDefaults(def);
    this.description = defaults.description;
    this.minLength = def.minLength;
    this.strict = defaults.strict;
    this.verificationStatus = defaults.verificationStatus;
    this.protocolVersion = defaults.protocolVersion;
    this.sensitive = defaults.sensitive;

    const fields: CompiledField[] = [];
    const withdrawn = new Set(def.withdrawnFields ?? []);
    const topNames = new Set<string>();
    for (const entry of def.fields) {
      if (topNames.has(entry.name)) {
        throw defError(def.id, entry.name, `the name '${entry.name}' is used twice`);
      }
      topNames.add(entry.name);
      if (withdrawn.has(entry.name)) {
        throw defError(def.id, entry.name, `'${entry.name}' is listed as withdrawn`);
      }
      if (isGroup(entry)) {
        fields.push(...compileGroup(def.id, entry, withdrawn));
      } else {
        fields.push(compileField(def.id, entry, entry.name));
      }
    }
    this.fields = Object.freeze(fields);
    this.maxFieldEnd = fields.reduce((max, f) => Math.max(max, f.end), 0);
    this.registerCount = registerCountOf(this.minLength, this.maxFieldEnd);
    const units: Record<string, string> = {};
    for (const f of fields) if (f.unit !== null) units[f.path] = f.unit;
    this.units = Object.freeze(units);
    this.sensitiveFields = Object.freeze(fields.filter((f) => f.sensitive).map((f) => f.path));
  }

  /**
   * Decode data bytes (Modbus data, framing and CRC removed) into a record.
   *
   * Fields whose bytes are absent are `null` and listed in `missing`. In lenient mode a short
   * payload, a missing required field or an undecodable value is a warning; in strict mode it
   * throws.
   *
   * @param data The data bytes.
   * @param options Protocol version and strictness.
   * @returns The record.
   * @throws {ParserError} in strict mode: `PARSER_SHORT_PAYLOAD`, `PARSER_MISSING_FIELD`,
   * `PARSER_INVALID_VALUE` (with block id, field and offset).
   *
   * @example A short reply decodes what is present
   * ```ts
   * import { BlockSchema } from "@power-sdk/sdk/parser";
   * import assert from "node:assert/strict";
   *
   * const schema = new BlockSchema({
   *   id: 7,
   *   name: "DEMO",
   *   minLength: 2,
   *   fields: [
   *     { name: "a", offset: 0, type: "uint16" },
   *     { name: "b", offset: 2, type: "uint16" },
   *   ],
   * });
   * const record = schema.decode(new Uint8Array([0, 1]));
   * assert.equal(record.values.a, 1);
   * assert.equal(record.values.b, null);
   * assert.deepEqual(record.missing, ["b"]);
   * ```
   */
  decode(data: Uint8Array, options?: DecodeOptions): BlockRecord {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`Cannot decode block ${this.id}: data must be a Uint8Array`);
    }
    const len = data.length;
    const strict = options?.strict ?? this.strict;
    const version = options?.protocolVersion ?? null;
    const ctx: DecodeCtx = { warnings: null, missing: null, strict, version };
    if (len < this.minLength) {
      const message =
        `Cannot decode block ${this.id} (${this.name}) fully: ${len} data bytes, at least ${this.minLength} expected`;
      if (strict) {
        throw new ParserError("PARSER_SHORT_PAYLOAD", message, { blockId: this.id, offset: len });
      }
      ctx.warnings = [{ field: null, offset: len, message }];
    }
    if (len < this.maxFieldEnd) {
      const absent = this.#absentAt(len);
      if (strict && absent.error) throw absent.error;
      if (absent.warnings.length > 0) (ctx.warnings ??= []).push(...absent.warnings);
      if (absent.missing.length > 0) ctx.missing = absent.missing as string[];
    }
    const decoder = this.#decoder ?? this.#nextDecoder();
    const values = decoder(data, len, ctx) as Record<string, FieldValue>;
    if (strict && len > this.maxFieldEnd) {
      (ctx.warnings ??= []).push({
        field: null,
        offset: this.maxFieldEnd,
        message: `Extra data beyond defined fields: ${
          len - this.maxFieldEnd
        } bytes from offset ${this.maxFieldEnd}`,
      });
    }
    return {
      blockId: this.id,
      name: this.name,
      values,
      units: this.units,
      warnings: ctx.warnings ?? EMPTY,
      missing: ctx.missing ?? EMPTY,
      raw: data,
      protocolVersion: version,
    };
  }

  /** The interpreted decoder the first time, the generated one from the second. */
  #nextDecoder(): GeneratedDecoder {
    const fields = this.#genFields ??= genFields(this.fields);
    if (this.#interpreted === undefined) {
      return this.#interpreted = interpretDecoder(this.id, fields);
    }
    this.#interpreted = this.#genFields = undefined;
    return this.#decoder = generateDecoder(this.id, fields);
  }

  /** The fields a payload of `len` bytes lacks; computed once per length. */
  #absentAt(len: number): Absent {
    let absent = this.#absent.get(len);
    if (absent) return absent;
    const missing = this.fields.filter((f) => f.end > len);
    const warnings = missing.filter((f) => f.required).map((f) => ({
      field: f.path,
      offset: f.offset,
      message: `required field '${f.path}' needs bytes ${f.offset}..${
        f.end - 1
      }, the data has ${len}`,
    }));
    const first = warnings[0];
    absent = {
      missing: Object.freeze(missing.map((f) => f.path)),
      warnings: Object.freeze(warnings),
      error: first
        ? new ParserError(
          "PARSER_MISSING_FIELD",
          `Cannot decode block ${this.id}: ${first.message}`,
          {
            blockId: this.id,
            field: first.field,
            offset: first.offset,
          },
        )
        : null,
    };
    if (this.#absent.size < 64) this.#absent.set(len, absent);
    return absent;
  }

  /**
   * Report what is wrong with a payload's length without decoding it: short payload,
   * required fields beyond the data, extra bytes.
   *
   * @param data The data bytes.
   * @returns The issues (empty when none).
   *
   * @example
   * ```ts
   * import { BlockSchema } from "@power-sdk/sdk/parser";
   * import assert from "node:assert/strict";
   *
   * const schema = new BlockSchema({
   *   id: 7,
   *   name: "DEMO",
   *   minLength: 4,
   *   fields: [{ name: "a", offset: 2, type: "uint16", required: true }],
   * });
   * const codes = schema.validate(new Uint8Array(2)).map((issue) => issue.code);
   * assert.deepEqual(codes, ["PARSER_SHORT_PAYLOAD", "PARSER_MISSING_FIELD"]);
   * ```
   */
  validate(data: Uint8Array): ValidationIssue[] {
    const len = data.length;
    const issues: ValidationIssue[] = [];
    if (len < this.minLength) {
      issues.push({
        severity: "error",
        code: "PARSER_SHORT_PAYLOAD",
        field: null,
        offset: len,
        message: `block ${this.id}: ${len} data bytes, at least ${this.minLength} expected`,
      });
    }
    for (const f of this.fields) {
      if (f.required && f.end > len) {
        issues.push({
          severity: "error",
          code: "PARSER_MISSING_FIELD",
          field: f.path,
          offset: f.offset,
          message: `block ${this.id}: required field '${f.path}' needs bytes ${f.offset}..${
            f.end - 1
          }, the data has ${len}`,
        });
      }
    }
    if (len > this.maxFieldEnd) {
      issues.push({
        severity: "warning",
        code: "PARSER_EXTRA_BYTES",
        field: null,
        offset: this.maxFieldEnd,
        message: `block ${this.id}: ${len - this.maxFieldEnd} bytes beyond the last field`,
      });
    }
    return issues;
  }

  /**
   * Encode values into data bytes: the inverse of {@linkcode BlockSchema.decode} for every
   * datatype and invertible transform. Fields left out (or `undefined`) keep the bytes of
   * `base` (zero by default); integer fields sharing bytes only write their own bits.
   *
   * @param values Field name -> value; groups as nested objects.
   * @param options Payload length and base bytes.
   * @returns The data bytes.
   * @throws {ParserError} `PARSER_ENCODE_VALUE` naming the field and offset when a value does
   * not fit (out of range, wrong type, not reachable through the field's transforms).
   *
   * @example Round trip
   * ```ts
   * import { BlockSchema } from "@power-sdk/sdk/parser";
   * import assert from "node:assert/strict";
   *
   * const schema = new BlockSchema({
   *   id: 7,
   *   name: "DEMO",
   *   minLength: 4,
   *   fields: [
   *     { name: "temp", offset: 0, type: "uint8", transforms: ["null_if_zero", "minus:40"] },
   *     { name: "volts", offset: 2, type: "uint16", transforms: ["scale:0.1"] },
   *   ],
   * });
   * const bytes = schema.encode({ temp: 25, volts: 230.4 });
   * assert.deepEqual([...bytes], [65, 0, 0x09, 0x00]);
   * assert.deepEqual(schema.decode(bytes).values, { temp: 25, volts: 230.4 });
   * ```
   */
  encode(values: Readonly<Record<string, unknown>>, options?: EncodeOptions): Uint8Array {
    const length = options?.length ?? options?.base?.length ?? this.registerCount * 2;
    if (!Number.isInteger(length) || length < 0 || length > MAX_BLOCK_BYTES) {
      throw new ParserError(
        "PARSER_ENCODE_VALUE",
        `Cannot encode block ${this.id}: length must be 0..${MAX_BLOCK_BYTES} bytes, got ${length}`,
        { blockId: this.id },
      );
    }
    const bytes = new Uint8Array(length);
    if (options?.base) bytes.set(options.base.subarray(0, length));
    for (const f of this.fields) {
      const value = lookup(values, f.path);
      if (value === undefined) continue;
      if (f.end > length) {
        if (value === null) continue;
        throw encodeError(
          this.id,
          f,
          `bytes ${f.offset}..${f.end - 1} are beyond the ${length}-byte payload`,
        );
      }
      try {
        writeField(bytes, f, value);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        throw encodeError(this.id, f, error.message);
      }
    }
    return bytes;
  }
}

function writeField(bytes: Uint8Array, f: CompiledField, value: unknown): void {
  const chain = f.transforms;
  if (chain === null) {
    if (value === null) return;
    f.datatype.write(bytes, f.offset, value, fullMask(f.datatype));
    return;
  }
  if (Array.isArray(value)) {
    // An array of integers: each item goes through the chain; items share one mask.
    const raws: number[] = [];
    let mask = fullMask(f.datatype);
    for (const item of value) {
      const r = chain.invert(toNumberOrNull(item));
      raws.push(r.raw);
      mask = r.mask;
    }
    f.datatype.write(bytes, f.offset, raws, mask);
    return;
  }
  if (value === null && !chain.nullable) return;
  const r = chain.invert(toNumberOrNull(value));
  f.datatype.write(bytes, f.offset, r.raw, r.mask);
}

function toNumberOrNull(value: unknown): number | null {
  if (value === null || typeof value === "number") return value;
  throw new RangeError(
    `${typeof value === "string" ? `'${value}'` : String(value)} is not a number`,
  );
}

function fullMask(datatype: Datatype): number {
  const bits = datatype.integer?.bits ?? 32;
  return bits >= 32 ? 0xffffffff : 2 ** bits - 1;
}

function lookup(values: Readonly<Record<string, unknown>>, path: string): unknown {
  const dot = path.indexOf(".");
  if (dot < 0) return values[path];
  const group = values[path.slice(0, dot)];
  if (group === null || typeof group !== "object") return undefined;
  return (group as Record<string, unknown>)[path.slice(dot + 1)];
}

function encodeError(blockId: number, f: CompiledField, why: string): ParserError {
  return new ParserError(
    "PARSER_ENCODE_VALUE",
    `Cannot encode field '${f.path}' of block ${blockId} at offset ${f.offset}: ${why}`,
    { blockId, field: f.path, offset: f.offset },
  );
}

function isGroup(entry: FieldOrGroupDef): entry is GroupDef {
  return entry.kind === "group";
}

function defError(blockId: number, field: string | undefined, why: string): SchemaDefinitionError {
  const where = field === undefined ? `block ${blockId}` : `field '${field}' of block ${blockId}`;
  return new SchemaDefinitionError(
    field === undefined ? "SCHEMA_INVALID_BLOCK" : "SCHEMA_INVALID_FIELD",
    `Invalid ${where}: ${why}`,
    field === undefined ? { blockId } : { blockId, field },
  );
}

function checkBlock(def: BlockSchemaDef): void {
  if (typeof def !== "object" || def === null) {
    throw new SchemaDefinitionError("SCHEMA_INVALID_BLOCK", "Invalid block schema: not an object");
  }
  if (!Number.isInteger(def.id) || def.id < 0 || def.id > 0xffff) {
    throw new SchemaDefinitionError(
      "SCHEMA_INVALID_BLOCK",
      `Invalid block schema: id must be a register number 0..65535, got ${def.id}`,
    );
  }
  if (typeof def.name !== "string" || def.name.length === 0) {
    throw defError(def.id, undefined, "the name must be a non-empty string");
  }
  if (!Number.isInteger(def.minLength) || def.minLength < 0 || def.minLength > MAX_BLOCK_BYTES) {
    throw defError(
      def.id,
      undefined,
      `minLength must be 0..${MAX_BLOCK_BYTES}, got ${def.minLength}`,
    );
  }
  if (!Array.isArray(def.fields)) throw defError(def.id, undefined, "fields must be a list");
  const statuses = ["device_verified", "verified_reference", "partial", "unverified"];
  if (def.verificationStatus !== undefined && !statuses.includes(def.verificationStatus)) {
    throw defError(
      def.id,
      undefined,
      `verificationStatus must be one of ${statuses.join(", ")}, got '${def.verificationStatus}'`,
    );
  }
}

function compileGroup(blockId: number, group: GroupDef, withdrawn: Set<string>): CompiledField[] {
  if (typeof group.name !== "string" || !NAME.test(group.name)) {
    throw defError(blockId, String(group.name), "a group name must be an identifier");
  }
  if (!Array.isArray(group.fields) || group.fields.length === 0) {
    throw defError(blockId, group.name, "a group needs at least one field");
  }
  const names = new Set<string>();
  return group.fields.map((sub) => {
    const path = `${group.name}.${sub.name}`;
    if (names.has(sub.name)) throw defError(blockId, path, `the name '${sub.name}' is used twice`);
    if (withdrawn.has(sub.name) || withdrawn.has(path)) {
      throw defError(blockId, path, `'${sub.name}' is listed as withdrawn`);
    }
    if ((sub as FieldOrGroupDef).kind === "group") {
      throw defError(blockId, path, "groups cannot nest");
    }
    names.add(sub.name);
    return compileField(blockId, sub, path);
  });
}

function compileField(blockId: number, f: FieldDef, path: string): CompiledField {
  if (typeof f.name !== "string" || !NAME.test(f.name)) {
    throw defError(blockId, String(f.name), "a field name must be an identifier");
  }
  if (!Number.isInteger(f.offset) || f.offset < 0) {
    throw defError(blockId, path, `offset must be a non-negative integer, got ${f.offset}`);
  }
  let datatype: Datatype;
  let transforms: TransformChain | null = null;
  try {
    datatype = compileDatatype(f.type);
    const specs = f.transforms ?? [];
    if (specs.length > 0) {
      if (datatype.integer === null) {
        throw new SchemaDefinitionError(
          "SCHEMA_INVALID_TRANSFORM",
          `transforms need an integer datatype, not ${datatype.text}`,
        );
      }
      transforms = compileTransforms(specs, datatype.integer.bits, datatype.integer.signed);
    }
  } catch (error) {
    if (error instanceof SchemaDefinitionError) {
      throw new SchemaDefinitionError(
        error.code,
        `Invalid field '${path}' of block ${blockId}: ${error.message}`,
        { blockId, field: path },
        { cause: error },
      );
    }
    throw error;
  }
  const end = f.offset + datatype.size;
  if (end > MAX_BLOCK_BYTES) {
    throw defError(
      blockId,
      path,
      `bytes ${f.offset}..${end - 1} exceed the ${MAX_BLOCK_BYTES}-byte maximum of a block`,
    );
  }
  if (f.minProtocolVersion !== undefined && !Number.isInteger(f.minProtocolVersion)) {
    throw defError(
      blockId,
      path,
      `minProtocolVersion must be an integer, got ${f.minProtocolVersion}`,
    );
  }
  return {
    path,
    name: f.name,
    offset: f.offset,
    end,
    datatype,
    transforms,
    unit: f.unit ?? null,
    required: f.required === true,
    minProtocolVersion: f.minProtocolVersion ?? null,
    sensitive: f.sensitive === true,
    def: f,
  };
}
