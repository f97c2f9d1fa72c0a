// The default plugin, alone: what the CLI's `controls` loads (the other built-in plugins,
// their register maps and Modbus TCP code load with the commands that use them).
// `builtin.ts` lists it first among the built-in plugins and re-exports it. The choice itself
// is made in `_defined_default.ts`; this module loads the plugin's parts with it (the static
// import below names the same plugin: default_blocks_test.ts checks that they agree).
import "./bluetti_v2/_parts.ts";
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import { DEFINED_DEFAULT_PLUGIN } from "./_defined_default.ts";

/**
 * The default plugin: the first built-in one. The CLI's offline commands (`blocks`,
 * `decode`) show its block schemas, and the demo runs its stations. Imported from here, its
 * blocks, registries and simulation mapping are loaded.
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
export const DEFAULT_PLUGIN: ProtocolPlugin = DEFINED_DEFAULT_PLUGIN;
