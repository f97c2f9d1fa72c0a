/**
 * Built-in station profiles: which blocks a model polls, in which groups, at which cadence,
 * with which register counts, field overrides and writable registers. Data, plus one lookup.
 *
 * @example Look a profile up by name
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getProfile("EL100 V2").name, "Elite 100 V2");
 * ```
 *
 * @module
 */
import { type DeviceProfile, findProfile } from "../src/device/profile.ts";
import { BLUETTI_V2 } from "../src/plugins/bluetti_v2/plugin.ts";

export * from "./el30v2.ts";
export * from "./el100v2.ts";
export * from "./elite200v2.ts";
export * from "./generic_v2.ts";

/**
 * Every built-in profile (those of the BLUETTI V2 plugin), model profiles first and the generic
 * one last.
 *
 * @example List the built-in ids
 * ```ts
 * import { BUILTIN_PROFILES } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(BUILTIN_PROFILES.map((p) => p.id), ["EL30V2", "EL100V2", "ELITE200V2", "GENERIC_V2"]);
 * ```
 */
export const BUILTIN_PROFILES: readonly DeviceProfile[] = BLUETTI_V2.profiles;

/**
 * Finds a built-in profile by id, name or alias, ignoring case, spaces, dashes and
 * underscores: `findProfile(BUILTIN_PROFILES, nameOrAlias)`.
 *
 * @param nameOrAlias The id (`EL100V2`), name (`Elite 100 V2`) or alias (`EL100 V2`).
 * @returns The profile.
 * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` when no built-in profile matches; the message
 * lists the known ones.
 *
 * @example Unknown models list the known profiles
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getProfile("elite 30 v2").id, "EL30V2");
 * assert.throws(() => getProfile("AC500"), {
 *   code: "CONFIG_UNKNOWN_PROFILE",
 *   message: /known profiles are EL30V2 \(Elite 30 V2\), EL100V2/,
 * });
 * ```
 */
export function getProfile(nameOrAlias: string): DeviceProfile {
  return findProfile(BUILTIN_PROFILES, nameOrAlias);
}
