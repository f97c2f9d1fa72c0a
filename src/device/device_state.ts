import { deepFreeze } from "../_shared/copy_data.ts";
import type { BlockRecord, DecodeWarning, FieldValue } from "../parser/block_schema.ts";
import type { IdentityExtractor } from "./identity.ts";
import { checkPlausibility, type PlausibilityOptions } from "./plausibility.ts";
import { type DeviceProfile, profileBlocks } from "./profile.ts";

/**
 * Options of a {@linkcode DeviceState}.
 *
 * @example
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import { type DeviceStateOptions } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const options: DeviceStateOptions = { profile: getProfile("EL100V2"), protocolVersion: 2009 };
 * assert.equal(options.protocolVersion, 2009);
 * ```
 */
export interface DeviceStateOptions {
  /** The station's profile: its groups give the blocks' groups and the merged view's precedence. */
  readonly profile: DeviceProfile;
  /**
   * The station's protocol version; null when unknown.
   * @default {the profile's `protocolVersion`}
   */
  readonly protocolVersion?: number | null;
  /**
   * Plausibility checks run on every applied record ({@linkcode checkPlausibility}), or
   * `false` to store records as they are.
   * @default {{}}
   */
  readonly plausibility?: PlausibilityOptions | false;
  /**
   * How model, serial and firmware are found in the blocks: the identity extraction of the
   * profile's plugin (`plugin.identity`).
   * @default {none: model, serial and firmware stay null}
   */
  readonly identity?: IdentityExtractor;
}

/** Options of {@linkcode DeviceState.apply}. */
export interface ApplyOptions {
  /**
   * The poll group the record was read for.
   * @default {the first group of the profile that holds the block, or none}
   */
  readonly group?: string;
  /**
   * When the record was read, in milliseconds since the epoch.
   * @default {Date.now()}
   */
  readonly at?: number;
}

/**
 * The latest record of one block.
 *
 * @example
 * ```ts
 * import type { BlockState } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const state: BlockState = {
 *   blockId: 100,
 *   name: "APP_HOME_DATA",
 *   values: { soc: 80 },
 *   units: { soc: "%" },
 *   warnings: [],
 *   missing: [],
 *   updatedAt: 1_700_000_000_000,
 *   group: "core",
 * };
 * assert.equal(state.values.soc, 80);
 * ```
 */
export interface BlockState {
  /** Block id. */
  readonly blockId: number;
  /** Block name (`APP_HOME_DATA`). */
  readonly name: string;
  /** Field name -> value (groups are nested objects); deeply frozen. */
  readonly values: Readonly<Record<string, FieldValue>>;
  /** Field path -> unit. */
  readonly units: Readonly<Record<string, string>>;
  /** Decode warnings and plausibility warnings. */
  readonly warnings: readonly DecodeWarning[];
  /** Paths of the fields whose bytes were not in the data. */
  readonly missing: readonly string[];
  /** When the record was read, in milliseconds since the epoch. */
  readonly updatedAt: number;
  /** The poll group it was read for, or null. */
  readonly group: string | null;
}

/**
 * One poll group's state: when one of its blocks was last updated, and which.
 *
 * @example
 * ```ts
 * import type { GroupState } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const core: GroupState = { name: "core", updatedAt: 1_700_000_000_000, blocks: [100] };
 * assert.deepEqual(core.blocks, [100]);
 * ```
 */
export interface GroupState {
  /** Group name. */
  readonly name: string;
  /** The latest `updatedAt` of a record applied for this group, in ms since the epoch. */
  readonly updatedAt: number;
  /** Ids of the blocks whose latest record was read for this group, in profile order. */
  readonly blocks: readonly number[];
}

/**
 * Who the station is, as far as it is known; every unknown is null, never 0 or "".
 *
 * @example
 * ```ts
 * import type { DeviceIdentity } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const identity: DeviceIdentity = {
 *   model: "EL100V2",
 *   serial: null,
 *   firmware: null,
 *   protocolVersion: null,
 * };
 * assert.equal(identity.serial, null);
 * ```
 */
export interface DeviceIdentity {
  /** Model, as the plugin's identity extraction finds it. */
  readonly model: string | null;
  /** Serial number, as the plugin's identity extraction finds it. */
  readonly serial: string | null;
  /** Software versions by module (`{ "module_1": 10047 }`). */
  readonly firmware: Readonly<Record<string, number>> | null;
  /** The station's protocol version. */
  readonly protocolVersion: number | null;
}

