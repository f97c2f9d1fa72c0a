// The built-in plugins as defined, before their expensive parts load: what the CLI's
// `runtime` and `profiles` start with (they need the plugins' profiles, vendors and
// transport defaults). The default plugin's blocks, registries and simulation mapping, and
// the register-map plugins' maps, registries and profile files, throw
// (`PluginPartsNotLoadedError`) until `loadBuiltinParts()` has run; `builtin.ts` and
// `default_plugin.ts`, the public entries, load them with the plugins. Private to
// src/plugins and src/cli.
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import { DEFINED_DEFAULT_PLUGIN, loadDefaultParts } from "./_defined_default.ts";
import { BLUETTI_LOCAL, loadBluettiLocalParts } from "./bluetti_local/_definition.ts";
import { MODBUS_MAP_PLUGIN } from "./modbus_tcp/modbus_map_plugin.ts";
import { loadRegisterMapCompilers } from "./modbus_tcp/_registry_factory.ts";

export { DEFINED_DEFAULT_PLUGIN } from "./_defined_default.ts";

/** Every built-in plugin, the default one first. */
export const DEFINED_BUILTIN_PLUGINS: readonly ProtocolPlugin[] = Object.freeze([
  DEFINED_DEFAULT_PLUGIN,
  BLUETTI_LOCAL,
  MODBUS_MAP_PLUGIN,
]);

/** The parts of each built-in plugin. */
const PARTS_OF: Readonly<Record<string, () => Promise<unknown>>> = {
  [DEFINED_DEFAULT_PLUGIN.id]: loadDefaultParts,
  [BLUETTI_LOCAL.id]: () => Promise.all([loadBluettiLocalParts(), loadRegisterMapCompilers()]),
  [MODBUS_MAP_PLUGIN.id]: loadRegisterMapCompilers,
};

/**
 * Load what the built-in plugins build on first use and cannot load then (it is imported):
 * the default plugin's block definitions, block schema compiler and simulation mapping, the
 * local plugin's register maps, and the register-map plugins' compilers.
 *
 * @param pluginId Only those of this built-in plugin. @default {every built-in plugin's}
 * @returns When they are loaded.
 */
export async function loadBuiltinParts(pluginId?: string): Promise<void> {
  if (pluginId !== undefined) {
    const load = PARTS_OF[pluginId];
    if (load !== undefined) {
      await load();
      return;
    }
  }
  await Promise.all([loadDefaultParts(), loadBluettiLocalParts(), loadRegisterMapCompilers()]);
}

/**
 * Load what listing the built-in plugins' profiles needs besides their definitions: the local
 * plugin's register map definitions (`registerMapDefs`), not the block schema compiler.
 *
 * @returns When they are loaded.
 */
export async function loadBuiltinProfileLists(): Promise<void> {
  await loadBluettiLocalParts();
}
