/**
 * Modbus TCP for the runtime: the `modbus_tcp` transport (one paced connection per station) and
 * plugins whose profiles are register maps.
 *
 * @module
 */
import "./_registry_parts.ts";
export * from "./transport_definition.ts";
export * from "./register_map_plugin.ts";
export * from "./modbus_map_plugin.ts";
