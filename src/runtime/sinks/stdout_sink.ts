import type { Sink, Snapshot, SnapshotBlock } from "../types.ts";
import { redactDeep } from "./redact_deep.ts";

/**
 * Options of a {@linkcode StdoutSink}.
 *
 * @example
 * ```ts
 * import { StdoutSink } from "@power-sdk/sdk";
 * import { type StdoutSinkOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const options: StdoutSinkOptions = { writer: (line) => lines.push(line), width: 120 };
 * assert.equal(new StdoutSink("console", options).width, 120);
 * ```
 */
export interface StdoutSinkOptions {
  /**
   * Where each line goes, without its trailing newline.
   * @default {a synchronous write of the line and "\n" to `Deno.stdout`}
   */
  readonly writer?: (line: string) => void;
  /**
   * The width, in characters, up to which fields are added to a line; the fields that do not
   * fit are counted as `+N more`. The time, device, group, status, errors and latency are
   * always printed. A positive integer.
   * @default {160}
   */
  readonly width?: number;
  /**
   * More key names to treat as secret, on top of the built-in ones of {@linkcode redactDeep}.
   * @default {[]}
   */
  readonly redactKeys?: readonly string[];
}

const encoder = new TextEncoder();

function writeStdout(line: string): void {
  const bytes = encoder.encode(line + "\n");
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/** One line of free text: control characters (newlines included) become spaces. */
function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

function fields(blocks: readonly SnapshotBlock[]): string[] {
  const out: string[] = [];
  for (const block of blocks) {
    for (const [key, value] of Object.entries(block.values)) {
      if (typeof value !== "number" && typeof value !== "bigint") continue;
      const unit = block.units[key];
      out.push(unit ? `${oneLine(key)}=${value} ${oneLine(unit)}` : `${oneLine(key)}=${value}`);
    }
  }
  return out;
}

/**
 * A sink for humans: one line per snapshot, such as
 *
 * `2026-11-27T05:00:00.000Z living_room_battery core ok soc=87 % pack_voltage=53.12 V (12 ms)`
 *
 * that is: the time, the device, the group (`push` for a push), `ok` - or, when the poll
 * failed, each error as `ERROR CODE: message` (separated by `; `, then ` |` before any
 * fields) or `not ok` without errors - then the top-level numeric fields of every block with
 * their units, as many as fit in `width`, then the poll's latency. The snapshot is redacted
 * with {@linkcode redactDeep} first, so a secret is never printed (a numeric secret is left
 * out, as it is no longer a number).
 *
 * @example Format a snapshot into a list of lines
 * ```ts
 * import { type Snapshot, StdoutSink } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const sink = new StdoutSink("console", { writer: (line) => lines.push(line) });
 * const snapshot: Snapshot = {
 *   deviceId: "living_room_battery", profile: "EL100V2", mode: "pull", group: "core",
 *   at: "2026-11-27T05:00:00.000Z", ok: true, errors: [],
 *   blocks: [{
 *     blockId: 100, name: "APP_HOME_DATA", warnings: [],
 *     values: { soc: 87, pack_voltage: 53.12, model: "EL100V2" },
 *     units: { soc: "%", pack_voltage: "V" },
 *   }],
 *   metrics: {
 *     ok: 1, errors: 0, consecutiveErrors: 0, lastSuccess: null, reconnects: 0,
 *     droppedSnapshots: 0, lastLatencyMs: 12, lastLatenessMs: 0,
 *   },
 * };
 * await sink.write(snapshot);
 * assert.deepEqual(lines, [
 *   "2026-11-27T05:00:00.000Z living_room_battery core ok soc=87 % pack_voltage=53.12 V (12 ms)",
 * ]);
 * ```
 */
export class StdoutSink implements Sink {
  /** The sink's name. */
  readonly name: string;
  /** The width up to which fields are added to a line. */
  readonly width: number;
  readonly #writer: (line: string) => void;
  readonly #redactKeys: readonly string[];
  #closed = false;

  /**
   * Make a stdout sink.
   *
   * @param name The sink's name.
   * @param options The writer, width and extra secret keys.
   * @throws {RangeError} when `width` is not a positive integer.
   */
  constructor(name: string, options: StdoutSinkOptions = {}) {
    const width = options.width ?? 160;
    if (!Number.isInteger(width) || width < 1) {
      throw new RangeError(
        `Cannot create stdout sink '${name}' as 'width' must be a positive integer: current value is ${width}`,
      );
    }
    this.name = name;
    this.width = width;
    this.#writer = options.writer ?? writeStdout;
    this.#redactKeys = [...(options.redactKeys ?? [])];
  }

  /**
   * The line a snapshot is printed as, without a trailing newline.
   *
   * @param snapshot The snapshot.
   * @returns The line, secrets redacted.
   */
  format(snapshot: Snapshot): string {
    const safe = redactDeep(snapshot, this.#redactKeys) as Snapshot;
    const head = [oneLine(safe.at), oneLine(safe.deviceId), oneLine(safe.group ?? safe.mode)];
    const errors = safe.errors.map((e) => `ERROR ${oneLine(e.code)}: ${oneLine(e.message)}`);
    if (safe.ok) head.push("ok");
    else if (errors.length > 0) head.push(errors.join("; ") + (safe.blocks.length > 0 ? " |" : ""));
    else head.push("not ok");
    const latency = safe.metrics.lastLatencyMs;
    const tail = typeof latency === "number" ? ` (${latency} ms)` : "";
    let line = head.join(" ");
    const all = fields(safe.blocks);
    let shown = 0;
    for (const field of all) {
      const rest = all.length - shown - 1;
      const more = rest > 0 ? ` +${rest} more` : "";
      if (line.length + 1 + field.length + more.length + tail.length > this.width) break;
      line += " " + field;
      shown++;
    }
    if (shown < all.length) line += ` +${all.length - shown} more`;
    return line + tail;
  }

  /**
   * Print one snapshot as one line.
   *
   * @param snapshot The snapshot.
   * @returns A promise that resolves once the line was written.
   * @throws {Error} (as a rejection) when the writer throws (the cause) or the sink is closed.
   */
  write(snapshot: Snapshot): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot write to stdout sink '${this.name}': it is closed`));
    }
    try {
      this.#writer(this.format(snapshot));
      return Promise.resolve();
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return Promise.reject(
        new Error(`Cannot write to stdout sink '${this.name}': ${text}`, { cause: error }),
      );
    }
  }

  /**
   * Nothing to make durable (lines are written synchronously): resolves at once.
   *
   * @returns A resolved promise.
   */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Refuse further writes; standard output itself stays open.
   *
   * @returns A resolved promise.
   */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
