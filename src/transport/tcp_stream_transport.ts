import { TransportError } from "../errors/errors.ts";
import { acquireLink, type LinkHolder, type TcpLink } from "./_tcp_link.ts";
import type { ReconnectPolicy } from "./reconnect_policy.ts";
import type { StreamFraming } from "./stream_framing.ts";
import type {
  ReplyMatcher,
  RequestOptions,
  Transport,
  TransportState,
  TransportStateChange,
  UnsolicitedFrame,
} from "./types.ts";

/** Options of {@linkcode TcpStreamTransport}. */
export interface TcpStreamTransportOptions {
  /** Host name or address of the station. */
  readonly host: string;
  /** TCP port. @default {502} */
  readonly port?: number;
  /** Splits the byte stream into frames and correlates replies (e.g. `MBAP_STREAM_FRAMING`). */
  readonly framing: StreamFraming;
  /** Time to wait for a reply after sending. @default {5000} */
  readonly timeoutMs?: number;
  /**
   * Least time between the end of one request and the start of the next on the connection
   * (all devices on the station share it). @default {500}
   */
  readonly pacingMs?: number;
  /** Time to wait for a TCP connection. @default {5000} */
  readonly connectTimeoutMs?: number;
  /**
   * Delays between connection attempts after a loss or a failed connect.
   * @default {{ initialDelayMs: 2000, maxDelayMs: 60000, multiplier: 2, jitter: 0.2 }}
   */
  readonly reconnect?: ReconnectPolicy;
  /** Random source of the jitter (tests). @default {Math.random} */
  readonly random?: () => number;
}

/** The reconnect policy of {@linkcode TcpStreamTransport} when none is given. */
const DEFAULT_TCP_RECONNECT: ReconnectPolicy = Object.freeze({
  initialDelayMs: 2_000,
  maxDelayMs: 60_000,
  multiplier: 2,
  jitter: 0.2,
});

/**
 * A transport over one TCP connection per station (`host:port`), shared by every transport
 * opened to the same station: stations that accept one client at a time (and lock up when a
 * second one dials in) see a single socket however many devices a runtime polls on them.
 *
 * Requests on the connection run one at a time, `pacingMs` apart. Each gets a fresh
 * correlation id written into its frame by the `framing`; a frame is a reply only if it carries
 * the in-flight request's id **and** `isReply` accepts it, so a late reply, a duplicate or a
 * frame for another id is never taken (it goes to `onUnsolicited`). A timeout fails only the
 * request (`TRANSPORT_TIMEOUT`): the link stays up, unless bytes of a cut-off frame are left
 * over, which would put the stream out of step. A lost connection fails the in-flight request
 * (`TRANSPORT_DISCONNECTED`) and is re-opened after a backoff with jitter; `connect()` during
 * the backoff waits for the scheduled attempt instead of dialling again, so no caller can make
 * it reconnect in a tight loop.
 *
 * Nothing here knows Modbus: the framing tells where frames end and where their id sits.
 *
 * @example Against a station that answers every frame by echoing it
 * ```ts
 * import { MBAP_STREAM_FRAMING, TcpStreamTransport } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const served = (async () => {
 *   const conn = await listener.accept();
 *   const buf = new Uint8Array(64);
 *   const n = (await conn.read(buf))!;
 *   await conn.write(buf.subarray(0, n));
 *   await conn.read(buf); // until the client closes
 *   conn.close();
 * })();
 * const transport = new TcpStreamTransport({
 *   host: "127.0.0.1",
 *   port: listener.addr.port,
 *   framing: MBAP_STREAM_FRAMING,
 * });
 * await transport.connect();
 * const request = new Uint8Array([0, 0, 0, 0, 0, 6, 1, 3, 0xc7, 0x3c, 0, 1]);
 * const reply = await transport.request(request, () => true);
 * assert.deepEqual(reply.subarray(2), request.subarray(2)); // its id was set by the transport
 * await transport.close();
 * await served;
 * listener.close();
 * ```
 */
export class TcpStreamTransport implements Transport {
  #link: TcpLink;
  #holder: LinkHolder;
  #timeoutMs: number;
  #closed = false;
  #unsolicited = new Set<(frame: UnsolicitedFrame) => void>();
  #stateListeners = new Set<(change: TransportStateChange) => void>();
  #topic: string;

