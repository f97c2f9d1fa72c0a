// The built-in plugin values, without the transports the plugins bring (those load npm
// packages): the CLI's offline commands import this; `mod.ts` re-exports it.
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import { BLUETTI_V2 } from "./bluetti_v2/plugin.ts";
import { BLUETTI_LOCAL } from "./bluetti_local/plugin.ts";
import { MODBUS_MAP_PLUGIN } from "./modbus_tcp/modbus_map_plugin.ts";

/** Every built-in plugin; the first is the default. */
export const BUILTIN_PLUGINS: readonly ProtocolPlugin[] = Object.freeze([
  BLUETTI_V2,
  BLUETTI_LOCAL,
  MODBUS_MAP_PLUGIN,
]);

/**
 * The default plugin, chosen here and nowhere else: the first built-in one. The CLI's
 * offline commands (`blocks`, `decode`) show its block schemas, and the demo runs its
 * stations.
 *
 * @example
 * ```ts
 * import { BUILTIN_PLUGINS, DEFAULT_PLUGIN } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULT_PLUGIN, BUILTIN_PLUGINS[0]);
 * assert.ok(DEFAULT_PLUGIN.blocks !== undefined && DEFAULT_PLUGIN.simulation !== undefined);
 * ```
 */
export const DEFAULT_PLUGIN: ProtocolPlugin = BUILTIN_PLUGINS[0]!;
