// How the CLI shows a decoded block record, as text or JSON: shared by `decode` and `read` so
// both print the same thing. Records reach these helpers already redacted. Private to src/cli.
import type {
  BlockRecord,
  BlockSchema,
  CompiledField,
  DecodeWarning,
  FieldValue,
} from "../parser/block_schema.ts";
import type { FieldLabels } from "../plugin/field_labels.ts";
import { type Label, labelText, recordLabels } from "./_labels.ts";
import { formatTable } from "./_table.ts";

/** Field path -> labels, for one block; empty when the block has none. */
export type BlockLabels = Readonly<Record<string, FieldLabels>>;

/** The JSON shape of one record (`decode --json`, `read --block --json`). */
export interface RecordJson {
  /** Block id. */
  readonly blockId: number;
  /** Block name. */
  readonly name: string;
  /** Field name -> value; groups are nested objects. */
  readonly values: BlockRecord["values"];
  /** Field path -> unit. */
  readonly units: BlockRecord["units"];
  /** What did not stop the decode. */
  readonly warnings: readonly DecodeWarning[];
  /** Paths of the fields whose bytes were not in the data. */
  readonly missing: readonly string[];
  /**
   * Field path -> the name of its code (`discharging`), or the names of a bitmap's set bits;
   * only the fields a public source documents, and only codes with a name. `values` keeps the
   * numbers.
   */
  readonly labels: Readonly<Record<string, Label>>;
}

/**
 * The JSON shape of a record: blockId, name, values, units, warnings, missing, labels (no raw
 * bytes).
 *
 * @param record A redacted record.
 * @param labels The labels of the record's block.
 * @returns The object to print.
 */
export function recordJson(record: BlockRecord, labels: BlockLabels = {}): RecordJson {
  return {
    blockId: record.blockId,
    name: record.name,
    values: record.values,
    units: record.units,
    warnings: record.warnings,
    missing: record.missing,
    labels: recordLabels(record, labels),
  };
}

/**
 * The text lines of a record after its header: one aligned row per field (name, value, unit;
 * groups indented), then the fields beyond the data and the warnings.
 *
 * @param schema The record's schema (for the protocol-version gates).
 * @param record A redacted record.
 * @param protocolVersion The version the record was decoded with; null when unknown.
 * @param listMissing Whether to list the fields beyond the data. `decode` does (the user gave
 * the bytes); `read` does not: a profile reads fewer registers than some blocks span, and the
 * fields beyond them are not a fault (a required one still gets its warning).
 * @param labels The labels of the record's block: a value with a name prints as
 * `2 (discharging)`.
 * @returns The lines, without newlines.
 */
export function recordLines(
  schema: BlockSchema,
  record: BlockRecord,
  protocolVersion: number | null,
  listMissing = true,
  labels: BlockLabels = {},
): string[] {
  const out: string[] = [];
  const text = formatValues(schema, record, protocolVersion, recordLabels(record, labels));
  if (text !== "") out.push(text);
  if (listMissing && record.missing.length > 0) {
    out.push(`missing (beyond the data): ${record.missing.join(", ")}`);
  }
  // A required field beyond the data is one warning each; in a table, one line says it.
  const missing = new Set(record.missing);
  const required = record.warnings.filter((w) => w.field !== null && missing.has(w.field));
  for (const warning of record.warnings) {
    if (!required.includes(warning)) out.push(`warning: ${warning.message}`);
  }
  if (required.length > 0) {
    const count = required.length === 1
      ? "1 missing field is"
      : `${required.length} missing fields are`;
    out.push(`warning: ${count} required: ${required.map((w) => w.field).join(", ")}`);
  }
  return out;
}

/**
 * `protocol version 2001`, or `protocol version unknown`.
 *
 * @param protocolVersion The version; null when unknown.
 * @returns The words for a header line.
 */
export function protocolVersionText(protocolVersion: number | null): string {
  return protocolVersion === null
    ? "protocol version unknown"
    : `protocol version ${protocolVersion}`;
}

function formatValues(
  schema: BlockSchema,
  record: BlockRecord,
  protocolVersion: number | null,
  labels: Readonly<Record<string, Label>>,
): string {
  const fields = new Map<string, CompiledField>(schema.fields.map((f) => [f.path, f]));
  const missing = new Set(record.missing);
  const rows: string[][] = [];
  const add = (name: string, path: string, value: FieldValue, depth: number): void => {
    const indent = "  ".repeat(depth);
    if (isObject(value)) {
      const children = Object.entries(value).filter(([key]) => !missing.has(`${path}.${key}`));
      if (children.length === 0) return;
      rows.push([indent + name]);
      for (const [key, child] of children) add(key, `${path}.${key}`, child, depth + 1);
      return;
    }
    if (missing.has(path)) return;
    const field = fields.get(path);
    let shown = formatValue(value);
    const label = labels[path];
    if (label !== undefined) shown = `${shown} (${labelText(label)})`;
    const since = field?.minProtocolVersion ?? null;
    if (value === null && protocolVersion !== null && since !== null && since > protocolVersion) {
      shown = `null (from protocol version ${since})`;
    }
    rows.push([indent + name, shown, value === null ? "" : record.units[path] ?? ""]);
  };
  for (const [name, value] of Object.entries(record.values)) add(name, name, value, 0);
  return formatTable(rows);
}

function isObject(value: FieldValue): value is { readonly [name: string]: FieldValue } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function formatValue(value: FieldValue): string {
  if (value === null) return "null";
  if (typeof value === "string") return value === "" ? '""' : value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  return JSON.stringify(value);
}
