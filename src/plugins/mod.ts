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
 * assert.deepEqual(BUILTIN_PLUGINS.map((p) => p.id), ["bluetti_v2"]);
 * ```
 *
 * @module
 */
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import { BLUETTI_V2 } from "./bluetti_v2/plugin.ts";

export * from "./bluetti_v2/mod.ts";
export * from "../plugin/mod.ts";

/** Every built-in plugin. */
export const BUILTIN_PLUGINS: readonly ProtocolPlugin[] = Object.freeze([BLUETTI_V2]);
