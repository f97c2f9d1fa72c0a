// The built-in plugin values, without the transports the plugins bring (those load npm
// packages): the CLI's commands import this; `mod.ts` re-exports it. Imported from here, the
// plugins are whole (the default plugin's parts load with `default_plugin.ts`, the
// register-map plugins' compilers and the local plugin's maps with the `_parts.ts` modules
// below).
// The plugins are defined first, in their order (it is the order of knownPlugins() and of
// the framings' names), then their parts load.
import { DEFINED_BUILTIN_PLUGINS } from "./_defined_builtin.ts";
import "./modbus_tcp/_registry_parts.ts";
import "./bluetti_local/_parts.ts";
import type { ProtocolPlugin } from "../plugin/plugin.ts";

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
export const BUILTIN_PLUGINS: readonly ProtocolPlugin[] = DEFINED_BUILTIN_PLUGINS;