/**
 * One block in a {@linkcode DeviceSnapshot}.
 *
 * @example
 * ```ts
 * import type { BlockSnapshot } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const block: BlockSnapshot = {
 *   blockId: 100,
 *   name: "APP_HOME_DATA",
 *   group: "core",
 *   updatedAt: "2023-11-14T22:13:20.000Z",
 *   updatedAtMs: 1_700_000_000_000,
 *   values: { soc: 80 },
 *   units: { soc: "%" },
 *   warnings: [],
 *   missing: [],
 * };
 * assert.equal(Date.parse(block.updatedAt), block.updatedAtMs);
 * ```
 */
export interface BlockSnapshot {
  /** Block id. */
  blockId: number;
  /** Block name. */
  name: string;
  /** The poll group, or null. */
  group: string | null;
  /** When it was read, ISO 8601 UTC. */
  updatedAt: string;
  /** When it was read, milliseconds since the epoch. */
  updatedAtMs: number;
  /** Field name -> value. */
  values: Record<string, FieldValue>;
  /** Field path -> unit. */
  units: Record<string, string>;
  /** Decode and plausibility warnings. */
  warnings: { field: string | null; offset: number | null; message: string }[];
  /** Paths of the fields whose bytes were not in the data. */
  missing: string[];
}

/**
 * One group in a {@linkcode DeviceSnapshot}.
 *
 * @example
 * ```ts
 * import type { GroupSnapshot } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const group: GroupSnapshot = {
 *   name: "core",
 *   updatedAt: "2023-11-14T22:13:20.000Z",
 *   updatedAtMs: 1_700_000_000_000,
 *   blocks: [100],
 * };
 * assert.equal(group.blocks.length, 1);
 * ```
 */
export interface GroupSnapshot {
  /** Group name. */
  name: string;
  /** When one of its blocks was last read, ISO 8601 UTC. */
  updatedAt: string;
  /** The same, in milliseconds since the epoch. */
  updatedAtMs: number;
  /** Ids of its blocks. */
  blocks: number[];
}

/**
 * A plain, JSON-safe picture of a station's state for sinks: no raw bytes, no class
 * instances; non-finite numbers become null and -0 becomes 0, so
 * `JSON.parse(JSON.stringify(snapshot))` deep-equals it.
 *
 * @example
 * ```ts
 * import { DeviceState, getProfile } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const snapshot = new DeviceState({ profile: getProfile("EL100V2") }).snapshot();
 * assert.equal(snapshot.profile, "EL100V2");
 * assert.deepEqual(snapshot.blocks, []);
 * assert.equal(snapshot.updatedAt, null);
 * ```
 */
export interface DeviceSnapshot {
  /** The profile's id. */
  profile: string;
  /** Model, serial, firmware and protocol version. */
  identity: {
    model: string | null;
    serial: string | null;
    firmware: Record<string, number> | null;
    protocolVersion: number | null;
  };
  /** The latest update of any block, ISO 8601 UTC; null before the first record. */
  updatedAt: string | null;
  /** Groups with at least one record, in profile order (others after them, by name). */
  groups: GroupSnapshot[];
  /** Blocks with a record, in the merged view's precedence order. */
  blocks: BlockSnapshot[];
  /** The merged view ({@linkcode DeviceState.merged}). */
  merged: Record<string, FieldValue>;
}

interface GroupEntry {
  updatedAt: number;
  blocks: Set<number>;
}

