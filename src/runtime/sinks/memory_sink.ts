import type { Sink, Snapshot } from "../types.ts";
import { RingBuffer } from "./_ring_buffer.ts";

/**
 * Options of a {@linkcode MemorySink}.
 *
 * @example
 * ```ts
 * import { MemorySink } from "@power-sdk/sdk";
 * import { type MemorySinkOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const options: MemorySinkOptions = { size: 10 };
 * assert.equal(new MemorySink("memory", options).size, 10);
 * ```
 */
export interface MemorySinkOptions {
  /**
   * How many snapshots are kept per device; older ones are forgotten. A positive integer.
   * @default {100}
   */
  readonly size?: number;
}

/**
 * A sink that keeps the latest snapshots of every device in memory: a ring buffer per
 * `deviceId`, oldest first. For tests, dashboards in the same process and "what did the last
 * poll say". Snapshots are kept as given (not copied or redacted): nothing leaves the process.
 *
 * @example Keep the last two snapshots of each device
 * ```ts
 * import { MemorySink, type Snapshot } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * function snapshot(deviceId: string, soc: number): Snapshot {
 *   return {
 *     deviceId, profile: "EL100V2", mode: "pull", group: "core", at: new Date().toISOString(),
 *     ok: true, errors: [],
 *     blocks: [{ blockId: 100, name: "APP_HOME_DATA", values: { soc }, units: { soc: "%" }, warnings: [] }],
 *     metrics: {
 *       ok: 1, errors: 0, consecutiveErrors: 0, lastSuccess: null, reconnects: 0,
 *       droppedSnapshots: 0, lastLatencyMs: 12, lastLatenessMs: 0,
 *     },
 *   };
 * }
 *
 * const sink = new MemorySink("memory", { size: 2 });
 * for (const soc of [80, 81, 82]) await sink.write(snapshot("garage", soc));
 * await sink.write(snapshot("attic", 50));
 * assert.deepEqual(sink.devices(), ["garage", "attic"]);
 * assert.deepEqual(sink.snapshots("garage").map((s) => s.blocks[0]?.values.soc), [81, 82]);
 * assert.equal(sink.latest("attic")?.blocks[0]?.values.soc, 50);
 * await sink.close();
 * ```
 */
export class MemorySink implements Sink {
  /** The sink's name. */
  readonly name: string;
  /** How many snapshots are kept per device. */
  readonly size: number;
  readonly #buffers = new Map<string, RingBuffer<Snapshot>>();
  #closed = false;

  /**
   * Make an empty memory sink.
   *
   * @param name The sink's name.
   * @param options The buffer size per device.
   * @throws {RangeError} when `size` is not a positive integer.
   */
  constructor(name: string, options: MemorySinkOptions = {}) {
    const size = options.size ?? 100;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(
        `Cannot create memory sink '${name}' as 'size' must be a positive integer: current value is ${size}`,
      );
    }
    this.name = name;
    this.size = size;
  }

  /**
   * Keep a snapshot; when its device already has `size` snapshots, the oldest is forgotten.
   *
   * @param snapshot The snapshot.
   * @returns A promise that resolves once the snapshot is kept.
   * @throws {Error} (as a rejection) after {@linkcode MemorySink.close}.
   */
  write(snapshot: Snapshot): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new Error(`Cannot write to memory sink '${this.name}': it is closed`),
      );
    }
    let buffer = this.#buffers.get(snapshot.deviceId);
    if (buffer === undefined) {
      buffer = new RingBuffer(this.size);
      this.#buffers.set(snapshot.deviceId, buffer);
    }
    buffer.push(snapshot);
    return Promise.resolve();
  }

  /**
   * Nothing to make durable: resolves at once.
   *
   * @returns A resolved promise.
   */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Refuse further writes; what was kept stays readable.
   *
   * @returns A resolved promise.
   */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /**
   * The snapshots kept for a device, oldest first.
   *
   * @param deviceId The device's id.
   * @returns A new array; empty for a device never seen.
   */
  snapshots(deviceId: string): Snapshot[] {
    return this.#buffers.get(deviceId)?.toArray() ?? [];
  }

  /**
   * The newest snapshot of a device.
   *
   * @param deviceId The device's id.
   * @returns The snapshot, or `undefined` for a device never seen.
   */
  latest(deviceId: string): Snapshot | undefined {
    return this.#buffers.get(deviceId)?.last();
  }

  /**
   * The devices that have snapshots, in the order they were first seen.
   *
   * @returns A new array of device ids.
   */
  devices(): string[] {
    return [...this.#buffers.keys()];
  }

  /** Forget every snapshot of every device. */
  clear(): void {
    this.#buffers.clear();
  }
}
