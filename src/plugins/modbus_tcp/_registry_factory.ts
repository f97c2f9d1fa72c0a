// How a register-map plugin makes a schema registry, given when `_registry_parts.ts` loads:
// the registry brings the block schema compiler, which defining the plugins (`runtime
// --dry-run`, `profiles`) does not need. The public entries (`mod.ts` of this folder and of
// the plugins built on it, `builtin.ts`) import the parts. Private to src/plugins.
import type { SchemaRegistry } from "../../parser/registry.ts";
import type { BlockSchemaDef } from "../../parser/types.ts";

type Factory = (defs: readonly BlockSchemaDef[]) => SchemaRegistry;

let factory: Factory | undefined;

/**
 * Called by `_registry_parts.ts` when it loads.
 *
 * @param make Makes a registry of block definitions.
 */
export function provideRegistryFactory(make: Factory): void {
  factory ??= make;
}

/**
 * A new registry of `defs`.
 *
 * @param defs The block definitions.
 * @param pluginId The plugin asking, for the message when the factory is not loaded.
 * @returns The registry.
 * @throws {TypeError} when `_registry_parts.ts` has not loaded.
 */
export function newRegistry(defs: readonly BlockSchemaDef[], pluginId: string): SchemaRegistry {
  if (factory === undefined) {
    throw new TypeError(
      `Cannot make a schema registry for plugin ${pluginId}: the block schema compiler is not loaded (import src/plugins/modbus_tcp/mod.ts, or await loadRegistryFactory() before the first use)`,
    );
  }
  return factory(defs);
}

/**
 * Load the registry factory (once).
 *
 * @returns When it is loaded.
 */
export async function loadRegistryFactory(): Promise<void> {
  if (factory === undefined) await import("./_registry_parts.ts");
}
