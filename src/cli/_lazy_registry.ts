// A schema registry that compiles a block's schema the first time a command asks for it:
// `decode --block 100` and `blocks show 100` compile one schema, not all of them. Listing
// compiles the rest. Private to src/cli.
import { SchemaRegistry } from "../parser/registry.ts";
import type { BlockSchema } from "../parser/block_schema.ts";
import type { BlockSchemaDef } from "../parser/types.ts";

/** A {@linkcode SchemaRegistry} over block definitions, compiled on demand. */
export class LazySchemaRegistry extends SchemaRegistry {
  readonly #defs: readonly BlockSchemaDef[];
  readonly #byId = new Map<number, BlockSchemaDef>();
  readonly #byName = new Map<string, BlockSchemaDef>();
  #complete = false;

  /** @param defs The block definitions; none is compiled yet. */
  constructor(defs: readonly BlockSchemaDef[]) {
    super();
    this.#defs = defs;
    for (const def of defs) {
      this.#byId.set(def.id, def);
      this.#byName.set(def.name, def);
    }
  }

  /** The number of blocks, compiled or not. */
  override get size(): number {
    return this.#complete ? super.size : this.#byId.size;
  }

  /** A block's schema by id or name, compiled now if it was not yet. */
  override get(idOrName: number | string): BlockSchema | undefined {
    const compiled = super.get(idOrName);
    if (compiled !== undefined || this.#complete) return compiled;
    const def = typeof idOrName === "number"
      ? this.#byId.get(idOrName)
      : this.#byName.get(idOrName);
    return def === undefined ? undefined : this.register(def);
  }

  /** Every schema, by id: compiles those not compiled yet. */
  override list(): BlockSchema[] {
    if (!this.#complete) {
      this.registerAll(this.#defs.filter((def) => super.get(def.id) === undefined));
      this.#complete = true;
    }
    return super.list();
  }
}
