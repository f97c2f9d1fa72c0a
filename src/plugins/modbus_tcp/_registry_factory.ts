// What register-map plugins build their registries and `profile_file` maps with, given when
// `_registry_parts.ts` loads: the schema registry brings the block schema compiler, and the
// map compiler the datatype parser, which defining the plugins (`runtime --dry-run`,
// `profiles`) does not need. The public entries (`mod.ts` of this folder and of the plugins
// built on it, `builtin.ts`) import the parts. Private to src/plugins.
import type { SchemaRegistry } from "../../parser/registry.ts";
import type { RegisterMap } from "../../parser/register_map.ts";
import type { RegisterMapSource } from "../../parser/register_map_source.ts";
import type { BlockSchemaDef } from "../../parser/types.ts";
import { PluginPartsNotLoadedError } from "../../plugin/parts_not_loaded.ts";

/** The compilers. */
export interface RegisterMapCompilers {
  /** A registry of block definitions. */
  registry(defs: readonly BlockSchemaDef[]): SchemaRegistry;
  /** A register map file's map. */
  map(source: RegisterMapSource): RegisterMap;
}

let compilers: RegisterMapCompilers | undefined;

/**
 * Called by `_registry_parts.ts` when it loads.
 *
 * @param loaded The compilers.
 */
export function provideRegisterMapCompilers(loaded: RegisterMapCompilers): void {
  compilers ??= loaded;
}

/**
 * The compilers, for a plugin's member.
 *
 * @param pluginId The plugin asking, for the message when they are not loaded.
 * @param member What it builds (`registry`, `profile file`).
 * @returns The compilers.
 * @throws {PluginPartsNotLoadedError} when `_registry_parts.ts` has not loaded.
 */
export function registerMapCompilers(pluginId: string, member: string): RegisterMapCompilers {
  if (compilers === undefined) {
    throw new PluginPartsNotLoadedError(
      pluginId,
      member,
      "import src/plugins/modbus_tcp/mod.ts, or await loadRegisterMapCompilers() before the first use",
    );
  }
  return compilers;
}

/**
 * Load the compilers (once).
 *
 * @returns When they are loaded.
 */
export async function loadRegisterMapCompilers(): Promise<void> {
  if (compilers === undefined) await import("./_registry_parts.ts");
}
