/**
 * Captures users can share with a decode bug report: every read request and the reply the
 * transport returned for it, as sent and received (framing included), one JSON line each.
 * `power-sdk read --record capture.jsonl` and the runtime's `record` sink write them;
 * `power-sdk decode --replay capture.jsonl` decodes them again offline. The reply of a block
 * that holds secrets (Wi-Fi and admin passwords) is never written: its line has `reply: null`
 * and `redacted: true`.
 *
 * @module
 */
import type { SchemaRegistry } from "../parser/registry.ts";
import { type FramingName, getFraming } from "../protocol/framing.ts";
import { parseRequest } from "../protocol/parse_request.ts";
import { DelegatingTransport } from "../transport/delegating_transport.ts";
import type { ReplyMatcher, RequestOptions, Transport } from "../transport/types.ts";
import type { Snapshot } from "./types.ts";

/**
 * The format of a capture line; bumped when a field changes meaning.
 *
 * @example The current version
 * ```ts
 * import { CAPTURE_VERSION } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * assert.equal(CAPTURE_VERSION, 1);
 * ```
 */
export const CAPTURE_VERSION = 1;

/**
 * One exchange of a capture file.
 *
 * @example A line
 * ```ts
 * import type { CaptureLine } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const line: CaptureLine = {
 *   v: 1,
 *   time: "2026-12-03T12:00:00.000Z",
 *   device: "garage",
 *   profile: "EL30V2",
 *   framing: "rtu",
 *   block: 100,
 *   quantity: 3,
 *   request: "0103006400034414",
 *   reply: "01030614c10000005f5f88",
 * };
 * assert.equal(line.block, 100);
 * ```
 */
export interface CaptureLine {
  /** {@linkcode CAPTURE_VERSION}. */
  readonly v: number;
  /** When the reply arrived, ISO 8601. */
  readonly time: string;
  /** The runtime device the frames belong to; absent in a `read --record` capture. */
  readonly device?: string;
  /** The profile the station was read with. */
  readonly profile: string;
  /** The envelope of both payloads. */
  readonly framing: FramingName;
  /** The block read: the request's first register. */
  readonly block: number;
  /** The registers the request asked for. */
  readonly quantity: number;
  /** The request payload as sent, hex. */
  readonly request: string;
  /** The reply payload as received, hex; null when the block holds secrets. */
  readonly reply: string | null;
  /** Present and true when the reply was left out because the block holds secrets. */
  readonly redacted?: true;
}

/** Options of {@linkcode RecordingTransport}. */
export interface RecordingTransportOptions {
  /** The envelope of the payloads (`rtu`, `iot-v2`, ...). */
  readonly framing: FramingName;
  /** The profile the station is read with. */
  readonly profile: string;
  /** The runtime device, written in each line when given. */
  readonly device?: string;
  /** Which blocks hold secrets: their replies are never recorded. */
  readonly registry: SchemaRegistry;
  /** Where each line goes. */
  readonly record: (line: CaptureLine) => void;
}

/**
 * A transport that hands every read request and its reply to `record` as a capture line, and
 * otherwise does what the transport it wraps does. A block that holds secrets is recorded
 * without its reply.
 *
 * @example Record the exchanges of a transport
 * ```ts
 * import { RecordingTransport, type CaptureLine } from "@power-sdk/sdk/runtime";
 * import { SchemaRegistry } from "@power-sdk/sdk/parser";
 * import { BLUETTI_V2_BLOCKS } from "@power-sdk/sdk/plugins";
 * import type { Transport } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * const reply = Uint8Array.from([0x01, 0x03, 0x02, 0x00, 0x2a, 0x39, 0x9b]);
 * const inner = { request: () => Promise.resolve(reply) } as unknown as Transport;
 * const lines: CaptureLine[] = [];
 * const transport = new RecordingTransport(inner, {
 *   framing: "rtu",
 *   profile: "EL30V2",
 *   registry: new SchemaRegistry(BLUETTI_V2_BLOCKS),
 *   record: (line) => lines.push(line),
 * });
 * const request = Uint8Array.from([0x01, 0x03, 0x00, 0x64, 0x00, 0x01, 0xc5, 0xd5]);
 * assert.equal(await transport.request(request, () => true), reply);
 * assert.equal(lines[0]?.block, 100);
 * assert.equal(lines[0]?.reply, "010302002a399b");
 * ```
 */
export class RecordingTransport extends DelegatingTransport {
  readonly #options: RecordingTransportOptions;

  /**
   * Wrap a transport; nothing is recorded until a request is answered.
   *
   * @param inner The transport that talks to the station.
   * @param options The framing and profile of the reads, the registry (which blocks hold
   * secrets), and where each line goes.
   */
  constructor(inner: Transport, options: RecordingTransportOptions) {
    super(inner);
    this.#options = options;
  }

