/**
 * What a block definition says once its defaults are applied, and the span of its fields,
 * read without compiling it: {@linkcode BlockSchema} takes its defaults and register count
 * from here, and listing blocks (`blocks`, `controls`) reads the same facts without loading
 * the schema compiler.
 *
 * @module
 */
import { datatypeSize } from "./datatype_text.ts";
import type { BlockSchemaDef, VerificationStatus } from "./types.ts";

/** A block definition's optional properties with their defaults applied. */
export interface BlockDefaults {
  /** What the block holds: `""` when not given. */
  readonly description: string;
  /** Whether validation failures throw: `false` when not given. */
  readonly strict: boolean;
  /** How far the layout is verified: `unverified` when not given. */
  readonly verificationStatus: VerificationStatus;
  /** Protocol version the layout was written for: `null` when not given. */
  readonly protocolVersion: number | null;
  /** Whether the block holds secrets: `false` when not given. */
  readonly sensitive: boolean;
}

/**
 * A block definition's defaults, as {@linkcode BlockSchema} applies them.
 *
 * @param def The block definition.
 * @returns Its optional properties, defaulted.
 *
 * @example
 * ```ts
 * import { blockDefaults } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const defaults = blockDefaults({ id: 7, name: "DEMO", minLength: 2, fields: [] });
 * assert.equal(defaults.verificationStatus, "unverified");
 * assert.equal(defaults.strict, false);
 * ```
 */
export function blockDefaults(def: BlockSchemaDef): BlockDefaults {
  return {
    description: def.description ?? "",
    strict: def.strict === true,
    verificationStatus: def.verificationStatus ?? "unverified",
    protocolVersion: def.protocolVersion ?? null,
    sensitive: def.sensitive === true,
  };
}

/**
 * The registers a read of a block asks for by default: enough for the longer of its minimum
 * length and its fields' span.
 *
 * @param minLength The block's minimum length in bytes.
 * @param maxFieldEnd The largest offset + size over its fields.
 * @returns `ceil(max(minLength, maxFieldEnd) / 2)`.
 *
 * @example
 * ```ts
 * import { registerCountOf } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.equal(registerCountOf(6, 9), 5);
 * ```
 */
export function registerCountOf(minLength: number, maxFieldEnd: number): number {
  return Math.ceil(Math.max(minLength, maxFieldEnd) / 2);
}

/** The span of a block's fields. */
export interface BlockSpan {
  /** Largest offset + size over its fields. */
  readonly maxFieldEnd: number;
  /** Registers a read asks for by default ({@linkcode registerCountOf}). */
  readonly registerCount: number;
  /** Leaf fields (a group's fields each count). */
  readonly fieldCount: number;
}

/**
 * The span of a valid block definition's fields, measured without compiling them: what the
 * compiled {@linkcode BlockSchema} reports as `maxFieldEnd`, `registerCount` and
 * `fields.length`.
 *
 * @param def The block definition (a valid one: `new BlockSchema(def)` checks it).
 * @returns The span.
 *
 * @example
 * ```ts
 * import { blockSpan } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const span = blockSpan({
 *   id: 7,
 *   name: "DEMO",
 *   minLength: 2,
 *   fields: [{ name: "energy", offset: 4, type: "uint32_lw" }],
 * });
 * assert.deepEqual(span, { maxFieldEnd: 8, registerCount: 4, fieldCount: 1 });
 * ```
 */
export function blockSpan(def: BlockSchemaDef): BlockSpan {
  const sizes = new Map<string, number>();
  let maxFieldEnd = 0;
  let fieldCount = 0;
  for (const entry of def.fields) {
    for (const field of entry.kind === "group" ? entry.fields : [entry]) {
      const key = typeof field.type === "string" ? field.type : JSON.stringify(field.type);
      let size = sizes.get(key);
      if (size === undefined) sizes.set(key, size = datatypeSize(field.type));
      maxFieldEnd = Math.max(maxFieldEnd, field.offset + size);
      fieldCount++;
    }
  }
  return { maxFieldEnd, registerCount: registerCountOf(def.minLength, maxFieldEnd), fieldCount };
}
