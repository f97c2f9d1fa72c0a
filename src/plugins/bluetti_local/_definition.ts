// The local Modbus TCP plugin defined without its register maps: their definitions
// (models.ts) and the map compiler load with `_parts.ts`, which `plugin.ts` (the public entry)
// imports first. A command that starts with the plugins defined alone (`runtime --dry-run`
// of other stations) does not load them. Private to src/plugins.
import type { RegisterMap, RegisterMapDef } from "../../parser/register_map.ts";
import type { ProtocolPlugin } from "../../plugin/plugin.ts";
import { PluginPart } from "../_plugin_part.ts";
import { defineRegisterMapPlugin } from "../modbus_tcp/register_map_plugin.ts";

/** What `_parts.ts` brings. */
export interface BluettiLocalParts {
  /** The maps' definitions. */
  readonly defs: readonly RegisterMapDef[];
  /** The maps, compiled on the first call. */
  maps(): readonly RegisterMap[];
}

/** The register maps, provided by `_parts.ts`. */
export const BLUETTI_LOCAL_PARTS: PluginPart<BluettiLocalParts> = new PluginPart(
  "bluetti_local",
  "import src/plugins/bluetti_local/plugin.ts, or await loadBluettiLocalParts() before the first use",
  () => import("./_parts.ts"),
);

/**
 * Load the register maps (once).
 *
 * @returns When they are loaded.
 */
export function loadBluettiLocalParts(): Promise<void> {
  return BLUETTI_LOCAL_PARTS.load();
}

/** The plugin; see `plugin.ts` for its documentation. */
export const BLUETTI_LOCAL: ProtocolPlugin = defineRegisterMapPlugin({
  id: "bluetti_local",
  vendor: "bluetti",
  protocol: "local",
  // Compiled with the profiles and controls on first use: defining the plugin costs nothing.
  maps: () => BLUETTI_LOCAL_PARTS.get("register maps").maps(),
  get defs() {
    return BLUETTI_LOCAL_PARTS.get("register maps").defs;
  },
});
