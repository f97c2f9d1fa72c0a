// The built-in plugin values, without the transports the plugins bring (those load npm
// packages): the CLI's commands import this; `mod.ts` re-exports it.
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import { DEFAULT_PLUGIN } from "./default_plugin.ts";
import { BLUETTI_LOCAL } from "./bluetti_local/plugin.ts";
import { MODBUS_MAP_PLUGIN } from "./modbus_tcp/modbus_map_plugin.ts";

export { DEFAULT_PLUGIN } from "./default_plugin.ts";

/**
 * Every built-in plugin; the first is the default one ({@linkcode DEFAULT_PLUGIN}).
 *
 * @example
 * ```ts
 * import { BUILTIN_PLUGINS } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(BUILTIN_PLUGINS.map((p) => `${p.vendor}/${p.protocol}`).slice(1), [
 *   "bluetti/local",
 *   "generic/modbus",
 * ]);
 * ```
 */
export const BUILTIN_PLUGINS: readonly ProtocolPlugin[] = Object.freeze([
  DEFAULT_PLUGIN,
  BLUETTI_LOCAL,
  MODBUS_MAP_PLUGIN,
]);
