// Turning what a poll produced into a Snapshot: secrets redacted, warnings as text, errors with
// their stable codes.
import { PowerSdkError } from "../errors/errors.ts";
import type { BlockRecord } from "../parser/block_schema.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import { redactRecord } from "../parser/redact.ts";
import type { SnapshotBlock, SnapshotError } from "./types.ts";

export function snapshotBlock(record: BlockRecord, registry: SchemaRegistry): SnapshotBlock {
  const schema = registry.get(record.blockId);
  const safe = schema ? redactRecord(record, schema) : record;
  const warnings = safe.warnings.length === 0 ? NO_WARNINGS : safe.warnings.map((w) => w.message);
  return record.suspect === true
    ? {
      blockId: safe.blockId,
      name: safe.name,
      values: safe.values,
      units: safe.units,
      warnings,
      suspect: true,
    }
    : { blockId: safe.blockId, name: safe.name, values: safe.values, units: safe.units, warnings };
}

/** The warnings of a block without any: one frozen list for all of them. */
const NO_WARNINGS: readonly string[] = Object.freeze([]);

/** The error entry of a suspect block: why its values cannot be true. */
export function suspectError(record: BlockRecord): SnapshotError {
  const why = record.warnings.filter((w) => w.suspect === true).map((w) => w.message);
  return {
    blockId: record.blockId,
    code: "PARSER_SUSPECT_BLOCK",
    message: `Block ${record.blockId} is suspect, not merged: ${why.join("; ") || "implausible"}`,
  };
}

export function snapshotError(error: unknown, blockId: number | null = null): SnapshotError {
  if (error instanceof PowerSdkError) return { blockId, code: error.code, message: error.message };
  return {
    blockId,
    code: "UNEXPECTED",
    message: error instanceof Error ? error.message : String(error),
  };
}
