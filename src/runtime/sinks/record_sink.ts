import { sinkPath } from "./_sink_path.ts";
import { type CaptureFile, framesOf, openCapture } from "../capture.ts";
import type { Sink, Snapshot } from "../types.ts";

/** Options of {@linkcode RecordSink}. */
export interface RecordSinkOptions {
  /** The capture file lines are appended to; missing folders are created (0700). */
  readonly path: string;
}

/**
 * A sink that keeps the raw frames of each poll (time, device, block, framing, request and
 * reply as hex) in a capture file, the format `power-sdk read --record` writes and
 * `power-sdk decode --replay` reads: a user attaches it to a decode bug report. The file is
 * 0600; the replies of blocks holding secrets are never written (`reply: null, redacted:
 * true`). It writes what `framesOf(snapshot)` gives: the runtime keeps frames only for the
 * devices whose snapshots reach a record sink; a snapshot without frames writes nothing.
 *
 * @example Frames of a snapshot into a capture file
 * ```ts
 * import { attachFrames, RecordSink, type Snapshot } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const sink = new RecordSink("capture", { path: `${dir}/frames.jsonl` });
 * const snapshot = { deviceId: "garage" } as Snapshot;
 * attachFrames(snapshot, [{
 *   v: 1, time: "2026-12-03T12:00:00.000Z", device: "garage", profile: "EL30V2",
 *   framing: "rtu", block: 100, quantity: 1, request: "010300640001c5d5",
 *   reply: "010302002a399b",
 * }]);
 * await sink.write(snapshot);
 * await sink.write({ deviceId: "garage" } as Snapshot); // no frames: nothing written
 * await sink.close();
 * const lines = (await Deno.readTextFile(`${dir}/frames.jsonl`)).trim().split("\n");
 * assert.equal(lines.length, 1);
 * assert.equal(JSON.parse(lines[0]!).device, "garage");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RecordSink implements Sink {
  /** The sink's name. */
  readonly name: string;
  /** The capture file. */
  readonly path: string;
  #file: Promise<CaptureFile> | null = null;
  #closed = false;

  /**
   * Create the sink; the file is opened with the first frame.
   *
   * @param name The sink's name.
   * @param options The capture file.
   * @throws {TypeError} when `path` is empty.
   */
  constructor(name: string, options: RecordSinkOptions) {
    this.path = sinkPath("record", name, options?.path);
    this.name = name;
  }

  /**
   * Append the snapshot's raw frames, one line each; a snapshot without frames writes nothing.
   *
   * @param snapshot The snapshot.
   * @throws {Error} when the sink is closed or the file cannot be opened or written.
   */
  async write(snapshot: Snapshot): Promise<void> {
    if (this.#closed) {
      throw new Error(`Cannot record frames to '${this.path}': sink '${this.name}' is closed`);
    }
    const frames = framesOf(snapshot);
    if (frames.length === 0) return;
    const file = await this.#open();
    try {
      for (const frame of frames) file.write(frame);
    } catch (error) {
      throw new Error(`Cannot record frames to '${this.path}': ${message(error)}`, {
        cause: error,
      });
    }
  }

  /** Make the lines written so far durable. */
  async flush(): Promise<void> {
    if (this.#file === null) return;
    await (await this.#file).sync();
  }

  /** Close the file; no write follows. */
  async close(): Promise<void> {
    this.#closed = true;
    const file = this.#file;
    this.#file = null;
    if (file !== null) (await file.catch(() => null))?.[Symbol.dispose]();
  }

  #open(): Promise<CaptureFile> {
    this.#file ??= openCapture(this.path).catch((error) => {
      this.#file = null;
      throw new Error(`Cannot open the capture file '${this.path}': ${message(error)}`, {
        cause: error,
      });
    });
    return this.#file;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
