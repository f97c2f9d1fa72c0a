// The local Modbus TCP plugin defined without its register maps: their definitions
// (models.ts) and the map compiler load with `_parts.ts`, which `plugin.ts` (the public entry)
// imports first. A command that starts with the plugins defined alone (`runtime --dry-run`
// of other stations) does not load them. Private to src/plugins.
import type { RegisterMap, RegisterMapDef } from "../../parser/register_map.ts";
import type { ProtocolPlugin } from "../../plugin/plugin.ts";
import { PluginPartsNotLoadedError } from "../../plugin/parts_not_loaded.ts";
import { defineRegisterMapPlugin } from "../modbus_tcp/register_map_plugin.ts";

/** What `_parts.ts` brings. */
export interface BluettiLocalParts {
  /** The maps' definitions. */
  readonly defs: readonly RegisterMapDef[];
  /** The maps, compiled on the first call. */
  maps(): readonly RegisterMap[];
}

let parts: BluettiLocalParts | undefined;

/**
 * Called by `_parts.ts` when it loads.
 *
 * @param loaded The parts.
 */
export function provideBluettiLocalParts(loaded: BluettiLocalParts): void {
  parts ??= loaded;
}

/**
 * Load the register maps (once).
 *
 * @returns When they are loaded.
 */
export async function loadBluettiLocalParts(): Promise<void> {
  if (parts === undefined) await import("./_parts.ts");
}

function partsFor(member: string): BluettiLocalParts {
  if (parts === undefined) {
    throw new PluginPartsNotLoadedError(
      "bluetti_local",
      member,
      "import src/plugins/bluetti_local/plugin.ts, or await loadBluettiLocalParts() before the first use",
    );
  }
  return parts;
}

/** The plugin; see `plugin.ts` for its documentation. */
export const BLUETTI_LOCAL: ProtocolPlugin = defineRegisterMapPlugin({
  id: "bluetti_local",
  vendor: "bluetti",
  protocol: "local",
  // Compiled with the profiles and controls on first use: defining the plugin costs nothing.
  maps: () => partsFor("register maps").maps(),
  get defs() {
    return partsFor("register maps").defs;
  },
});
