/**
 * A base for transports that wrap another one and change only part of what it does (record
 * the exchanges, rewrite an address byte): every member passes through to the wrapped
 * transport until a subclass overrides it.
 *
 * @module
 */
import type {
  ReplyMatcher,
  RequestOptions,
  Transport,
  TransportState,
  TransportStateChange,
  UnsolicitedFrame,
} from "./types.ts";

/**
 * A transport that does what the transport it wraps does. Extend it and override the members
 * that differ (usually {@linkcode DelegatingTransport.request}, calling `super.request` to
 * reach the wrapped transport); the others stay pass-throughs.
 *
 * @example Count the requests of a transport
 * ```ts
 * import {
 *   DelegatingTransport,
 *   LoopbackTransport,
 *   type ReplyMatcher,
 *   type RequestOptions,
 * } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * class CountingTransport extends DelegatingTransport {
 *   count = 0;
 *   override request(
 *     payload: Uint8Array,
 *     isReply: ReplyMatcher,
 *     options?: RequestOptions,
 *   ): Promise<Uint8Array> {
 *     this.count++;
 *     return super.request(payload, isReply, options);
 *   }
 * }
 *
 * await using transport = new CountingTransport(new LoopbackTransport((payload) => payload));
 * await transport.connect();
 * assert.equal(transport.state, "connected");
 * const reply = await transport.request(new Uint8Array([1, 3]), (p) => p[0] === 1);
 * assert.deepEqual([...reply], [1, 3]);
 * assert.equal(transport.count, 1);
 * ```
 */
export class DelegatingTransport implements Transport {
  readonly #inner: Transport;

  /**
   * Wrap a transport.
   *
   * @param inner The transport every call goes to.
   */
  constructor(inner: Transport) {
    this.#inner = inner;
  }

  /** The wrapped transport's state. */
  get state(): TransportState {
    return this.#inner.state;
  }

  /**
   * Connect the wrapped transport.
   *
   * @param options An abort signal.
   */
  connect(options?: { readonly signal?: AbortSignal }): Promise<void> {
    return this.#inner.connect(options);
  }

  /**
   * Send through the wrapped transport.
   *
   * @param payload The request payload, framed.
   * @param isReply Which frame is the reply.
   * @param options Timeout and abort signal.
   * @returns The reply.
   */
  request(
    payload: Uint8Array,
    isReply: ReplyMatcher,
    options?: RequestOptions,
  ): Promise<Uint8Array> {
    return this.#inner.request(payload, isReply, options);
  }

  /**
   * Listen to the wrapped transport's unsolicited frames.
   *
   * @param listener Called with each frame.
   * @returns A function that stops listening.
   */
  onUnsolicited(listener: (frame: UnsolicitedFrame) => void): () => void {
    return this.#inner.onUnsolicited(listener);
  }

  /**
   * Listen to the wrapped transport's state changes.
   *
   * @param listener Called with each change.
   * @returns A function that stops listening.
   */
  onState(listener: (change: TransportStateChange) => void): () => void {
    return this.#inner.onState(listener);
  }

  /** Close the wrapped transport. */
  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Close the wrapped transport (through {@linkcode DelegatingTransport.close}). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
