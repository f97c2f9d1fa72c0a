/**
 * The BLUETTI V2 vendor data: the 45 block schemas of V2 stations (corrected against live
 * captures) and the observed control registers. Data only; the schema engine compiles the
 * blocks and the device layer gates the writes.
 *
 * @example Count the blocks and control registers
 * ```ts
 * import { BLUETTI_V2_BLOCKS, BLUETTI_V2_CONTROL_REGISTERS } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.equal(BLUETTI_V2_BLOCKS.length, 45);
 * assert.equal(BLUETTI_V2_CONTROL_REGISTERS.length, 18);
 * ```
 *
 * @module
 */
export * from "./blocks.ts";
export * from "./control_registers.ts";
export * from "./registry.ts";
export * from "./framings.ts";
export * from "./identity.ts";
export * from "./plugin.ts";
export * from "./sim_mapping.ts";