/**
 * A station's state, built from decoded records: the latest record per block and per poll
 * group with timestamps, the station's identity, a merged view of all fields and a JSON-safe
 * snapshot. It knows nothing of bytes or sockets.
 *
 * Records are checked for plausibility when applied (warnings added, values kept). A record
 * replaces the block's current one unless it is older (`at` before the stored `updatedAt`):
 * a record that arrives late never overwrites a newer one; of two with the same time, the one
 * applied last wins.
 *
 * The merged view uses explicit precedence, not "last write wins": a bare field name takes the
 * first non-null value in profile order - the profile's groups in order, the blocks of each in
 * order, each block once; then blocks outside the profile by ascending id. Every field of
 * every block is also reachable by its namespaced key `"<blockId>.<field>"` in
 * {@linkcode DeviceState.namespaced}.
 *
 * @example Build state from two blocks that both hold `soc`
 * ```ts
 * import { BLUETTI_V2, DeviceState, getProfile } from "@power-sdk/sdk";
 * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const registry = createBluettiRegistry();
 * const home = registry.require(100);
 * const pack = registry.require(6000);
 * const state = new DeviceState({ profile: getProfile("EL100V2"), identity: BLUETTI_V2.identity });
 * state.apply(home.decode(home.encode({ soc: 81, device_model: "EL100V2" }, { length: 124 })), {
 *   at: 1_000,
 * });
 * state.apply(pack.decode(pack.encode({ soc: 80 }, { length: 64 })), { at: 2_000 });
 *
 * assert.equal(state.merged().soc, 81); // block 100 comes first in the profile
 * assert.equal(state.namespaced()["6000.soc"], 80);
 * assert.equal(state.block(6000)?.group, "battery");
 * assert.equal(state.identity().model, "EL100V2");
 * assert.equal(state.identity().serial, null);
 * ```
 */
export class DeviceState {
  #profile: DeviceProfile;
  #protocolVersion: number | null;
  #identify: IdentityExtractor | undefined;
  #plausibility: PlausibilityOptions | false;
  #blocks = new Map<number, BlockState>();
  #groups = new Map<string, GroupEntry>();
  #recordProtocolVersion: number | null = null;
  #order: Map<number, number>;

  /**
   * Create an empty state.
   *
   * @param options The profile, protocol version and plausibility options.
   */
  constructor(options: DeviceStateOptions) {
    this.#profile = options.profile;
    this.#protocolVersion = options.protocolVersion === undefined
      ? options.profile.protocolVersion
      : options.protocolVersion;
    this.#plausibility = options.plausibility ?? {};
    this.#identify = options.identity;
    this.#order = new Map(profileBlocks(options.profile).map((id, i) => [id, i]));
  }

  /** The station's profile. */
  get profile(): DeviceProfile {
    return this.#profile;
  }

  /**
   * Take a decoded record into the state, unless the block already holds a newer one.
   *
   * @param record The decoded record (its raw bytes are not kept).
   * @param options The poll group and the time of the read.
   * @returns Whether the record was taken: false when it is older than the block's current one,
   * or suspect (a value that cannot be true, see {@linkcode checkPlausibility}): a suspect
   * record never replaces good values.
   * @throws {RangeError} when `at` is not a valid time (a finite number of ms a `Date` can hold).
   *
   * @example A late record does not overwrite a newer one
   * ```ts
   * import { DeviceState, getProfile } from "@power-sdk/sdk";
   * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
   * import assert from "node:assert/strict";
   *
   * const schema = createBluettiRegistry().require(100);
   * const state = new DeviceState({ profile: getProfile("EL100V2") });
   * assert.equal(state.apply(schema.decode(schema.encode({ soc: 90 }, { length: 124 })), { at: 2_000 }), true);
   * assert.equal(state.apply(schema.decode(schema.encode({ soc: 70 }, { length: 124 })), { at: 1_000 }), false);
   * assert.equal(state.block(100)?.values.soc, 90);
   * assert.equal(state.block(100)?.updatedAt, 2_000);
   * ```
   */
  apply(record: BlockRecord, options: ApplyOptions = {}): boolean {
    const at = options.at ?? Date.now();
    // What `new Date(at)` accepts as a time (TimeClip), without making the Date.
    if (typeof at !== "number" || !(Math.abs(at) <= MAX_TIME_MS)) {
      throw new RangeError(
        `Cannot apply block ${record.blockId} as 'at' must be a time in ms since the epoch: current value is ${
          String(at)
        }`,
      );
    }
    const current = this.#blocks.get(record.blockId);
    if (current !== undefined && at < current.updatedAt) return false;

    const checked = this.#plausibility === false
      ? record
      : checkPlausibility(record, this.#plausibility);
    if (checked.suspect === true) return false;
    const group = options.group ?? this.#defaultGroup(record.blockId);
    if (current !== undefined && current.group !== null && current.group !== group) {
      this.#groups.get(current.group)?.blocks.delete(record.blockId);
    }
    this.#blocks.set(
      record.blockId,
      Object.freeze({
        blockId: record.blockId,
        name: record.name,
        values: frozenCopy(checked.values),
        // Frozen parts of the record (a schema's units, a decode's lists) cannot change: shared.
        units: Object.isFrozen(checked.units) ? checked.units : Object.freeze({ ...checked.units }),
        warnings: frozenWarnings(checked.warnings),
        missing: Object.isFrozen(checked.missing)
          ? checked.missing
          : Object.freeze([...checked.missing]),
        updatedAt: at,
        group,
      }),
    );
    if (group !== null) {
      const entry = this.#groups.get(group) ?? { updatedAt: at, blocks: new Set<number>() };
      entry.updatedAt = Math.max(entry.updatedAt, at);
      entry.blocks.add(record.blockId);
      this.#groups.set(group, entry);
    }
    if (record.protocolVersion !== null) this.#recordProtocolVersion = record.protocolVersion;
    return true;
  }

