/**
 * Per-profile overrides of a block definition (a device-dependent scale).
 *
 * @module
 */
import { SchemaDefinitionError } from "../errors/errors.ts";
import type { BlockSchemaDef, FieldOrGroupDef, TransformSpec } from "./types.ts";

/** Replace the transforms of one field (path `name` or `group.name`). */
export interface FieldOverride {
  /** Field path. */
  readonly field: string;
  /** The transforms that replace the field's own. */
  readonly transforms: readonly TransformSpec[];
}

/**
 * A copy of a block definition with some fields' transforms replaced.
 *
 * @param def The block definition.
 * @param overrides The replacements.
 * @returns The new definition (the input is unchanged).
 * @throws {SchemaDefinitionError} `SCHEMA_INVALID_FIELD` for a field the block does not have.
 *
 * @example Pack voltage in 0.1 V steps on a station that reports it so
 * ```ts
 * import { BlockSchema, overrideFields } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const def = {
 *   id: 903,
 *   name: "PACK",
 *   minLength: 2,
 *   fields: [{ name: "voltage", offset: 0, type: "uint16", transforms: ["scale:0.01"] }],
 * };
 * const schema = new BlockSchema(overrideFields(def, [{ field: "voltage", transforms: ["scale:0.1"] }]));
 * assert.equal(schema.decode(new Uint8Array([0x02, 0x12])).values.voltage, 53);
 * ```
 */
export function overrideFields(
  def: BlockSchemaDef,
  overrides: readonly FieldOverride[],
): BlockSchemaDef {
  const byPath = new Map(overrides.map((o) => [o.field, o]));
  const used = new Set<string>();
  const apply = (entry: FieldOrGroupDef, prefix: string): FieldOrGroupDef => {
    if (entry.kind === "group") {
      return { ...entry, fields: entry.fields.map((f) => apply(f, `${entry.name}.`)) as never };
    }
    const o = byPath.get(prefix + entry.name);
    if (!o) return entry;
    used.add(o.field);
    return { ...entry, transforms: [...o.transforms] };
  };
  const fields = def.fields.map((f) => apply(f, ""));
  for (const o of overrides) {
    if (!used.has(o.field)) {
      throw new SchemaDefinitionError(
        "SCHEMA_INVALID_FIELD",
        `Cannot override field '${o.field}' of block ${def.id} (${def.name}): the block has no such field`,
        { blockId: def.id, field: o.field },
      );
    }
  }
  return { ...def, fields };
}
