// The public entry of the local Modbus TCP plugin: the plugin whole, its register maps and
// their compiler loaded (`_parts.ts` of this folder and of modbus_tcp, imported first).
import "./_parts.ts";
import "../modbus_tcp/_registry_parts.ts";
import type { ProtocolPlugin } from "../../plugin/plugin.ts";
import { BLUETTI_LOCAL as DEFINED } from "./_definition.ts";

/**
 * BLUETTI's stations on their local Modbus TCP server, for runtime.yaml: `transport:
 * modbus_tcp`, `vendor: bluetti`, `protocol: local`, profiles AC500, EP500PRO, AC200L, PA030,
 * BALCO260, FP. Its register maps and the map compiler load with this module (a private
 * module defines the plugin without them, for commands that need other stations alone).
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
export const BLUETTI_LOCAL: ProtocolPlugin = DEFINED;
