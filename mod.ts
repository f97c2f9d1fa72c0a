/**
 * Power SDK: a protocol-agnostic device-control platform. This module is the public API: the
 * error hierarchy, the Modbus RTU codec, the schema engine, the device model, the BLUETTI V2
 * plugin data and the built-in profiles.
 *
 * @example Decode block 100 data bytes with the built-in schemas
 * ```ts
 * import { createBluettiRegistry } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const registry = createBluettiRegistry();
 * const schema = registry.require(100);
 * const data = schema.encode({ pack_voltage: 53.13, soc: 95 }, { length: 124 });
 * const record = schema.decode(data);
 * assert.equal(record.values.soc, 95);
 * assert.equal(record.values.pack_voltage, 53.13);
 * ```
 *
 * @module
 */
export * from "./src/errors/mod.ts";
export * from "./src/protocol/mod.ts";
export * from "./src/transport/mod.ts";
export * from "./src/client/mod.ts";
export * from "./src/parser/mod.ts";
export * from "./src/plugin/mod.ts";
export * from "./src/plugins/mod.ts";
export * from "./src/device/mod.ts";
export * from "./profiles/mod.ts";
export * from "./src/runtime/mod.ts";
