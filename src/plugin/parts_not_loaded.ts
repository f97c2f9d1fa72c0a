// The error a plugin's member throws when the code it is built from is loaded on demand and
// has not been loaded yet (the CLI defines the built-in plugins without their block schemas,
// registries and register maps, and loads them when a command needs them).

/**
 * A plugin member was read before the module it comes from was loaded. Code that starts with
 * plugins defined without their parts catches it, loads the parts and tries again; anywhere
 * else it is a bug: import the plugin from its public module.
 *
 * @example
 * ```ts
 * import { PluginPartsNotLoadedError } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const error = new PluginPartsNotLoadedError("toy", "blocks", "import the plugin's module");
 * assert.equal(error.code, "PLUGIN_PARTS_NOT_LOADED");
 * assert.equal(error.pluginId, "toy");
 * assert.ok(error instanceof TypeError);
 * assert.match(error.message, /plugin toy's blocks: not loaded yet/);
 * ```
 */
export class PluginPartsNotLoadedError extends TypeError {
  /** Always `PLUGIN_PARTS_NOT_LOADED`. */
  readonly code = "PLUGIN_PARTS_NOT_LOADED" as const;
  /** The plugin whose member was read. */
  readonly pluginId: string;

  /**
   * The error for one member of one plugin.
   *
   * @param pluginId The plugin.
   * @param member What was read (`blocks`, `registry`, `profiles`).
   * @param remedy What loads it.
   */
  constructor(pluginId: string, member: string, remedy: string) {
    super(`Cannot read plugin ${pluginId}'s ${member}: not loaded yet (${remedy})`);
    this.pluginId = pluginId;
    this.name = "PluginPartsNotLoadedError";
  }
}
