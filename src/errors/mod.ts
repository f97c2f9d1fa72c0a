/**
 * The error hierarchy shared by every layer: a base {@linkcode PowerSdkError} with stable
 * codes, then transport, protocol (with Modbus exceptions), parser, config and
 * schema-definition errors.
 *
 * @module
 */
export * from "./errors.ts";
