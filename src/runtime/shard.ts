import type { ResolvedDevice } from "./types.ts";

/** One of `count` instances sharing a configuration: `index` is 0-based. */
export interface Shard {
  /** This instance, `0 <= index < count` (a Kubernetes StatefulSet ordinal). */
  readonly index: number;
  /** How many instances share the devices. */
  readonly count: number;
}

/**
 * Parse `i/n` (as given to `runtime --shard`): instance `i` of `n`, `0 <= i < n`.
 *
 * @param text For example `0/3`.
 * @returns The shard.
 * @throws {RangeError} If the text is not `i/n` with integers `0 <= i < n <= 10000`.
 *
 * @example
 * ```ts
 * import { parseShard } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseShard("1/3"), { index: 1, count: 3 });
 * assert.throws(() => parseShard("3/3"), RangeError);
 * ```
 */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d{1,5})\s*\/\s*(\d{1,5})\s*$/.exec(text);
  if (match === null) {
    throw new RangeError(
      `Cannot parse the shard '${
        text.slice(0, 40)
      }': expected i/n, this instance's 0-based index and the number of instances (e.g. 0/3)`,
    );
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > 10_000 || index >= count) {
    throw new RangeError(
      `Cannot use the shard ${index}/${count}: the index must be 0..${
        Math.max(0, count - 1)
      } and the count 1..10000`,
    );
  }
  return { index, count };
}

/**
 * The shard a device belongs to: rendezvous (highest random weight) hashing of its id over
 * the `count` shards. It depends only on the id and the count, so every instance computes the
 * same split without talking to the others; adding or removing a device moves no other
 * device; going from `n` to `n + 1` instances moves about `1/(n + 1)` of the devices, all to
 * the new one.
 *
 * The weight of shard `j` is `fmix32(fnv1a32(utf8(id)) ^ fmix32(j + 1))` (32-bit FNV-1a, then
 * MurmurHash3's finalizer); the highest weight wins, the lowest index on a tie.
 *
 * @param id The device id from runtime.yaml.
 * @param count How many shards.
 * @returns The shard index, `0 <= index < count`.
 * @throws {RangeError} If `count` is not a positive integer.
 *
 * @example Stable and in range
 * ```ts
 * import { shardOf } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const shard = shardOf("living_room_battery", 4);
 * assert.ok(shard >= 0 && shard < 4);
 * assert.equal(shardOf("living_room_battery", 4), shard);
 * assert.equal(shardOf("living_room_battery", 1), 0);
 * ```
 */
export function shardOf(id: string, count: number): number {
  if (!(Number.isInteger(count) && count >= 1)) {
    throw new RangeError(`Cannot pick a shard: the count must be a positive integer: got ${count}`);
  }
  const key = fnv1a32(id);
  let best = 0;
  let bestWeight = -1;
  for (let shard = 0; shard < count; shard++) {
    const weight = fmix32((key ^ fmix32(shard + 1)) >>> 0);
    if (weight > bestWeight) {
      best = shard;
      bestWeight = weight;
    }
  }
  return best;
}

/**
 * The devices of one shard, in configuration order.
 *
 * @param devices Every device of the configuration.
 * @param shard This instance.
 * @returns The devices {@linkcode shardOf} assigns to `shard.index`.
 *
 * @example Three instances cover every device exactly once
 * ```ts
 * import { devicesOfShard, type ResolvedDevice } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const devices = ["a", "b", "c", "d", "e"].map((id) => ({ id }) as ResolvedDevice);
 * const parts = [0, 1, 2].map((index) => devicesOfShard(devices, { index, count: 3 }));
 * assert.deepEqual(parts.flat().map((d) => d.id).sort(), ["a", "b", "c", "d", "e"]);
 * ```
 */
export function devicesOfShard<T extends Pick<ResolvedDevice, "id">>(
  devices: readonly T[],
  shard: Shard,
): T[] {
  return devices.filter((device) => shardOf(device.id, shard.count) === shard.index);
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
