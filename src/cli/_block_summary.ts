// What `blocks` lists and `controls` needs of a block, read from its definition without
// compiling the schema (no copy, no freeze, no transforms): listing the 45 built-in blocks
// compiled every schema before. Equal to what the compiled `BlockSchema` says
// (`_block_summary_test.ts` checks every built-in block). Private to src/cli.
import { compileDatatype } from "../parser/datatype.ts";
import type { BlockSchema } from "../parser/block_schema.ts";
import type { BlockSchemaDef, FieldDef, VerificationStatus } from "../parser/types.ts";

/** A block as `blocks` lists it. */
export interface BlockSummary {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly minLength: number;
  /** Registers a read asks for by default: ceil(max(minLength, end of the last field) / 2). */
  readonly registerCount: number;
  readonly recommendedRegisterCount: number | null;
  readonly verificationStatus: VerificationStatus;
  readonly protocolVersion: number | null;
  readonly strict: boolean;
  readonly sensitive: boolean;
  /** Leaf fields (a group's fields each count). */
  readonly fieldCount: number;
}

/**
 * A block's summary from its definition (a valid one: the built-in blocks).
 *
 * @param def The definition.
 * @returns The summary.
 */
export function summarizeBlockDef(def: BlockSchemaDef): BlockSummary {
  const leaves: FieldDef[] = def.fields.flatMap((entry) =>
    entry.kind === "group" ? entry.fields : [entry]
  );
  const sizes = new Map<string, number>();
  let maxFieldEnd = 0;
  for (const field of leaves) {
    const key = typeof field.type === "string" ? field.type : JSON.stringify(field.type);
    let size = sizes.get(key);
    if (size === undefined) sizes.set(key, size = compileDatatype(field.type).size);
    maxFieldEnd = Math.max(maxFieldEnd, field.offset + size);
  }
  return {
    id: def.id,
    name: def.name,
    description: def.description ?? "",
    minLength: def.minLength,
    registerCount: Math.ceil(Math.max(def.minLength, maxFieldEnd) / 2),
    recommendedRegisterCount: def.recommendedRegisterCount ?? null,
    verificationStatus: def.verificationStatus ?? "unverified",
    protocolVersion: def.protocolVersion ?? null,
    strict: def.strict === true,
    sensitive: def.sensitive === true,
    fieldCount: leaves.length,
  };
}

/**
 * The same summary from a compiled schema.
 *
 * @param s The schema.
 * @returns The summary.
 */
export function summarizeBlock(s: BlockSchema): BlockSummary {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    minLength: s.minLength,
    registerCount: s.registerCount,
    recommendedRegisterCount: s.def.recommendedRegisterCount ?? null,
    verificationStatus: s.verificationStatus,
    protocolVersion: s.protocolVersion,
    strict: s.strict,
    sensitive: s.sensitive,
    fieldCount: s.fields.length,
  };
}

/**
 * Blocks' summaries from their definitions, by id.
 *
 * @param defs The definitions (a plugin's `blocks`).
 * @returns The summaries, sorted by id as a registry lists its schemas.
 */
export function summarizeBlockDefs(defs: readonly BlockSchemaDef[]): BlockSummary[] {
  return defs.map(summarizeBlockDef).sort((a, b) => a.id - b.id);
}
