import type { ProtocolPlugin } from "../../plugin/plugin.ts";
import { defineRegisterMapPlugin } from "../modbus_tcp/register_map_plugin.ts";
import { BLUETTI_LOCAL_MAPS } from "./models.ts";
import { listLocalProfiles } from "./registry.ts";

/**
 * BLUETTI's stations on their local Modbus TCP server, for runtime.yaml: `transport:
 * modbus_tcp`, `vendor: bluetti`, `protocol: local`, profiles AC500, EP500PRO, AC200L, PA030,
 * BALCO260, FP.
 *
 * @example
 * ```ts
 * import { BLUETTI_LOCAL } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.equal(`${BLUETTI_LOCAL.vendor}/${BLUETTI_LOCAL.protocol}`, "bluetti/local");
 * assert.equal(BLUETTI_LOCAL.profiles.length, 6);
 * ```
 */
export const BLUETTI_LOCAL: ProtocolPlugin = defineRegisterMapPlugin({
  id: "bluetti_local",
  vendor: "bluetti",
  protocol: "local",
  // Compiled with the profiles and controls on first use: defining the plugin costs nothing.
  maps: listLocalProfiles,
  defs: BLUETTI_LOCAL_MAPS,
});
