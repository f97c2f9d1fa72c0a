/**
 * The client room: one station, orchestrated - request, transport, validation, decode,
 * retries.
 *
 * @module
 */
export * from "./retry_policy.ts";
export * from "./client.ts";
export * from "./modbus_register_client.ts";