  /**
   * Create the transport; nothing is opened until {@linkcode TcpStreamTransport.connect}.
   *
   * @param options Station, framing, timing.
   * @throws {TransportError} `TRANSPORT_INVALID_ARGUMENT` for an empty host, a port outside
   * 1..65535 or a negative time.
   */
  constructor(options: TcpStreamTransportOptions) {
    const port = options.port ?? 502;
    if (typeof options.host !== "string" || options.host === "") {
      throw invalid(`host must be a non-empty string, got ${JSON.stringify(options.host)}`);
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw invalid(`port must be an integer 1..65535, got ${port}`);
    }
    const timeoutMs = options.timeoutMs ?? 5_000;
    const pacingMs = options.pacingMs ?? 500;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    for (
      const [name, value] of [["timeoutMs", timeoutMs], ["pacingMs", pacingMs], [
        "connectTimeoutMs",
        connectTimeoutMs,
      ]] as const
    ) {
      if (!Number.isFinite(value) || value < 0) {
        throw invalid(`${name} must be \u2265 0, got ${value}`);
      }
    }
    this.#timeoutMs = timeoutMs;
    this.#topic = `tcp://${options.host}:${port}`;
    const topic = this.#topic;
    this.#holder = {
      onFrame: (payload) => {
        const frame: UnsolicitedFrame = { payload, topic, retained: false, receivedAt: Date.now() };
        for (const listener of this.#unsolicited) listener(frame);
      },
      onState: (change) => {
        for (const listener of this.#stateListeners) listener(change);
      },
    };
    this.#link = acquireLink({
      host: options.host,
      port,
      framing: options.framing,
      pacingMs,
      connectTimeoutMs,
      reconnect: options.reconnect ?? DEFAULT_TCP_RECONNECT,
      random: options.random ?? Math.random,
    }, this.#holder);
  }

  /** The connection's state, `closed` once this transport is closed. */
  get state(): TransportState {
    return this.#closed ? "closed" : this.#link.state;
  }

  /** `tcp://host:port`, the topic of unsolicited frames. */
  get topic(): string {
    return this.#topic;
  }

  /**
   * Connect, or join the station's open connection.
   *
   * @param options `signal` cancels the wait (`TRANSPORT_ABORTED`).
   * @throws {TransportError} `TRANSPORT_CONNECT_FAILED`, `TRANSPORT_ABORTED`, `TRANSPORT_CLOSED`.
   */
  connect(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new TransportError("TRANSPORT_CLOSED", "Cannot connect: the transport is closed"),
      );
    }
    return this.#link.connect(options.signal);
  }

  /**
   * Send a frame (its correlation id is overwritten on a copy) and resolve with the reply.
   *
   * @param payload The request frame.
   * @param isReply Accepts the reply among frames carrying the request's id.
   * @param options Signal and timeout.
   * @returns The reply frame.
   * @throws {TransportError} `TRANSPORT_TIMEOUT`, `TRANSPORT_DISCONNECTED`, `TRANSPORT_ABORTED`,
   * `TRANSPORT_CLOSED`.
   */
  request(
    payload: Uint8Array,
    isReply: ReplyMatcher,
    options: RequestOptions = {},
  ): Promise<Uint8Array> {
    if (this.#closed) {
      return Promise.reject(
        new TransportError("TRANSPORT_CLOSED", "Cannot send a request: the transport is closed"),
      );
    }
    return this.#link.request(
      this.#holder,
      payload,
      isReply,
      options.timeoutMs ?? this.#timeoutMs,
      options.signal,
    );
  }

  /**
   * Listen to frames that were no reply (late, duplicate, foreign).
   *
   * @param listener Called with each such frame.
   * @returns A function that removes the listener.
   */
  onUnsolicited(listener: (frame: UnsolicitedFrame) => void): () => void {
    this.#unsolicited.add(listener);
    return () => this.#unsolicited.delete(listener);
  }

  /**
   * Listen to state changes of the shared connection.
   *
   * @param listener Called with each change.
   * @returns A function that removes the listener.
   */
  onState(listener: (change: TransportStateChange) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Leave the connection (the last transport to leave closes it); pending requests fail `TRANSPORT_CLOSED`. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#link.release(this.#holder);
    }
    return Promise.resolve();
  }

  /** Same as {@linkcode TcpStreamTransport.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function invalid(message: string): TransportError {
  return new TransportError(
    "TRANSPORT_INVALID_ARGUMENT",
    `Cannot create TCP transport: ${message}`,
  );
}
