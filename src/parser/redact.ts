/**
 * Redaction of secrets (Wi-Fi and admin passwords) in decoded records, before anything is
 * printed, logged or stored.
 *
 * @module
 */
import type { BlockRecord, BlockSchema, FieldValue } from "./block_schema.ts";

/** What a redacted value reads as. */
export const REDACTED = "[redacted]";

/**
 * A copy of a record with the schema's sensitive fields replaced by {@linkcode REDACTED} and,
 * for a block that holds secrets, the raw bytes dropped.
 *
 * @param record The decoded record.
 * @param schema Its schema.
 * @returns The record itself when nothing is secret, else a redacted copy.
 *
 * @example
 * ```ts
 * import { BlockSchema, REDACTED, redactRecord } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const schema = new BlockSchema({
 *   id: 904,
 *   name: "WIFI",
 *   minLength: 4,
 *   sensitive: true,
 *   fields: [{ name: "password", offset: 0, type: "string:4", sensitive: true }],
 * });
 * const safe = redactRecord(schema.decode(new TextEncoder().encode("abcd")), schema);
 * assert.equal(safe.values.password, REDACTED);
 * assert.equal(safe.raw.length, 0);
 * ```
 */
export function redactRecord(record: BlockRecord, schema: BlockSchema): BlockRecord {
  if (!schema.sensitive && schema.sensitiveFields.length === 0) return record;
  const values: Record<string, FieldValue> = { ...record.values };
  for (const path of schema.sensitiveFields) {
    const dot = path.indexOf(".");
    if (dot < 0) {
      if (values[path] !== null && values[path] !== undefined) values[path] = REDACTED;
      continue;
    }
    const groupName = path.slice(0, dot);
    const group = values[groupName];
    if (group && typeof group === "object" && !Array.isArray(group)) {
      const copy: Record<string, FieldValue> = { ...(group as Record<string, FieldValue>) };
      const name = path.slice(dot + 1);
      if (copy[name] !== null && copy[name] !== undefined) copy[name] = REDACTED;
      values[groupName] = copy;
    }
  }
  return { ...record, values, raw: schema.sensitive ? new Uint8Array(0) : record.raw };
}