  /**
   * Send through the wrapped transport; record the request and the reply it returns.
   *
   * @param payload The request payload, framed.
   * @param isReply Which frame is the reply.
   * @param options Timeout and abort signal.
   * @returns The reply.
   */
  override async request(
    payload: Uint8Array,
    isReply: ReplyMatcher,
    options?: RequestOptions,
  ): Promise<Uint8Array> {
    const reply = await super.request(payload, isReply, options);
    const { framing, profile, device, registry, record } = this.#options;
    let request: ReturnType<typeof parseRequest>;
    try {
      request = parseRequest(getFraming(framing).unwrap(payload));
    } catch {
      // Not a request this framing can read back: recording never fails the exchange.
      return reply;
    }
    if (request.function === 0x03) {
      const schema = registry.get(request.start);
      const secret = schema !== undefined &&
        (schema.sensitive || schema.sensitiveFields.length > 0);
      record({
        v: CAPTURE_VERSION,
        time: new Date().toISOString(),
        ...(device === undefined ? {} : { device }),
        profile,
        framing,
        block: request.start,
        quantity: request.quantity,
        request: payload.toHex(),
        reply: secret ? null : reply.toHex(),
        ...(secret ? { redacted: true as const } : {}),
      });
    }
    return reply;
  }
}

/** A capture file open for appending: {@linkcode openCapture}. */
export interface CaptureFile extends Disposable {
  /**
   * Append one line.
   *
   * @param line The line.
   */
  write(line: CaptureLine): void;
  /** Make what was written durable. */
  sync(): Promise<void>;
}

/**
 * Open a capture file for appending, readable by its owner only (0600; an existing file is
 * made 0600), in a folder created private (0700) when missing: one line per exchange.
 *
 * @param path The file.
 * @returns A writer of lines; disposing it closes the file.
 *
 * @example Write a line
 * ```ts
 * import { openCapture } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   using capture = await openCapture(`${dir}/captures/frames.jsonl`);
 *   capture.write({
 *     v: 1, time: "2026-12-03T12:00:00.000Z", profile: "EL30V2", framing: "rtu",
 *     block: 100, quantity: 1, request: "010300640001c5d5", reply: "010302002a399b",
 *   });
 * }
 * const text = await Deno.readTextFile(`${dir}/captures/frames.jsonl`);
 * assert.equal(JSON.parse(text).block, 100);
 * assert.equal((await Deno.stat(`${dir}/captures/frames.jsonl`)).mode! & 0o777, 0o600);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openCapture(path: string): Promise<CaptureFile> {
  await Deno.mkdir(parentOf(path), { recursive: true, mode: 0o700 });
  const file = await Deno.open(path, { create: true, append: true, mode: 0o600 });
  try {
    const info = await file.stat();
    if (info.mode !== null && (info.mode & 0o077) !== 0) await Deno.chmod(path, 0o600);
  } catch (error) {
    file.close();
    throw error;
  }
  const encoder = new TextEncoder();
  return {
    write(line) {
      const bytes = encoder.encode(`${JSON.stringify(line)}\n`);
      let written = 0;
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    },
    sync: () => file.sync(),
    [Symbol.dispose]() {
      file.close();
    },
  };
}

const FRAMES = new WeakMap<Snapshot, readonly CaptureLine[]>();

/**
 * Give a snapshot the raw frames of the poll that made it. The runtime does it only for the
 * devices whose snapshots reach a `record` sink; the frames never become part of the snapshot
 * itself (no other sink sees them, JSON or a copy of the snapshot does not carry them).
 *
 * @param snapshot The snapshot.
 * @param frames Its poll's capture lines, secrets already left out.
 *
 * @example Attach and read back
 * ```ts
 * import { attachFrames, framesOf, type Snapshot } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const snapshot = { deviceId: "garage" } as Snapshot;
 * assert.deepEqual(framesOf(snapshot), []);
 * attachFrames(snapshot, []);
 * assert.equal(JSON.stringify(snapshot), '{"deviceId":"garage"}');
 * ```
 */
export function attachFrames(snapshot: Snapshot, frames: readonly CaptureLine[]): void {
  FRAMES.set(snapshot, frames);
}

/**
 * The raw frames given to a snapshot with {@linkcode attachFrames}.
 *
 * @param snapshot The snapshot.
 * @returns Its capture lines; empty when it has none.
 *
 * @example A snapshot without frames
 * ```ts
 * import { framesOf, type Snapshot } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(framesOf({ deviceId: "garage" } as Snapshot), []);
 * ```
 */
export function framesOf(snapshot: Snapshot): readonly CaptureLine[] {
  return FRAMES.get(snapshot) ?? [];
}

/** The folder of a file path, without node:path (`decode --replay` loads this module). */
function parentOf(path: string): string {
  const at = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return at < 0 ? "." : at === 0 ? path.slice(0, 1) : path.slice(0, at);
}
