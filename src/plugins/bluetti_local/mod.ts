/**
 * BLUETTI stations on their local Modbus TCP server: per-model register maps (AC500,
 * EP500Pro, AC200L, Apex 300, Balco 260, FridgePower) and the lookup by id or alias.
 *
 * @module
 */
import "../modbus_tcp/_registry_parts.ts";
export * from "./models.ts";
export * from "./registry.ts";
export * from "./plugin.ts";
