/**
 * The built-in plugins. Importing this module defines them (their profiles, schemas and
 * framings become known); the faces (`mod.ts`, the CLI, `testing.ts`) import it, the generic
 * rooms never do.
 *
 * @example
 * ```ts
 * import { BUILTIN_PLUGINS } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(BUILTIN_PLUGINS.map((p) => p.id), ["bluetti_v2", "bluetti_local", "modbus_map"]);
 * ```
 *
 * @module
 */
export * from "./bluetti_v2/mod.ts";
export * from "./bluetti_local/mod.ts";
export * from "./modbus_tcp/mod.ts";
export * from "../plugin/mod.ts";
export { BUILTIN_PLUGINS, DEFAULT_PLUGIN } from "./builtin.ts";