  /**
   * The latest record of one block.
   *
   * @param id The block id.
   * @returns Its state, or null when no record of it has been applied.
   *
   * @example
   * ```ts
   * import { DeviceState, getProfile } from "@power-sdk/sdk";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new DeviceState({ profile: getProfile("EL100V2") }).block(100), null);
   * ```
   */
  block(id: number): BlockState | null {
    return this.#blocks.get(id) ?? null;
  }

  /**
   * One poll group's state.
   *
   * @param name The group's name.
   * @returns Its state, or null when no record has been applied for it.
   *
   * @example
   * ```ts
   * import { DeviceState, getProfile } from "@power-sdk/sdk";
   * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
   * import assert from "node:assert/strict";
   *
   * const schema = createBluettiRegistry().require(6000);
   * const state = new DeviceState({ profile: getProfile("EL100V2") });
   * state.apply(schema.decode(schema.encode({ soc: 80 }, { length: 64 })), { at: 5_000 });
   * assert.deepEqual(state.group("battery"), { name: "battery", updatedAt: 5_000, blocks: [6000] });
   * assert.equal(state.group("core"), null);
   * ```
   */
  group(name: string): GroupState | null {
    const entry = this.#groups.get(name);
    if (entry === undefined || entry.blocks.size === 0) return null;
    return Object.freeze({
      name,
      updatedAt: entry.updatedAt,
      blocks: Object.freeze(this.#sortIds([...entry.blocks])),
    });
  }

  /**
   * Who the station is, from the records applied so far: model, serial and firmware as the
   * plugin's identity extraction (the `identity` option) finds them. Protocol version: the one given to the
   * constructor (or the profile's), else the latest record's. Empty text, an all-zero serial
   * ("0") and absent values are null.
   *
   * @returns The identity.
   *
   * @example
   * ```ts
   * import { BLUETTI_V2, DeviceState, getProfile } from "@power-sdk/sdk";
   * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
   * import assert from "node:assert/strict";
   *
   * const schema = createBluettiRegistry().require(1100);
   * const state = new DeviceState({ profile: getProfile("EL100V2"), identity: BLUETTI_V2.identity });
   * assert.deepEqual(state.identity(), {
   *   model: null,
   *   serial: null,
   *   firmware: null,
   *   protocolVersion: null,
   * });
   * state.apply(schema.decode(schema.encode({
   *   inv_type: "EL100V2",
   *   inv_sn: "2345000012345",
   *   software_number: 2,
   *   software_0_module_id: 1,
   *   software_0_version: 10047,
   *   software_1_module_id: 0,
   *   software_1_version: 0,
   * }, { length: 62 })));
   * assert.deepEqual(state.identity(), {
   *   model: "EL100V2",
   *   serial: "2345000012345",
   *   firmware: { module_1: 10047 },
   *   protocolVersion: null,
   * });
   * ```
   */
  identity(): DeviceIdentity {
    const found = this.#identify?.((id) => this.#blocks.get(id)?.values) ?? {};
    return Object.freeze({
      model: text(found.model),
      serial: serial(found.serial),
      firmware: found.firmware ?? null,
      protocolVersion: this.#protocolVersion ?? this.#recordProtocolVersion,
    });
  }

  /**
   * The merged view: every top-level field name of every block once, its value taken from the
   * first block in precedence order whose value is not null (null when every block holding it
   * says null). Precedence is profile order: the profile's groups in order, the blocks of each
   * in order; then blocks outside the profile by ascending id. Use
   * {@linkcode DeviceState.namespaced} for a particular block's value.
   *
   * @returns Field name -> value (a new object; values are frozen).
   *
   * @example
   * ```ts
   * import { DeviceState, getProfile } from "@power-sdk/sdk";
   * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
   * import assert from "node:assert/strict";
   *
   * const registry = createBluettiRegistry();
   * const state = new DeviceState({ profile: getProfile("EL100V2") });
   * const pack = registry.require(6000);
   * state.apply(pack.decode(pack.encode({ soc: 80, soh: 99 }, { length: 64 })), { at: 2 });
   * assert.equal(state.merged().soc, 80);
   * const home = registry.require(100);
   * state.apply(home.decode(home.encode({ soc: 81 }, { length: 124 })), { at: 1 });
   * assert.equal(state.merged().soc, 81); // block 100 precedes 6000 in the profile
   * assert.equal(state.merged().soh, 99);
   * ```
   */
  merged(): Readonly<Record<string, FieldValue>> {
    const merged: Record<string, FieldValue> = {};
    for (const block of this.#ordered()) {
      for (const [name, value] of Object.entries(block.values)) {
        if (!Object.hasOwn(merged, name) || merged[name] === null) merged[name] = value;
      }
    }
    return merged;
  }

  /**
   * Every field of every block under its namespaced key `"<blockId>.<field>"`, in precedence
   * order.
   *
   * @returns Namespaced key -> value (a new object; values are frozen).
   *
   * @example
   * ```ts
   * import { DeviceState, getProfile } from "@power-sdk/sdk";
   * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
   * import assert from "node:assert/strict";
   *
   * const schema = createBluettiRegistry().require(6000);
   * const state = new DeviceState({ profile: getProfile("EL100V2") });
   * state.apply(schema.decode(schema.encode({ soc: 80 }, { length: 64 })));
   * assert.equal(state.namespaced()["6000.soc"], 80);
   * assert.equal(state.namespaced()["soc"], undefined);
   * ```
   */
  namespaced(): Readonly<Record<string, FieldValue>> {
    const all: Record<string, FieldValue> = {};
    for (const block of this.#ordered()) {
      for (const [name, value] of Object.entries(block.values)) {
        all[`${block.blockId}.${name}`] = value;
      }
    }
    return all;
  }

  /**
   * A plain, JSON-safe picture of the state for sinks: identity, groups, blocks (without raw
   * bytes) with ISO 8601 and epoch-ms timestamps, and the merged view.
   *
   * @returns A new {@linkcode DeviceSnapshot}, shared with nothing.
   *
   * @example The snapshot survives a JSON round trip
   * ```ts
   * import { DeviceState, getProfile } from "@power-sdk/sdk";
   * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
   * import assert from "node:assert/strict";
   *
   * const schema = createBluettiRegistry().require(100);
   * const state = new DeviceState({ profile: getProfile("EL100V2") });
   * state.apply(schema.decode(schema.encode({ soc: 81 }, { length: 124 })), { at: 1_700_000_000_000 });
   * const snapshot = state.snapshot();
   * assert.equal(snapshot.blocks[0]?.updatedAt, "2023-11-14T22:13:20.000Z");
   * assert.equal(snapshot.merged.soc, 81);
   * assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot);
   * ```
   */
  snapshot(): DeviceSnapshot {
    const identity = this.identity();
    const blocks = this.#ordered();
    const latest = blocks.reduce((max, b) => Math.max(max, b.updatedAt), -Infinity);
    const groupOrder = this.#profile.groups.map((g) => g.name);
    const groupNames = [...this.#groups.keys()].sort((a, b) => {
      const ia = groupOrder.indexOf(a);
      const ib = groupOrder.indexOf(b);
      if (ia !== ib) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
      return a < b ? -1 : a > b ? 1 : 0;
    });
    const groups: GroupSnapshot[] = [];
    for (const name of groupNames) {
      const group = this.group(name);
      if (group === null) continue;
      groups.push({
        name,
        updatedAt: iso(group.updatedAt),
        updatedAtMs: group.updatedAt,
        blocks: [...group.blocks],
      });
    }
    return {
      profile: this.#profile.id,
      identity: {
        model: identity.model,
        serial: identity.serial,
        firmware: identity.firmware === null ? null : { ...identity.firmware },
        protocolVersion: jsonNumber(identity.protocolVersion),
      },
      updatedAt: blocks.length === 0 ? null : iso(latest),
      groups,
      blocks: blocks.map((b) => ({
        blockId: b.blockId,
        name: b.name,
        group: b.group,
        updatedAt: iso(b.updatedAt),
        updatedAtMs: b.updatedAt,
        values: jsonValues(b.values),
        units: { ...b.units },
        warnings: b.warnings.map((w) => ({
          field: w.field,
          offset: jsonNumber(w.offset),
          message: w.message,
        })),
        missing: [...b.missing],
      })),
      merged: jsonValues(this.merged()),
    };
  }

