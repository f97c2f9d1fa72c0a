import { sinkPath } from "./_sink_path.ts";
import { dirname } from "node:path";
import type { Sink, Snapshot } from "../types.ts";
import { redactDeep } from "./redact_deep.ts";

/**
 * Options of a {@linkcode JsonlSink}.
 *
 * @example
 * ```ts
 * import type { JsonlSinkOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const options: JsonlSinkOptions = { path: "data/snapshots.jsonl", redactKeys: ["serial"] };
 * assert.equal(options.path, "data/snapshots.jsonl");
 * ```
 */
export interface JsonlSinkOptions {
  /** The file snapshots are appended to; missing directories are created. */
  readonly path: string;
  /**
   * More key names whose values are replaced by `"[redacted]"`, on top of the built-in
   * secret names of {@linkcode redactDeep}.
   * @default {[]}
   */
  readonly redactKeys?: readonly string[];
}

const NEWLINE = 0x0a;
const encoder = new TextEncoder();

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * A sink that appends every snapshot as one line of JSON (JSON Lines) to a file.
 *
 * - The file is opened on the first write, not before: missing directories are created with
 *   mode `0700`, a new file is created with mode `0600`, and an existing file readable by group or others is
 *   changed to `0600` (snapshots describe a home: they stay private to their owner). Mode
 *   bits are not supported on Windows and are left alone there.
 * - Each snapshot is encoded first, then written with a single `write` call of
 *   `JSON.stringify(redacted) + "\n"` to a file opened in append mode. A crash (or kill) can
 *   therefore at worst leave the last line cut short; every earlier line stays whole. When an
 *   existing file does not end with a newline (an earlier crash), a newline is written first,
 *   so the cut line stays on its own and new lines stay valid. **Readers should skip a line
 *   that does not parse** (and empty lines); only the last line of a run can be one.
 *   Snapshots that waited in the sink's queue while a write ran are written together
 *   ({@linkcode JsonlSink.writeMany}): their lines in one `write` call, with the same guarantee.
 * - Secrets are redacted at any depth with {@linkcode redactDeep} (plus `redactKeys`); binary
 *   values are written as `"[bytes]"`, bigints as strings.
 * - Calls are serialized: a `flush` or `close` waits for the writes before it.
 *
 * Needs read and write permission for the file (read: to look at its last byte).
 *
 * @example Append two snapshots and read them back
 * ```ts
 * import { JsonlSink, type Snapshot } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/logs/snapshots.jsonl`;
 * const sink = new JsonlSink("file", { path });
 * const snapshot: Snapshot = {
 *   deviceId: "garage", profile: "EL100V2", mode: "pull", group: "core",
 *   at: "2026-11-27T05:00:00.000Z", ok: true, errors: [],
 *   blocks: [{
 *     blockId: 100, name: "APP_HOME_DATA", units: { soc: "%" }, warnings: [],
 *     values: { soc: 87, wifi: { password: "hunter22" } },
 *   }],
 *   metrics: {
 *     ok: 1, errors: 0, consecutiveErrors: 0, lastSuccess: null, reconnects: 0,
 *     droppedSnapshots: 0, lastLatencyMs: 12, lastLatenessMs: 0,
 *   },
 * };
 * await sink.write(snapshot);
 * await sink.write(snapshot);
 * await sink.flush();
 * await sink.close();
 *
 * const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
 * assert.equal(lines.length, 2);
 * const first = JSON.parse(lines[0]!);
 * assert.equal(first.blocks[0].values.wifi.password, "[redacted]");
 * if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class JsonlSink implements Sink {
  /** The sink's name. */
  readonly name: string;
  /** The file snapshots are appended to. */
  readonly path: string;
  readonly #redactKeys: readonly string[];
  #file: Deno.FsFile | null = null;
  #closed = false;
  /** A previous line (in this file) may be incomplete: start the next write with "\n". */
  #needsNewline = false;
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Make a JSONL sink; nothing is opened until the first write.
   *
   * @param name The sink's name.
   * @param options The file and extra secret keys.
   * @throws {TypeError} when `path` is not a non-empty string.
   */
  constructor(name: string, options: JsonlSinkOptions) {
    this.path = sinkPath("JSONL", name, options?.path);
    this.name = name;
    this.#redactKeys = [...(options.redactKeys ?? [])];
  }

  /**
   * Append one snapshot as one line, opening the file first when needed.
   *
   * @param snapshot The snapshot.
   * @returns A promise that resolves once the line was handed to the operating system (see
   * {@linkcode JsonlSink.flush} for durability).
   * @throws {Error} (as a rejection) naming the path, when the directory or file cannot be
   * made or opened, the snapshot cannot be encoded, the write fails, or the sink is closed.
   */
  write(snapshot: Snapshot): Promise<void> {
    return this.#serial(() => this.#write([snapshot]));
  }

  /**
   * Append several snapshots, one line each, with one write call for all of them (what its
   * queue hands over when snapshots waited: one file write instead of one per snapshot).
   *
   * @param snapshots The snapshots, in order.
   * @throws {Error} when one cannot be encoded (nothing is written) or the file cannot be
   * written.
   */
  writeMany(snapshots: readonly Snapshot[]): Promise<void> {
    return this.#serial(() => this.#write(snapshots));
  }

  /**
   * Make every line written so far durable (`fsync`). Does nothing before the first write or
   * after close.
   *
   * @returns A promise that resolves once the data is on disk.
   * @throws {Error} (as a rejection) naming the path, when the sync fails.
   */
  flush(): Promise<void> {
    return this.#serial(async () => {
      if (this.#file === null) return;
      try {
        await this.#file.sync();
      } catch (error) {
        throw new Error(`Cannot flush JSONL file '${this.path}': ${message(error)}`, {
          cause: error,
        });
      }
    });
  }

  /**
   * Close the file, after the writes before it. Later writes are rejected; closing twice is
   * harmless.
   *
   * @returns A promise that resolves once the file is closed.
   */
  close(): Promise<void> {
    return this.#serial(() => {
      this.#closed = true;
      const file = this.#file;
      this.#file = null;
      file?.close();
    });
  }

  #serial<T>(operation: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(operation);
    this.#tail = result.catch(() => {});
    return result;
  }

  async #write(snapshots: readonly Snapshot[]): Promise<void> {
    if (this.#closed) {
      throw new Error(
        `Cannot write snapshot to JSONL file '${this.path}': sink '${this.name}' is closed`,
      );
    }
    let line = "";
    try {
      for (const snapshot of snapshots) {
        line += JSON.stringify(redactDeep(snapshot, this.#redactKeys), jsonValue) + "\n";
      }
    } catch (error) {
      throw new Error(
        `Cannot write snapshot to JSONL file '${this.path}': cannot encode it: ${message(error)}`,
        { cause: error },
      );
    }
    const file = this.#file ?? await this.#open();
    const bytes = encoder.encode(this.#needsNewline ? "\n" + line : line);
    let written = 0;
    try {
      // One write call for the whole line (or lines). Only a short write (disk full) takes a
      // second one.
      while (written < bytes.length) {
        const count = await file.write(bytes.subarray(written));
        if (count <= 0) throw new Error("no bytes were written");
        written += count;
      }
      this.#needsNewline = false;
    } catch (error) {
      if (written > 0) this.#needsNewline = true;
      throw new Error(`Cannot write snapshot to JSONL file '${this.path}': ${message(error)}`, {
        cause: error,
      });
    }
  }

  async #open(): Promise<Deno.FsFile> {
    const path = this.path;
    try {
      // Folders it creates are private too (existing ones are left as they are).
      await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new Error(
        `Cannot open JSONL file '${path}': cannot create its directory: ${message(error)}`,
        { cause: error },
      );
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { create: true, append: true, read: true, mode: 0o600 });
    } catch (error) {
      throw new Error(`Cannot open JSONL file '${path}': ${message(error)}`, { cause: error });
    }
    try {
      const info = await file.stat();
      if (info.mode !== null && (info.mode & 0o077) !== 0) await Deno.chmod(path, 0o600);
      if (info.size > 0) {
        await file.seek(-1, Deno.SeekMode.End);
        const last = new Uint8Array(1);
        const count = await file.read(last);
        this.#needsNewline = count === 1 && last[0] !== NEWLINE;
      }
    } catch (error) {
      file.close();
      throw new Error(`Cannot open JSONL file '${path}': ${message(error)}`, { cause: error });
    }
    this.#file = file;
    return file;
  }
}
