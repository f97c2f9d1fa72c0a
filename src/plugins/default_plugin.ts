// The default plugin, alone: what the CLI's `blocks` and `decode` load (the other built-in
// plugins, their register maps and Modbus TCP code load with the commands that use them).
// `builtin.ts` lists it first among the built-in plugins and re-exports it.
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import { BLUETTI_V2 } from "./bluetti_v2/plugin.ts";

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
export const DEFAULT_PLUGIN: ProtocolPlugin = BLUETTI_V2;
