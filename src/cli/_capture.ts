// Captures users can share: `read --record capture.jsonl` keeps every request and the reply the
// transport returned for it, as sent and received (framing included), one JSON line each;
// `decode --replay capture.jsonl` decodes them again offline. The reply of a block that holds
// secrets (Wi-Fi and admin passwords) is never written. Private to src/cli.
import { ConfigError } from "../errors/errors.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import { type FramingName, framingNames, getFraming } from "../protocol/framing.ts";
import { parseRequest } from "../protocol/parse_request.ts";
import type {
  ReplyMatcher,
  RequestOptions,
  Transport,
  TransportState,
  TransportStateChange,
  UnsolicitedFrame,
} from "../transport/types.ts";
import { parseHex } from "./_hex.ts";

/** The format of a capture line; bumped when a field changes meaning. */
export const CAPTURE_VERSION = 1;

/** One exchange of a capture file. */
export interface CaptureLine {
  /** {@linkcode CAPTURE_VERSION}. */
  readonly v: number;
  /** When the reply arrived, ISO 8601. */
  readonly time: string;
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

/**
 * A transport that hands every request and its reply to `record` as a capture line, and
 * otherwise does what the transport it wraps does.
 */
export class RecordingTransport implements Transport {
  readonly #inner: Transport;
  readonly #framing: FramingName;
  readonly #profile: string;
  readonly #registry: SchemaRegistry;
  readonly #record: (line: CaptureLine) => void;

  /**
   * @param inner The transport that talks to the station.
   * @param options The framing and profile of the reads, the registry (which blocks hold
   * secrets), and where each line goes.
   */
  constructor(
    inner: Transport,
    options: {
      readonly framing: FramingName;
      readonly profile: string;
      readonly registry: SchemaRegistry;
      readonly record: (line: CaptureLine) => void;
    },
  ) {
    this.#inner = inner;
    this.#framing = options.framing;
    this.#profile = options.profile;
    this.#registry = options.registry;
    this.#record = options.record;
  }

  /** The wrapped transport's state. */
  get state(): TransportState {
    return this.#inner.state;
  }

  /** Connect the wrapped transport. */
  connect(options?: { readonly signal?: AbortSignal }): Promise<void> {
    return this.#inner.connect(options);
  }

  /** Send through the wrapped transport; record the request and the reply it returns. */
  async request(
    payload: Uint8Array,
    isReply: ReplyMatcher,
    options?: RequestOptions,
  ): Promise<Uint8Array> {
    const reply = await this.#inner.request(payload, isReply, options);
    const request = parseRequest(getFraming(this.#framing).unwrap(payload));
    if (request.function === 0x03) {
      const schema = this.#registry.get(request.start);
      const secret = schema !== undefined &&
        (schema.sensitive || schema.sensitiveFields.length > 0);
      this.#record({
        v: CAPTURE_VERSION,
        time: new Date().toISOString(),
        profile: this.#profile,
        framing: this.#framing,
        block: request.start,
        quantity: request.quantity,
        request: toHex(payload),
        reply: secret ? null : toHex(reply),
        ...(secret ? { redacted: true as const } : {}),
      });
    }
    return reply;
  }

  /** Listen to the wrapped transport's unsolicited frames. */
  onUnsolicited(listener: (frame: UnsolicitedFrame) => void): () => void {
    return this.#inner.onUnsolicited(listener);
  }

  /** Listen to the wrapped transport's state changes. */
  onState(listener: (change: TransportStateChange) => void): () => void {
    return this.#inner.onState(listener);
  }

  /** Close the wrapped transport. */
  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Close the wrapped transport. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Open a capture file for appending, readable by its owner only (0600): one line per exchange.
 *
 * @param path The file.
 * @returns A writer of lines, and a disposer that closes the file.
 */
export async function openCapture(
  path: string,
): Promise<{ write(line: CaptureLine): void } & Disposable> {
  const file = await Deno.open(path, { create: true, append: true, mode: 0o600 });
  const encoder = new TextEncoder();
  return {
    write(line) {
      const bytes = encoder.encode(`${JSON.stringify(line)}\n`);
      let written = 0;
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    },
    [Symbol.dispose]() {
      file.close();
    },
  };
}

/**
 * Read a capture file: every line checked, a mistake named by `file:line`.
 *
 * @param path The file.
 * @param text Its contents.
 * @returns The lines, in file order.
 * @throws {ConfigError} `CONFIG_INVALID` for a line that is not a capture line.
 */
export function parseCapture(path: string, text: string): { line: number; entry: CaptureLine }[] {
  const out: { line: number; entry: CaptureLine }[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    if (raw.trim() === "") continue;
    const where = `${path}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new ConfigError("CONFIG_INVALID", `${where}: not JSON: ${(error as Error).message}`, {
        path: where,
      });
    }
    out.push({ line: index + 1, entry: checkLine(value, where) });
  }
  if (out.length === 0) {
    throw new ConfigError("CONFIG_INVALID", `${path}: the capture holds no line`, { path });
  }
  return out;
}

function checkLine(value: unknown, where: string): CaptureLine {
  const fail = (what: string): never => {
    throw new ConfigError("CONFIG_INVALID", `${where}: ${what}`, { path: where });
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return fail("expected an object");
  }
  const line = value as Record<string, unknown>;
  if (line.v !== CAPTURE_VERSION) {
    fail(
      `'v' must be ${CAPTURE_VERSION} (a capture of this version), got ${JSON.stringify(line.v)}`,
    );
  }
  const framing = line.framing;
  if (typeof framing !== "string" || !framingNames().includes(framing)) {
    fail(`'framing' must be one of ${framingNames().join(", ")}`);
  }
  for (const key of ["block", "quantity"]) {
    if (!Number.isSafeInteger(line[key]) || (line[key] as number) < 0) {
      fail(`'${key}' must be a whole number`);
    }
  }
  if (line.reply !== null && typeof line.reply !== "string") fail("'reply' must be hex or null");
  if (typeof line.reply === "string") {
    try {
      parseHex(line.reply);
    } catch (error) {
      fail(`'reply': ${(error as Error).message}`);
    }
  }
  return line as unknown as CaptureLine;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