  #defaultGroup(blockId: number): string | null {
    return this.#profile.groups.find((g) => g.blocks.includes(blockId))?.name ?? null;
  }

  #rank(id: number): number {
    return this.#order.get(id) ?? Infinity;
  }

  #sortIds(ids: number[]): number[] {
    return ids.sort((a, b) => {
      const ra = this.#rank(a);
      const rb = this.#rank(b);
      return ra === rb ? a - b : ra - rb;
    });
  }

  /** The stored blocks in precedence order. */
  #ordered(): BlockState[] {
    return this.#sortIds([...this.#blocks.keys()]).map((id) => this.#blocks.get(id)!);
  }
}

function text(value: FieldValue | undefined): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

function serial(value: FieldValue | undefined): string | null {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? String(value) : null;
  const found = text(value);
  return found === null || /^0+$/.test(found) ? null : found;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function jsonNumber<T extends number | null>(value: T): T | null {
  if (value === null) return null;
  if (!Number.isFinite(value)) return null;
  return (Object.is(value, -0) ? 0 : value) as T;
}

function jsonValue(value: FieldValue): FieldValue {
  if (typeof value === "number") return jsonNumber(value);
  if (value === null || typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((v: FieldValue) => jsonValue(v));
  return jsonValues(value as { readonly [name: string]: FieldValue });
}

function jsonValues(values: { readonly [name: string]: FieldValue }): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(values)) out[name] = jsonValue(value);
  return out;
}

