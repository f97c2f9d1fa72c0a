import type { ProtocolPlugin } from "../../plugin/plugin.ts";
import { defineRegisterMapPlugin } from "./register_map_plugin.ts";

/**
 * Any Modbus TCP device from its register-map file, for runtime.yaml: `transport: modbus_tcp`,
 * `vendor: generic`, `protocol: modbus`, and each device names its map with `profile_file:`
 * (a meter or an inverter is then data, not code). It has no profiles of its own.
 *
 * @example
 * ```ts
 * import { MODBUS_MAP_PLUGIN } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.equal(`${MODBUS_MAP_PLUGIN.vendor}/${MODBUS_MAP_PLUGIN.protocol}`, "generic/modbus");
 * assert.equal(MODBUS_MAP_PLUGIN.profiles.length, 0);
 * assert.equal(typeof MODBUS_MAP_PLUGIN.loadProfileFile, "function");
 * ```
 */
export const MODBUS_MAP_PLUGIN: ProtocolPlugin = defineRegisterMapPlugin({
  id: "modbus_map",
  vendor: "generic",
  protocol: "modbus",
  maps: [],
});
