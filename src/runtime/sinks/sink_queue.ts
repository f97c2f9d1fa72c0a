import type { Sink, Snapshot } from "../types.ts";
import { RingBuffer } from "./_ring_buffer.ts";

/**
 * Options of a {@linkcode SinkQueue}.
 *
 * @example
 * ```ts
 * import { MemorySink } from "@power-sdk/sdk";
 * import { SinkQueue, type SinkQueueOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const options: SinkQueueOptions = { size: 50, drop: "newest" };
 * const queue = new SinkQueue(new MemorySink("memory"), options);
 * assert.equal(queue.size, 50);
 * await queue.close();
 * ```
 */
export interface SinkQueueOptions {
  /**
   * How many snapshots may wait; a positive integer.
   * @default {1000}
   */
  readonly size?: number;
  /**
   * Which snapshot is dropped when a snapshot arrives at a full queue: the oldest waiting one
   * (the new one is queued) or the newest, that is the one arriving.
   * @default {"oldest"}
   */
  readonly drop?: "oldest" | "newest";
  /** Called with every dropped snapshot. An exception thrown here is ignored. */
  readonly onDrop?: (snapshot: Snapshot) => void;
  /**
   * Called when the sink's `write` rejected (or its `writeMany`: once per call, with the first
   * of its snapshots; each is counted as failed); the queue goes on with the next snapshot. An
   * exception thrown here is ignored.
   */
  readonly onError?: (error: unknown, snapshot: Snapshot) => void;
}

/**
 * Options of {@linkcode SinkQueue.close}.
 *
 * @example
 * ```ts
 * import type { SinkQueueCloseOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const options: SinkQueueCloseOptions = { deadlineMs: 5_000 };
 * assert.equal(options.deadlineMs, 5_000);
 * ```
 */
export interface SinkQueueCloseOptions {
  /**
   * How long to wait for the queue to drain, in milliseconds; what is still waiting then is
   * dropped. A number >= 0.
   * @default {no deadline: wait until every snapshot was written}
   */
  readonly deadlineMs?: number;
  /** Stop waiting for the drain when aborted, as the deadline does. */
  readonly signal?: AbortSignal;
}

/**
 * The counters of a {@linkcode SinkQueue}.
 *
 * @example
 * ```ts
 * import type { SinkQueueCounters } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const counters: SinkQueueCounters = { queued: 0, written: 3, dropped: 1, failed: 0 };
 * assert.equal(counters.written + counters.dropped, 4);
 * ```
 */
export interface SinkQueueCounters {
  /** Snapshots waiting now (not counting the one being written). */
  readonly queued: number;
  /** Snapshots the sink took. */
  readonly written: number;
  /** Snapshots dropped: by a full queue, pushed after close, or left at the close deadline. */
  readonly dropped: number;
  /** Snapshots whose write the sink rejected. */
  readonly failed: number;
}

/** The most snapshots handed to one `writeMany` call. */
const MAX_BATCH = 256;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A bounded queue in front of one sink, so that producers never wait for it: {@linkcode
 * SinkQueue.push} returns at once, and a single drain loop hands the snapshots to the sink one
 * at a time, awaiting each `write`. When the queue is full, a snapshot is dropped (the oldest
 * waiting one by default) and counted. A failed write is counted, reported to `onError`, and
 * the loop goes on. The loop runs only while there is work: an idle queue holds no timer.
 *
 * @example Queue snapshots for a slow sink and close it at shutdown
 * ```ts
 * import { MemorySink, type Snapshot } from "@power-sdk/sdk";
 * import { SinkQueue } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * function snapshot(soc: number): Snapshot {
 *   return {
 *     deviceId: "garage", profile: "EL100V2", mode: "pull", group: "core",
 *     at: new Date().toISOString(), ok: true, errors: [],
 *     blocks: [{ blockId: 100, name: "APP_HOME_DATA", values: { soc }, units: {}, warnings: [] }],
 *     metrics: {
 *       ok: 1, errors: 0, consecutiveErrors: 0, lastSuccess: null, reconnects: 0,
 *       droppedSnapshots: 0, lastLatencyMs: 12, lastLatenessMs: 0,
 *     },
 *   };
 * }
 *
 * const memory = new MemorySink("memory");
 * const queue = new SinkQueue(memory, { size: 2 });
 * assert.equal(queue.push(snapshot(1)), true);
 * assert.equal(queue.push(snapshot(2)), true);
 * assert.equal(queue.push(snapshot(3)), false); // full: snapshot 1 is dropped
 * await queue.close();
 * assert.deepEqual(memory.snapshots("garage").map((s) => s.blocks[0]?.values.soc), [2, 3]);
 * assert.deepEqual(queue.counters, { queued: 0, written: 2, dropped: 1, failed: 0 });
 * ```
 */
