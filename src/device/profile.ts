import { editDistance } from "../_shared/did_you_mean.ts";
import type { FieldOverride } from "../parser/override_fields.ts";
import { ConfigError } from "../errors/errors.ts";

/**
 * A named set of blocks polled together at one cadence.
 *
 * @example A battery group polled every 30 s
 * ```ts
 * import type { ProfileGroupDef } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const battery: ProfileGroupDef = { name: "battery", blocks: [6000], pollIntervalMs: 30_000 };
 * assert.deepEqual(battery.blocks, [6000]);
 * ```
 */
export interface ProfileGroupDef {
  /** Group name (`core`, `battery`), unique in its profile. */
  readonly name: string;
  /** Block ids read by one poll of the group, in request order. */
  readonly blocks: readonly number[];
  /** Time between two polls of the group, in milliseconds. */
  readonly pollIntervalMs: number;
}

/**
 * Replaces the transforms of one field (`field`, `transforms`: a parser
 * {@linkcode FieldOverride}) of one block for the stations of a profile, e.g. a pack voltage
 * scale that differs between models.
 *
 * @example Read the pack voltage as 0.1 V instead of 0.01 V
 * ```ts
 * import type { FieldOverrideDef } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const override: FieldOverrideDef = {
 *   block: 100,
 *   field: "pack_voltage",
 *   transforms: ["scale:0.1"],
 * };
 * assert.deepEqual(override.transforms, ["scale:0.1"]);
 * ```
 */
export interface FieldOverrideDef extends FieldOverride {
  /** Block id. */
  readonly block: number;
}

/**
 * What Power SDK knows about one station model: which blocks to poll, in which groups and at
 * which cadence, how many registers to ask for, which field scales differ and which control
 * registers may be written.
 *
 * @example A profile of one's own, with a pack voltage override
 * ```ts
 * import type { DeviceProfile } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const profile: DeviceProfile = {
 *   id: "MY_STATION",
 *   name: "My station",
 *   aliases: ["mine"],
 *   vendor: "BLUETTI",
 *   protocol: "bluetti_v2",
 *   protocolVersion: null,
 *   defaultFraming: "rtu",
 *   groups: [{ name: "core", blocks: [100], pollIntervalMs: 10_000 }],
 *   registerCounts: { "100": 62 },
 *   fieldOverrides: [{ block: 100, field: "pack_voltage", transforms: ["scale:0.1"] }],
 *   writableRegisters: [],
 * };
 * assert.equal(profile.registerCounts["100"], 62);
 * ```
 */
export interface DeviceProfile {
  /** Stable upper-case id (`EL100V2`). */
  readonly id: string;
  /** Human-readable model name (`Elite 100 V2`). */
  readonly name: string;
  /** Other names the profile is found by (`EL100 V2`). */
  readonly aliases: readonly string[];
  /** Vendor (`BLUETTI`). */
  readonly vendor: string;
  /** Id of the plugin the profile belongs to (`bluetti_v2`). */
  readonly protocol: string;
  /**
   * The station's protocol version, or null when unknown: then every field whose bytes are
   * present is decoded, whatever its `minProtocolVersion`.
   */
  readonly protocolVersion: number | null;
  /** Payload framing used unless the device configuration says otherwise (`rtu`, or a framing its plugin registers). */
  readonly defaultFraming: string;
  /** Poll groups, each with its blocks and cadence. */
  readonly groups: readonly ProfileGroupDef[];
  /**
   * Registers to request per block id (a decimal string key) when it differs from the
   * schema's own count, e.g. `{ "100": 62 }`.
   */
  readonly registerCounts: Readonly<Record<string, number>>;
  /**
   * Short replies this model is known to send: per block id (a decimal string key), the
   * register counts, fewer than requested, it may answer a read of the block with (e.g.
   * `{ "6300": [22] }` for a station that answers 22 registers to a 25-register read). A read
   * reply of any other length than the requested one is not taken as the reply (it is another
   * block's reply or an unsolicited frame; see docs/reliability.md).
   * @default {none: every reply must have the requested length}
   */
  readonly shortReplies?: Readonly<Record<string, readonly number[]>>;
  /** Transforms that replace a schema's for this model. */
  readonly fieldOverrides: readonly FieldOverrideDef[];
  /**
   * Control registers this model may be written (an allow-list). Writes still need the user to
   * enable them, and a register marked dangerous needs a separate confirmation.
   */
  readonly writableRegisters: readonly number[];
}

