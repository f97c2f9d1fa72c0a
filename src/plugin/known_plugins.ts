/**
 * The defined plugins, for code that only reads them (the labels `decode` prints): without
 * plugin.ts's profile lookup and framing registry, which defining a plugin needs.
 *
 * @module
 */
import type { ProtocolPlugin } from "./plugin.ts";
import { DEFINED_PLUGINS } from "./_defined.ts";

/**
 * Every plugin defined so far, in definition order.
 *
 * @returns The plugins (a new array).
 *
 * @example
 * ```ts
 * import { knownPlugins } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.ok(knownPlugins().some((p) => p.id === "bluetti_v2"));
 * ```
 */
export function knownPlugins(): ProtocolPlugin[] {
  return [...DEFINED_PLUGINS];
}
