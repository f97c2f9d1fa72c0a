// What register-map plugins build their registries and `profile_file` maps with, given when
// `_registry_parts.ts` loads: the schema registry brings the block schema compiler, and the
// map compiler the datatype parser, which defining the plugins (`runtime --dry-run`,
// `profiles`) does not need. The public entries (`mod.ts` of this folder and of the plugins
// built on it, `builtin.ts`) import the parts. Private to src/plugins.
import type { SchemaRegistry } from "../../parser/registry.ts";
import type { RegisterMap } from "../../parser/register_map.ts";
import type { RegisterMapSource } from "../../parser/register_map_source.ts";
import type { BlockSchemaDef } from "../../parser/types.ts";
import { PluginPart } from "../_plugin_part.ts";

/** The compilers. */
export interface RegisterMapCompilers {
  /** A registry of block definitions. */
  registry(defs: readonly BlockSchemaDef[]): SchemaRegistry;
  /** A register map file's map. */
  map(source: RegisterMapSource): RegisterMap;
}

/**
 * The compilers, provided by `_registry_parts.ts`; a plugin's member reads them with
 * `REGISTER_MAP_COMPILERS.get(member, pluginId)`.
 */
export const REGISTER_MAP_COMPILERS: PluginPart<RegisterMapCompilers> = new PluginPart(
  "modbus_tcp",
  "import src/plugins/modbus_tcp/mod.ts, or await loadRegisterMapCompilers() before the first use",
  () => import("./_registry_parts.ts"),
);

/**
 * Load the compilers (once).
 *
 * @returns When they are loaded.
 */
export function loadRegisterMapCompilers(): Promise<void> {
  return REGISTER_MAP_COMPILERS.load();
}