export class SinkQueue {
  readonly #sink: Sink;
  readonly #buffer: RingBuffer<Snapshot>;
  readonly #drop: "oldest" | "newest";
  readonly #onDrop: ((snapshot: Snapshot) => void) | undefined;
  readonly #onError: ((error: unknown, snapshot: Snapshot) => void) | undefined;
  #running = false;
  #closed = false;
  #closing: Promise<void> | null = null;
  #idle: (() => void)[] = [];
  #written = 0;
  #dropped = 0;
  #failed = 0;
  /** Snapshots of the write call in flight, and the first of them. */
  #inFlight = 0;
  #firstInFlight: Snapshot | null = null;

  /**
   * Put a queue in front of a sink.
   *
   * @param sink The sink written to.
   * @param options Size, drop policy and callbacks.
   * @throws {RangeError} when `size` is not a positive integer.
   * @throws {TypeError} when `drop` is neither `"oldest"` nor `"newest"`.
   */
  constructor(sink: Sink, options: SinkQueueOptions = {}) {
    const size = options.size ?? 1000;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(
        `Cannot create a queue for sink '${sink.name}' as 'size' must be a positive integer: current value is ${size}`,
      );
    }
    const drop = options.drop ?? "oldest";
    if (drop !== "oldest" && drop !== "newest") {
      throw new TypeError(
        `Cannot create a queue for sink '${sink.name}' as 'drop' must be "oldest" or "newest": current value is ${
          JSON.stringify(drop)
        }`,
      );
    }
    this.#sink = sink;
    this.#buffer = new RingBuffer(size);
    this.#drop = drop;
    this.#onDrop = options.onDrop;
    this.#onError = options.onError;
  }

  /** The sink written to. */
  get sink(): Sink {
    return this.#sink;
  }

  /** How many snapshots may wait. */
  get size(): number {
    return this.#buffer.capacity;
  }

  /** The counters, as of now (a new object each time). */
  get counters(): SinkQueueCounters {
    return {
      queued: this.#buffer.length,
      written: this.#written,
      dropped: this.#dropped,
      failed: this.#failed,
    };
  }

  /**
   * Queue a snapshot without waiting. Never throws: after {@linkcode SinkQueue.close} the
   * snapshot is dropped.
   *
   * @param snapshot The snapshot.
   * @returns `true` when nothing was dropped; `false` when this or another snapshot was.
   */
  push(snapshot: Snapshot): boolean {
    if (this.#closed) {
      this.#dropOne(snapshot);
      return false;
    }
    let dropped = false;
    if (this.#buffer.length >= this.#buffer.capacity) {
      if (this.#drop === "newest") {
        this.#dropOne(snapshot);
        return false;
      }
      this.#dropOne(this.#buffer.shift()!);
      dropped = true;
    }
    this.#buffer.push(snapshot);
    if (!this.#running) {
      this.#running = true;
      // Start after the caller's synchronous code: push() never runs the sink's code itself.
      queueMicrotask(this.#next);
    }
    return !dropped;
  }

  /**
   * Wait until the queue is empty and no write is in flight.
   *
   * @returns A promise that resolves then (at once when idle); it never rejects.
   */
  drain(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Refuse further snapshots, drain the queue, then flush and close the sink. With a deadline
   * (or an aborted signal), the snapshots still waiting then are dropped; a write in flight is
   * not waited for, and the sink is flushed and closed after it anyway (a sink serializes its
   * calls, or abandons the write). Calling it again returns the same promise.
   *
   * @param options A deadline for the drain.
   * @returns A promise that resolves once the sink is closed.
   * @throws {RangeError} (as a rejection) when `deadlineMs` is not a number >= 0.
   * @throws {Error} (as a rejection) when the sink's `flush` or `close` failed (the sink is
   * closed even when its flush failed).
   */
  close(options: SinkQueueCloseOptions = {}): Promise<void> {
    const { deadlineMs, signal } = options;
    if (deadlineMs !== undefined && !(deadlineMs >= 0)) {
      return Promise.reject(
        new RangeError(
          `Cannot close the queue of sink '${this.#sink.name}' as 'deadlineMs' must be a number >= 0: current value is ${deadlineMs}`,
        ),
      );
    }
    this.#closing ??= this.#close(deadlineMs, signal);
    return this.#closing;
  }

  async #close(deadlineMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    this.#closed = true;
    if (deadlineMs === undefined && signal === undefined) {
      await this.drain();
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const stop = new Promise<void>((resolve) => {
        if (deadlineMs !== undefined) timer = setTimeout(resolve, deadlineMs);
        if (signal?.aborted) resolve();
        else if (signal) {
          onAbort = resolve;
          signal.addEventListener("abort", onAbort, { once: true });
        }
      });
      try {
        await Promise.race([this.drain(), stop]);
      } finally {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener("abort", onAbort);
      }
      while (this.#buffer.length > 0) this.#dropOne(this.#buffer.shift()!);
    }
    const failures: string[] = [];
    let cause: unknown;
    try {
      await this.#sink.flush();
    } catch (error) {
      failures.push(`flush failed: ${message(error)}`);
      cause = error;
    }
    try {
      await this.#sink.close();
    } catch (error) {
      failures.push(`close failed: ${message(error)}`);
      cause ??= error;
    }
    if (failures.length > 0) {
      throw new Error(
        `Cannot close sink '${this.#sink.name}' cleanly: ${failures.join("; ")}`,
        { cause },
      );
    }
  }

  // The write loop, as callbacks made once per queue rather than an async function per run: at a
  // steady pace the queue empties after each snapshot and a run starts for every one.

  /** Write what waits, one call at a time; at the end, tell those who wait for the drain. */
  #next = (): void => {
    const buffer = this.#buffer;
    if (buffer.length === 0) {
      this.#running = false;
      if (this.#idle.length > 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
      return;
    }
    // A sink that stores many snapshots as cheaply as one takes everything that waited.
    const batch = this.#sink.writeMany !== undefined && buffer.length > 1;
    let snapshots: Snapshot[] | null = null;
    let written: Promise<void>;
    if (!batch) {
      // One snapshot (the usual case at a steady pace): no batch array.
      const snapshot = buffer.shift()!;
      this.#inFlight = 1;
      this.#firstInFlight = snapshot;
      try {
        written = Promise.resolve(this.#sink.write(snapshot));
      } catch (error) {
        written = Promise.reject(error);
      }
    } else {
      snapshots = [];
      while (buffer.length > 0 && snapshots.length < MAX_BATCH) snapshots.push(buffer.shift()!);
      this.#inFlight = snapshots.length;
      this.#firstInFlight = snapshots[0]!;
      try {
        written = Promise.resolve(this.#sink.writeMany!(snapshots));
      } catch (error) {
        written = Promise.reject(error);
      }
    }
    written.then(this.#onWritten, this.#onWriteFailed);
  };

  #onWritten = (): void => {
    this.#written += this.#inFlight;
    this.#firstInFlight = null;
    this.#next();
  };

  #onWriteFailed = (error: unknown): void => {
    this.#failed += this.#inFlight;
    const first = this.#firstInFlight!;
    this.#firstInFlight = null;
    // Reported once per failed call, with its first snapshot.
    this.#reportError(error, first);
    this.#next();
  };

  #reportError(error: unknown, snapshot: Snapshot): void {
    try {
      this.#onError?.(error, snapshot);
    } catch {
      // A failing reporter must not stop the queue.
    }
  }

  #dropOne(snapshot: Snapshot): void {
    this.#dropped++;
    try {
      this.#onDrop?.(snapshot);
    } catch {
      // push() never throws.
    }
  }
}
