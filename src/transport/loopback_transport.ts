/**
 * An in-memory transport: requests go to a handler function in the same process (a simulated
 * station's model, a test's fake). The proof that the layers above need no MQTT, and the
 * transport of unit tests.
 *
 * @module
 */
import { TransportError } from "../errors/errors.ts";
import { RequestWindow } from "./_request_window.ts";
import { SentQueue } from "./_sent_queue.ts";
import type {
  ReplyMatcher,
  RequestOptions,
  Transport,
  TransportState,
  TransportStateChange,
  UnsolicitedFrame,
} from "./types.ts";

/**
 * Answers a request payload with the payloads the station would send (none, one, or a reply
 * among pushes), now or later. It is called a microtask after the request is sent; an answer
 * returned at once is delivered in that microtask (no async step, nothing allocated per request
 * by the transport beyond the request window's own), a promise when it settles.
 */
export type LoopbackHandler = (
  payload: Uint8Array,
) =>
  | Uint8Array
  | readonly Uint8Array[]
  | null
  | undefined
  | Promise<
    Uint8Array | readonly Uint8Array[] | null | undefined
  >;

/** Options of a {@linkcode LoopbackTransport}. */
export interface LoopbackOptions {
  /** Time allowed for a reply, ms. @default {5000} */
  readonly requestTimeoutMs?: number;
}

/**
 * A transport whose station is a function.
 *
 * @example A station that echoes every request
 * ```ts
 * import { LoopbackTransport } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * await using transport = new LoopbackTransport((payload) => payload);
 * await transport.connect();
 * const reply = await transport.request(new Uint8Array([1, 3]), (p) => p[0] === 1);
 * assert.deepEqual([...reply], [1, 3]);
 * ```
 */
export class LoopbackTransport implements Transport {
  #handler: LoopbackHandler;
  #timeoutMs: number;
  #state: TransportState = "idle";
  #window = new RequestWindow();
  #unsolicited = new Set<(frame: UnsolicitedFrame) => void>();
  #stateListeners = new Set<(change: TransportStateChange) => void>();
  // The requests sent and not yet handed to the handler, oldest first.
  #sent = new SentQueue();

  /**
   * Create a transport around a handler.
   *
   * @param handler The station.
   * @param options Timeout.
   */
  constructor(handler: LoopbackHandler, options: LoopbackOptions = {}) {
    this.#handler = handler;
    this.#timeoutMs = options.requestTimeoutMs ?? 5_000;
  }

  /** The current state. */
  get state(): TransportState {
    return this.#state;
  }

  /**
   * Connect (at once).
   *
   * @throws {TransportError} `TRANSPORT_CLOSED` after close.
   */
  connect(): Promise<void> {
    if (this.#state === "closed") {
      return Promise.reject(
        new TransportError("TRANSPORT_CLOSED", "Cannot connect: the transport is closed"),
      );
    }
    this.#setState("connected");
    return Promise.resolve();
  }

  /**
   * Hand the payload to the handler; resolve with the first payload it produces that
   * `isReply` accepts. Other payloads are unsolicited.
   *
   * @param payload The request.
   * @param isReply Whether a payload answers it.
   * @param options Abort signal and timeout.
   * @returns The reply.
   * @throws {TransportError} `TRANSPORT_TIMEOUT`, `TRANSPORT_DISCONNECTED`,
   * `TRANSPORT_ABORTED`, `TRANSPORT_CLOSED`.
   */
  request(
    payload: Uint8Array,
    isReply: ReplyMatcher,
    options: RequestOptions = {},
  ): Promise<Uint8Array> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return this.#window.run(isReply, (fail) => {
      this.#sent.push(payload, fail);
      queueMicrotask(this.#answer);
    }, {
      signal: options.signal,
      timeoutMs,
      key: payload,
      timeoutMessage: `No reply from the loopback station within ${timeoutMs} ms`,
      ready: () =>
        this.#state === "connected" ? null : new TransportError(
          this.#state === "closed" ? "TRANSPORT_CLOSED" : "TRANSPORT_DISCONNECTED",
          `Cannot send a request: the loopback transport is ${this.#state}`,
        ),
    });
  }

  /**
   * Hand the oldest request sent to the handler (a microtask after it was sent, as a station
   * answers after the request left). A handler that answers synchronously is answered without
   * an async step or a closure per request; a promise is awaited.
   */
  #answer = (): void => {
    const payload = this.#sent.firstPayload;
    const fail = this.#sent.firstFail;
    this.#sent.shift();
    try {
      const out = this.#handler(payload);
      if (isPromiseLike(out)) {
        Promise.resolve(out).then((later) => this.#deliverAll(later)).catch((error) =>
          fail(stationFailed(error))
        );
      } else {
        this.#deliverAll(out);
      }
    } catch (error) {
      fail(stationFailed(error));
    }
  };

  /**
   * Deliver a payload from the station side as if it had arrived unprompted.
   *
   * @param payload The payload.
   */
  push(payload: Uint8Array): void {
    this.#deliver(payload);
  }

  /**
   * Simulate a lost connection: the pending request fails at once, state goes `offline`.
   *
   * @param reason Why, for the error message.
   */
  drop(reason = "connection dropped"): void {
    if (this.#state !== "connected") return;
    this.#window.failPending(
      new TransportError("TRANSPORT_DISCONNECTED", `Lost the loopback connection: ${reason}`),
    );
    this.#setState("offline", reason);
  }

  /**
   * Listen to payloads that were not replies.
   *
   * @param listener Called for each.
   * @returns A function that removes the listener.
   */
  onUnsolicited(listener: (frame: UnsolicitedFrame) => void): () => void {
    this.#unsolicited.add(listener);
    return () => this.#unsolicited.delete(listener);
  }

  /**
   * Listen to state changes.
   *
   * @param listener Called for each change.
   * @returns A function that removes the listener.
   */
  onState(listener: (change: TransportStateChange) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Close: pending and queued requests fail with `TRANSPORT_CLOSED`. */
  close(): Promise<void> {
    if (this.#state !== "closed") {
      this.#window.failAll(
        new TransportError(
          "TRANSPORT_CLOSED",
          "Cannot finish the request: the transport is closed",
        ),
      );
      this.#setState("closed");
    }
    return Promise.resolve();
  }

  /** Same as {@linkcode LoopbackTransport.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #deliverAll(out: Uint8Array | readonly Uint8Array[] | null | undefined): void {
    if (out === null || out === undefined) return;
    if (out instanceof Uint8Array) {
      this.#deliver(out);
      return;
    }
    for (let i = 0; i < out.length; i++) this.#deliver(out[i]!);
  }

  #deliver(payload: Uint8Array): void {
    if (this.#window.offer(payload)) return;
    const frame: UnsolicitedFrame = {
      payload,
      topic: "loopback",
      retained: false,
      receivedAt: Date.now(),
    };
    for (const listener of this.#unsolicited) listener(frame);
  }

  #setState(state: TransportState, reason?: string): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    const change: TransportStateChange = reason === undefined
      ? { state, previous }
      : { state, previous, reason };
    for (const listener of this.#stateListeners) listener(change);
  }
}

function stationFailed(error: unknown): TransportError {
  return new TransportError("TRANSPORT_DISCONNECTED", `The loopback station failed: ${error}`, {
    cause: error,
  });
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}
