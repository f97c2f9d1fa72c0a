/**
 * The transport contract: frames in, frames out, nothing about Modbus, blocks or schemas. A
 * transport serves one station; it sends a payload, hands back the payload that answers it,
 * and delivers every other payload as unsolicited.
 *
 * @module
 */

/**
 * Where a transport is:
 * - `idle`: created, never connected;
 * - `connecting`: the first connection is being made;
 * - `connected`: requests can be sent;
 * - `offline`: the connection was lost; requests fail fast;
 * - `reconnecting`: a new connection is being made after a loss;
 * - `closed`: closed for good.
 */
export type TransportState =
  | "idle"
  | "connecting"
  | "connected"
  | "offline"
  | "reconnecting"
  | "closed";

/** A change of {@linkcode TransportState}. */
export interface TransportStateChange {
  /** The new state. */
  readonly state: TransportState;
  /** The state before. */
  readonly previous: TransportState;
  /** Why, when known (the error that cut the connection, the next retry delay). */
  readonly reason?: string;
  /** For `reconnecting`: the attempt number, 1 for the first. */
  readonly attempt?: number;
  /** For `offline` with a retry planned: milliseconds until the next attempt. */
  readonly retryInMs?: number;
}

/** A payload that was not the reply to a pending request. */
export interface UnsolicitedFrame {
  /** The payload as received (framing included). */
  readonly payload: Uint8Array;
  /** Where it came from (an MQTT topic, `loopback`). */
  readonly topic: string;
  /** True for a retained MQTT message (never a reply). */
  readonly retained: boolean;
  /** When it arrived (`Date.now()`). */
  readonly receivedAt: number;
}

/** Decides whether a payload answers the pending request; must not throw. */
export type ReplyMatcher = (payload: Uint8Array) => boolean;

/** Options of {@linkcode Transport.request}. */
export interface RequestOptions {
  /** Cancels the request: it rejects with `TRANSPORT_ABORTED`. */
  readonly signal?: AbortSignal;
  /** Time to wait for the reply after sending. @default {the transport's request timeout} */
  readonly timeoutMs?: number;
}

/**
 * A connection to one station. Requests are serialized: one in flight, the others wait their
 * turn in call order.
 */
export interface Transport extends AsyncDisposable {
  /** The current state. */
  readonly state: TransportState;
  /**
   * Connect; resolves when requests can be sent.
   *
   * @throws {TransportError} `TRANSPORT_CONNECT_FAILED`, `TRANSPORT_CREDENTIALS`,
   * `TRANSPORT_ABORTED`, `TRANSPORT_CLOSED`.
   */
  connect(options?: { readonly signal?: AbortSignal }): Promise<void>;
  /**
   * Send a payload and resolve with the first payload `isReply` accepts. The reply window
   * opens before the payload is sent.
   *
   * @throws {TransportError} `TRANSPORT_TIMEOUT`, `TRANSPORT_DISCONNECTED` (at once when the
   * connection drops or is down), `TRANSPORT_ABORTED`, `TRANSPORT_CLOSED`.
   */
  request(
    payload: Uint8Array,
    isReply: ReplyMatcher,
    options?: RequestOptions,
  ): Promise<Uint8Array>;
  /**
   * Listen to payloads that were not replies.
   *
   * @returns A function that removes the listener.
   */
  onUnsolicited(listener: (frame: UnsolicitedFrame) => void): () => void;
  /**
   * Listen to state changes.
   *
   * @returns A function that removes the listener.
   */
  onState(listener: (change: TransportStateChange) => void): () => void;
  /** Close for good: pending and queued requests fail with `TRANSPORT_CLOSED`. */
  close(): Promise<void>;
}
