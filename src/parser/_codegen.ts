// The schema-compiled decoder: one generated function per block, like the compiled validators
// of ajv or protobufjs. It is built only from checked definitions: names are identifiers
// (embedded through JSON.stringify), offsets and lengths are integers; datatypes that can fail
// and transform chains are passed in as closures, never as source text.
import { ParserError } from "../errors/errors.ts";
import type { CompiledField } from "./block_schema.ts";
import type { RawValue, WarnFn } from "./datatype.ts";
import type { IntegerDatatypeDef } from "./types.ts";

/** What a decode collects besides values. */
export interface DecodeCtx {
  warnings:
    | { field: string | null; offset: number | null; message: string; suspect?: boolean }[]
    | null;
  missing: string[] | null;
  strict: boolean;
  version: number | null;
}

/** The part of a compiled field the generator needs. */
export interface GenField {
  readonly path: string;
  readonly name: string;
  readonly group: string | null;
  readonly offset: number;
  readonly end: number;
  readonly required: boolean;
  readonly gate: number | null;
  readonly int: IntegerDatatypeDef | null;
  readonly isArray: boolean;
  readonly read: (b: Uint8Array, o: number, warn: WarnFn) => RawValue;
  /** The datatype's exception-free validity check, when it has one. */
  readonly invalid: ((b: Uint8Array, o: number) => string | null) | null;
  readonly apply: ((raw: number) => number | null) | null;
  /** A secret: messages about it never quote its bytes. */
  readonly sensitive: boolean;
}

/** A generated decoder: data bytes and a context in, the values object out. */
export type GeneratedDecoder = (
  b: Uint8Array,
  len: number,
  ctx: DecodeCtx,
) => Record<string, unknown>;

/**
 * What the decoders need of a schema's fields: a group's fields have the path `group.name`
 * (a name is an identifier, so a dot means a group).
 */
export function genFields(fields: readonly CompiledField[]): GenField[] {
  return fields.map((f) => {
    const dot = f.path.indexOf(".");
    const kind = f.datatype.def.kind;
    return {
      path: f.path,
      name: f.name,
      group: dot < 0 ? null : f.path.slice(0, dot),
      offset: f.offset,
      end: f.end,
      required: f.required,
      gate: f.minProtocolVersion,
      int: kind === "int" ? f.datatype.def : null,
      isArray: kind === "array",
      read: f.datatype.read,
      invalid: f.datatype.invalid ?? null,
      apply: f.transforms?.apply ?? null,
      sensitive: f.sensitive,
    };
  });
}

function intExpr(def: IntegerDatatypeDef, o: number): string {
  const at = (k: number) => `b[${o + k}]`;
  if (def.bytes === 1) return def.signed ? `(${at(0)} << 24 >> 24)` : at(0);
  if (def.bytes === 2) {
    return def.signed ? `(${at(0)} << 24 >> 16 | ${at(1)})` : `(${at(0)} << 8 | ${at(1)})`;
  }
  if (def.wordOrder === "low_first") {
    const hi = `(${at(2)} << 8 | ${at(3)})`;
    const lo = `(${at(0)} << 8 | ${at(1)})`;
    return def.signed ? `(${hi} << 16 | ${lo})` : `(${hi} * 65536 + ${lo})`;
  }
  return def.signed
    ? `(${at(0)} << 24 | ${at(1)} << 16 | ${at(2)} << 8 | ${at(3)})`
    : `(${at(0)} * 16777216 + (${at(1)} << 16 | ${at(2)} << 8 | ${at(3)}))`;
}

/** Build the decoder of one block. */
export function generateDecoder(blockId: number, fields: readonly GenField[]): GeneratedDecoder {
  const helpers: unknown[] = [];
  const helper = (fn: unknown): string => {
    helpers.push(fn);
    return `h${helpers.length - 1}`;
  };
  const lines: string[] = [];
  for (const [i, f] of fields.entries()) {
    const v = `v${i}`;
    let value: string;
    if (f.int !== null && !f.isArray) {
      const raw = intExpr(f.int, f.offset);
      value = f.apply ? `${helper(f.apply)}(${raw})` : raw;
    } else {
      value = `${helper(slowReader(blockId, f))}(b, ctx)`;
    }
    const gate = f.gate === null
      ? ""
      : ` else if (ctx.version !== null && ctx.version < ${f.gate}) ${v} = null;`;
    lines.push(`let ${v}; if (len < ${f.end}) ${v} = null;${gate} else ${v} = ${value};`);
  }
  const props: string[] = [];
  const groups = new Map<string, string[]>();
  for (const [i, f] of fields.entries()) {
    if (f.group === null) {
      props.push(`${JSON.stringify(f.name)}: v${i}`);
      continue;
    }
    let members = groups.get(f.group);
    if (!members) {
      members = [];
      groups.set(f.group, members);
      props.push(`${JSON.stringify(f.group)}: GROUP:${f.group}`);
    }
    members.push(`${JSON.stringify(f.name)}: v${i}`);
  }
  const literal = props.map((p) => {
    const m = /^(".*"): GROUP:(.*)$/.exec(p);
    return m ? `${m[1]}: { ${groups.get(m[2]!)!.join(", ")} }` : p;
  }).join(", ");
  const source = [
    `"use strict";`,
    ...helpers.map((_, i) => `const h${i} = H[${i}];`),
    `return function decodeBlock${blockId}(b, len, ctx) {`,
    ...lines,
    `return { ${literal} };`,
    `};`,
  ].join("\n");
  return new Function("H", source)(helpers) as GeneratedDecoder;
}

/**
 * A field read through its datatype's codec (any datatype but a plain integer): an invalid
 * value is a warning marked suspect, or in strict mode an error for a required field.
 */
export function slowReader(
  blockId: number,
  f: GenField,
): (b: Uint8Array, ctx: DecodeCtx) => unknown {
  const { path, offset, required, read, invalid, apply, isArray, sensitive } = f;
  const hide = (
    message: string,
  ) => (sensitive ? "not a valid value (details hidden: secret field)" : message);
  let current: DecodeCtx | null = null;
  const warn: WarnFn = (message) => {
    (current!.warnings ??= []).push({ field: path, offset, message: `${path}: ${hide(message)}` });
  };
  return (b, ctx) => {
    current = ctx;
    let raw: RawValue;
    try {
      // Garbage must not cost an exception per field: check first, read only valid bytes.
      const why = invalid === null ? null : invalid(b, offset);
      if (why !== null) return bad(ctx, why);
      raw = read(b, offset, warn);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return bad(ctx, error.message);
    }
    if (apply === null) return raw;
    return isArray ? (raw as number[]).map(apply) : apply(raw as number);
  };
  function bad(ctx: DecodeCtx, why: string): null {
    const message = `field '${path}' at offset ${offset}: ${hide(why)}`;
    if (ctx.strict && required) {
      throw new ParserError(
        "PARSER_INVALID_VALUE",
        `Cannot decode block ${blockId}: ${message}`,
        {
          blockId,
          field: path,
          offset,
        },
      );
    }
    // Bytes that are no value of the field's type: the block is not what it claims to be.
    (ctx.warnings ??= []).push({ field: path, offset, message, suspect: true });
    return null;
  }
}
