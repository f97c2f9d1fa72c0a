import type { Sink, Snapshot } from "../types.ts";

/**
 * Options of a {@linkcode CompositeSink}.
 *
 * @example
 * ```ts
 * import { CompositeSink, MemorySink } from "@power-sdk/sdk";
 * import { type CompositeSinkOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const failures: string[] = [];
 * const options: CompositeSinkOptions = { onError: (child) => failures.push(child.name) };
 * const sink = new CompositeSink("all", [new MemorySink("memory")], options);
 * assert.equal(sink.children.length, 1);
 * ```
 */
export interface CompositeSinkOptions {
  /**
   * Called for every child whose `write`, `flush` or `close` failed. An exception thrown here
   * is ignored.
   * @default {a `console.error` line naming the composite, the child and the error}
   */
  readonly onError?: (child: Sink, error: unknown) => void;
}

/** `CODE: message` for an error with a stable code (a PowerSdkError), else the message. */
function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? `${code}: ${text}` : text;
}

function isSink(value: unknown): value is Sink {
  if (typeof value !== "object" || value === null) return false;
  const sink = value as Record<string, unknown>;
  return typeof sink.name === "string" && typeof sink.write === "function" &&
    typeof sink.flush === "function" && typeof sink.close === "function";
}

/** The children of a fan-out sink: any sink with a `children` array, like a CompositeSink. */
function childrenOf(sink: Sink): readonly Sink[] {
  const children = (sink as { children?: unknown }).children;
  return Array.isArray(children) ? children.filter(isSink) : [];
}

/** The first cycle reachable from `root`, as a path that starts and ends with the same sink. */
function findCycle(root: Sink): Sink[] | null {
  const path: Sink[] = [];
  const done = new Set<Sink>();
  function visit(sink: Sink): Sink[] | null {
    const at = path.indexOf(sink);
    if (at >= 0) return [...path.slice(at), sink];
    if (done.has(sink)) return null;
    path.push(sink);
    for (const child of childrenOf(sink)) {
      const cycle = visit(child);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(sink);
    return null;
  }
  return visit(root);
}

/**
 * A sink that hands every snapshot to several sinks (its children) at once.
 *
 * - `write` writes to all children concurrently and waits for all of them. A child that fails
 *   is reported to `onError` and does not stop the others; the composite's `write` rejects
 *   only when every child failed (with an `AggregateError` listing them). `flush` and `close`
 *   go to every child the same way.
 * - The children are fixed at construction. A composite that would contain itself, directly
 *   or through nested composites (any sink with a `children` array is followed), is refused
 *   with a `TypeError` naming the cycle, such as `a -> b -> a`; so is a child listed twice.
 *
 * @example Write to two sinks, one of which fails
 * ```ts
 * import { CompositeSink, MemorySink, type Sink, type Snapshot } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const memory = new MemorySink("memory");
 * const broken: Sink = {
 *   name: "broken",
 *   write: () => Promise.reject(new Error("disk full")),
 *   flush: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 * };
 * const failed: string[] = [];
 * const sink = new CompositeSink("all", [memory, broken], {
 *   onError: (child, error) => failed.push(`${child.name}: ${(error as Error).message}`),
 * });
 * const snapshot: Snapshot = {
 *   deviceId: "garage", profile: "EL100V2", mode: "pull", group: "core",
 *   at: "2026-11-27T05:00:00.000Z", ok: true, errors: [], blocks: [],
 *   metrics: {
 *     ok: 1, errors: 0, consecutiveErrors: 0, lastSuccess: null, reconnects: 0,
 *     droppedSnapshots: 0, lastLatencyMs: 12, lastLatenessMs: 0,
 *   },
 * };
 * await sink.write(snapshot);
 * assert.equal(memory.latest("garage"), snapshot);
 * assert.deepEqual(failed, ["broken: disk full"]);
 * await sink.close();
 * ```
 */
export class CompositeSink implements Sink {
  /** The sink's name. */
  readonly name: string;
  /** The sinks every snapshot goes to (frozen). */
  readonly children: readonly Sink[];
  readonly #onError: (child: Sink, error: unknown) => void;

  /**
   * Make a composite of sinks.
   *
   * @param name The sink's name.
   * @param children The sinks to fan out to; may be empty.
   * @param options Where the failures of single children are reported.
   * @throws {TypeError} when a child is not a sink, is listed twice, or the sinks form a cycle
   * (the message names it: `a -> b -> a`).
   */
  constructor(name: string, children: readonly Sink[], options: CompositeSinkOptions = {}) {
    this.name = name;
    const list = [...children];
    list.forEach((child, index) => {
      if (!isSink(child)) {
        throw new TypeError(
          `Cannot create composite sink '${name}' as child ${index} is not a sink: it needs a name, write, flush and close`,
        );
      }
      if (list.indexOf(child) !== index) {
        throw new TypeError(
          `Cannot create composite sink '${name}' as sink '${child.name}' is listed twice`,
        );
      }
    });
    this.children = Object.freeze(list);
    const cycle = findCycle(this);
    if (cycle) {
      throw new TypeError(
        `Cannot create composite sink '${name}' as its sinks form a cycle: ${
          cycle.map((sink) => sink.name).join(" \u2192 ")
        }`,
      );
    }
    this.#onError = options.onError ?? ((child, error) => {
      console.error(`Sink '${name}': child sink '${child.name}' failed: ${message(error)}`);
    });
  }

  /**
   * Write a snapshot to every child at once.
   *
   * @param snapshot The snapshot.
   * @returns A promise that resolves when every child is done and at least one succeeded (or
   * there are no children).
   * @throws {AggregateError} (as a rejection) when every child failed; `errors` holds their
   * errors in the children's order.
   */
  write(snapshot: Snapshot): Promise<void> {
    return this.#fanOut("write to", (child) => child.write(snapshot));
  }

  /**
   * Flush every child.
   *
   * @returns A promise that resolves when every child is done and at least one succeeded.
   * @throws {AggregateError} (as a rejection) when every child failed.
   */
  flush(): Promise<void> {
    return this.#fanOut("flush", (child) => child.flush());
  }

  /**
   * Close every child.
   *
   * @returns A promise that resolves when every child is done and at least one succeeded.
   * @throws {AggregateError} (as a rejection) when every child failed.
   */
  close(): Promise<void> {
    return this.#fanOut("close", (child) => child.close());
  }

  async #fanOut(what: string, operation: (child: Sink) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(
      this.children.map((child) => Promise.resolve().then(() => operation(child))),
    );
    const failures: { child: Sink; error: unknown }[] = [];
    results.forEach((result, index) => {
      if (result.status === "fulfilled") return;
      const child = this.children[index]!;
      failures.push({ child, error: result.reason });
      try {
        this.#onError(child, result.reason);
      } catch {
        // The reporter's own failure must not hide the others.
      }
    });
    if (failures.length > 0 && failures.length === this.children.length) {
      throw new AggregateError(
        failures.map((f) => f.error),
        `Cannot ${what} composite sink '${this.name}' as all ${failures.length} children failed: ${
          failures.map((f) => `${f.child.name}: ${message(f.error)}`).join("; ")
        }`,
      );
    }
  }
}