/** The largest time a Date holds, ms either side of the epoch. */
const MAX_TIME_MS = 8.64e15;

const NO_WARNINGS: readonly DecodeWarning[] = Object.freeze([]);

function frozenWarnings(warnings: readonly DecodeWarning[]): readonly DecodeWarning[] {
  if (warnings.length === 0) return NO_WARNINGS;
  if (Object.isFrozen(warnings) && warnings.every((w) => Object.isFrozen(w))) return warnings;
  return Object.freeze(warnings.map((w) => Object.freeze({ ...w })));
}

/** Past this depth (a cycle, most likely) a value is copied by structuredClone. */
const MAX_COPY_DEPTH = 16;

/**
 * A deeply frozen copy of decoded values: what `deepFreeze(structuredClone(values))` gives for
 * the plain objects, arrays and primitives a decode makes, in one pass and without the
 * serialization structuredClone goes through. A plain object is copied by spreading it (V8 copies
 * its layout at once, where adding its properties one by one grows the copy several times) and
 * an array by slicing it; then the objects inside are copied. Anything else (a Date, a typed
 * array, a cycle) is copied by structuredClone.
 */
function frozenCopy<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_COPY_DEPTH) return deepFreeze(structuredClone(value));
  if (Array.isArray(value)) {
    const copy = value.slice();
    for (let i = 0; i < copy.length; i++) {
      const inner = copy[i];
      if (inner !== null && typeof inner === "object") copy[i] = frozenCopy(inner, depth + 1);
    }
    return Object.freeze(copy) as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return deepFreeze(structuredClone(value));
  // Spreading defines an own `__proto__` key as a property, as structuredClone does.
  const copy = { ...value } as Record<string, unknown>;
  for (const key in copy) {
    const inner = copy[key];
    if (inner === null || typeof inner !== "object") continue;
    const frozen = frozenCopy(inner, depth + 1);
    // An own `__proto__` key stays a property, not a prototype.
    if (key === "__proto__") {
      Object.defineProperty(copy, key, { value: frozen, enumerable: true, writable: true });
    } else copy[key] = frozen;
  }
  return Object.freeze(copy) as T;
}
