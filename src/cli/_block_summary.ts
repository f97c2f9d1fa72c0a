// What `blocks` lists and `controls` needs of a block, read from its definition without
// compiling the schema (no copy, no freeze, no transforms): listing the 45 built-in blocks
// compiled every schema before. Equal to what the compiled `BlockSchema` says
// (`_block_summary_test.ts` checks every built-in block). Private to src/cli.
import { blockDefaults, blockSpan } from "../parser/block_facts.ts";
import type { BlockSchema } from "../parser/block_schema.ts";
import type { BlockSchemaDef, VerificationStatus } from "../parser/types.ts";

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
 * A block's summary from its definition (a valid one: the built-in blocks), with the
 * defaults and register count a compiled schema has (src/parser/block_facts.ts).
 *
 * @param def The definition.
 * @returns The summary.
 */
export function summarizeBlockDef(def: BlockSchemaDef): BlockSummary {
  const defaults = blockDefaults(def);
  const span = blockSpan(def);
  return {
    id: def.id,
    name: def.name,
    description: defaults.description,
    minLength: def.minLength,
    registerCount: span.registerCount,
    recommendedRegisterCount: def.recommendedRegisterCount ?? null,
    verificationStatus: defaults.verificationStatus,
    protocolVersion: defaults.protocolVersion,
    strict: defaults.strict,
    sensitive: defaults.sensitive,
    fieldCount: span.fieldCount,
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