/**
 * Finds a profile by id, name or alias, ignoring case, spaces, dashes and underscores
 * (`"Elite 100 V2"`, `"el100v2"` and `"EL100V2"` all find `EL100V2`).
 *
 * @param profiles The profiles to search, in priority order.
 * @param nameOrAlias The id, name or alias to look for.
 * @returns The first profile that matches.
 * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` when none matches; the message lists the
 * known profiles and suggests the closest ones.
 *
 * @example Find a profile by its model name
 * ```ts
 * import { BUILTIN_PROFILES } from "@power-sdk/sdk";
 * import { findProfile } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * assert.equal(findProfile(BUILTIN_PROFILES, "Elite 100 V2").id, "EL100V2");
 * assert.equal(findProfile(BUILTIN_PROFILES, "el100-v2").id, "EL100V2");
 * assert.throws(() => findProfile(BUILTIN_PROFILES, "EL10V2"), {
 *   code: "CONFIG_UNKNOWN_PROFILE",
 *   message: /did you mean/,
 * });
 * ```
 */
export function findProfile(
  profiles: readonly DeviceProfile[],
  nameOrAlias: string,
): DeviceProfile {
  const found = profileNamed(profiles, nameOrAlias);
  if (found !== undefined) return found;
  const wanted = normalize(nameOrAlias);
  const known = profiles.length === 0
    ? "no profiles are known"
    : `known profiles are ${profiles.map((p) => `${p.id} (${p.name})`).join(", ")}`;
  const suggestions = closest(profiles, wanted);
  const last = suggestions.pop();
  const hint = last === undefined
    ? ""
    : `; did you mean ${[suggestions.join(", "), last].filter(Boolean).join(" or ")}?`;
  throw new ConfigError(
    "CONFIG_UNKNOWN_PROFILE",
    `Unknown profile '${nameOrAlias}': ${known}${hint}`,
    { path: "profile" },
  );
}

/**
 * The first profile that `nameOrAlias` names (as {@linkcode findProfile} matches), or
 * undefined: for a search that goes on elsewhere when this list has none.
 *
 * @param profiles The profiles to search, in priority order.
 * @param nameOrAlias The id, name or alias to look for.
 * @returns The first profile that matches, or undefined.
 *
 * @example
 * ```ts
 * import { BUILTIN_PROFILES } from "@power-sdk/sdk";
 * import { profileNamed } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * assert.equal(profileNamed(BUILTIN_PROFILES, "el100-v2")?.id, "EL100V2");
 * assert.equal(profileNamed(BUILTIN_PROFILES, "EL10V2"), undefined);
 * ```
 */
export function profileNamed(
  profiles: readonly DeviceProfile[],
  nameOrAlias: string,
): DeviceProfile | undefined {
  const wanted = normalize(nameOrAlias);
  return profiles.find((profile) => keys(profile).includes(wanted));
}

/**
 * The block ids a profile polls: every group's blocks, each once, in the order they first
 * appear.
 *
 * @param profile The profile.
 * @returns The unique block ids.
 *
 * @example Blocks of the Elite 100 V2
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import { profileBlocks } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(profileBlocks(getProfile("EL100V2")), [100, 1300, 6000, 1100, 1400, 1500, 6100]);
 * ```
 */
export function profileBlocks(profile: DeviceProfile): number[] {
  return [...new Set(profile.groups.flatMap((group) => group.blocks))];
}

/**
 * One poll group of a profile, by name.
 *
 * @param profile The profile.
 * @param name The group's name (exact, as in the profile).
 * @returns The group.
 * @throws {ConfigError} `CONFIG_INVALID` when the profile has no such group; the message lists
 * its groups.
 *
 * @example The battery group of the Elite 30 V2
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import { profileGroup } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const battery = profileGroup(getProfile("EL30V2"), "battery");
 * assert.deepEqual(battery.blocks, [6000]);
 * assert.throws(() => profileGroup(getProfile("EL30V2"), "cells"), { code: "CONFIG_INVALID" });
 * ```
 */
export function profileGroup(profile: DeviceProfile, name: string): ProfileGroupDef {
  const group = profile.groups.find((g) => g.name === name);
  if (group !== undefined) return group;
  const groups = profile.groups.map((g) => g.name).join(", ") || "none";
  throw new ConfigError(
    "CONFIG_INVALID",
    `Unknown group '${name}' of profile ${profile.id}: its groups are ${groups}`,
    { path: "group" },
  );
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, "");
}

function keys(profile: DeviceProfile): string[] {
  return [profile.id, profile.name, ...profile.aliases].map(normalize);
}

/** Ids of the profiles whose nearest key is closest to `wanted`, within a third of its length. */
function closest(profiles: readonly DeviceProfile[], wanted: string): string[] {
  const scored = profiles.map((profile) => ({
    id: profile.id,
    distance: Math.min(...keys(profile).map((key) => editDistance(wanted, key))),
  }));
  const best = Math.min(...scored.map((s) => s.distance));
  if (best > Math.max(2, Math.floor(wanted.length / 3))) return [];
  return scored.filter((s) => s.distance === best).map((s) => s.id);
}
