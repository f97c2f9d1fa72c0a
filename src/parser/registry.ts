/**
 * An instance-scoped registry of block schemas: no global state, idempotent registration of the
 * same structure, conflicts reported with every difference, atomic batches.
 *
 * @module
 */
import { ParserError, SchemaDefinitionError } from "../errors/errors.ts";
import { BlockSchema } from "./block_schema.ts";
import { schemaDifferences } from "./_schema_diff.ts";
import type { BlockSchemaDef } from "./types.ts";

/**
 * Block schemas by id and by name.
 *
 * @example Register, look up, and see a conflict
 * ```ts
 * import { SchemaDefinitionError } from "@power-sdk/sdk";
 * import { SchemaRegistry } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const registry = new SchemaRegistry();
 * const def = {
 *   id: 900,
 *   name: "MY_BLOCK",
 *   minLength: 2,
 *   fields: [{ name: "level", offset: 0, type: "uint16" }],
 * };
 * registry.register(def);
 * registry.register(def); // the same structure again: a no-op
 * assert.equal(registry.get(900)?.name, "MY_BLOCK");
 *
 * const changed = { ...def, fields: [{ name: "level", offset: 0, type: "int16" }] };
 * assert.throws(() => registry.register(changed), SchemaDefinitionError);
 * ```
 */
export class SchemaRegistry {
  #byId = new Map<number, BlockSchema>();
  #byName = new Map<string, BlockSchema>();

  /**
   * Create a registry, optionally with schemas registered as one batch.
   *
   * @param schemas Schemas to start with.
   */
  constructor(schemas: Iterable<BlockSchemaDef | BlockSchema> = []) {
    this.registerAll(schemas);
  }

  /** Number of registered blocks. */
  get size(): number {
    return this.#byId.size;
  }

  /**
   * Register one block. The same structure again is a no-op (descriptions may differ); a
   * different structure under a registered id or name is an error listing the differences.
   *
   * @param schema A definition or a compiled schema.
   * @returns The compiled schema now registered under that id.
   * @throws {SchemaDefinitionError} `SCHEMA_CONFLICT`, or an invalid definition.
   */
  register(schema: BlockSchemaDef | BlockSchema): BlockSchema {
    return this.registerAll([schema])[0]!;
  }

  /**
   * Register many blocks atomically: when one fails, none is registered.
   *
   * @param schemas Definitions or compiled schemas.
   * @returns The compiled schemas, in order.
   * @throws {SchemaDefinitionError} for the first conflict or invalid definition.
   */
  registerAll(schemas: Iterable<BlockSchemaDef | BlockSchema>): BlockSchema[] {
    const pendingById = new Map<number, BlockSchema>();
    const pendingByName = new Map<string, BlockSchema>();
    const out: BlockSchema[] = [];
    for (const item of schemas) {
      const schema = item instanceof BlockSchema ? item : new BlockSchema(item);
      const sameId = pendingById.get(schema.id) ?? this.#byId.get(schema.id);
      const sameName = pendingByName.get(schema.name) ?? this.#byName.get(schema.name);
      const existing = sameId ?? sameName;
      if (existing) {
        const differences = schemaDifferences(existing.def, schema.def);
        if (differences.length > 0) {
          const taken = sameId
            ? `block id ${schema.id} is taken by ${existing.name}`
            : `block name ${schema.name} is taken by block ${existing.id}`;
          throw new SchemaDefinitionError(
            "SCHEMA_CONFLICT",
            `Cannot register block ${schema.id} (${schema.name}): ${taken} with a different structure: ${
              differences.join("; ")
            }`,
            { blockId: schema.id, differences },
          );
        }
        out.push(existing);
        continue;
      }
      pendingById.set(schema.id, schema);
      pendingByName.set(schema.name, schema);
      out.push(schema);
    }
    for (const schema of pendingById.values()) {
      this.#byId.set(schema.id, schema);
      this.#byName.set(schema.name, schema);
    }
    return out;
  }

  /**
   * The schema of a block id or name, or undefined.
   *
   * @param idOrName Block id or name.
   * @returns The schema, or undefined.
   */
  get(idOrName: number | string): BlockSchema | undefined {
    return typeof idOrName === "number" ? this.#byId.get(idOrName) : this.#byName.get(idOrName);
  }

  /**
   * The schema of a block id or name.
   *
   * @param idOrName Block id or name.
   * @returns The schema.
   * @throws {ParserError} `PARSER_UNKNOWN_BLOCK` listing what is registered.
   */
  require(idOrName: number | string): BlockSchema {
    const schema = this.get(idOrName);
    if (schema) return schema;
    const known = this.list().map((s) => s.id).join(", ");
    throw new ParserError(
      "PARSER_UNKNOWN_BLOCK",
      `Unknown block ${JSON.stringify(idOrName)}: registered blocks are ${known || "none"}`,
      typeof idOrName === "number" ? { blockId: idOrName } : {},
    );
  }

  /**
   * Whether a block id or name is registered.
   *
   * @param idOrName Block id or name.
   * @returns True when registered.
   */
  has(idOrName: number | string): boolean {
    return this.get(idOrName) !== undefined;
  }

  /**
   * Every schema, by ascending id.
   *
   * @returns The schemas.
   */
  list(): BlockSchema[] {
    return [...this.#byId.values()].sort((a, b) => a.id - b.id);
  }
}
