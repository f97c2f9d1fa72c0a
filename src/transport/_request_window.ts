// The request/reply machinery every transport shares: requests run one at a time in call
// order; the reply window opens before the payload is sent; a timeout, an abort or a lost
// connection ends the window at once.
//
// A reply is never taken from another request (docs/reliability.md):
// - stale: a request that timed out or was aborted may still be answered. Its matcher stays
//   "stale" for a grace period (its own timeout): a frame it accepts is its late reply and is
//   dropped, also while another request is pending; a request identical to a stale one is not
//   sent before the stale reply came or the grace ran out (the two replies could not be told
//   apart);
// - repeat: a byte-identical copy of the reply just consumed is dropped while a different
//   request is pending (a duplicate delivery is not that request's reply).
import { TransportError } from "../errors/errors.ts";
import type { ReplyMatcher } from "./types.ts";

interface Pending {
  readonly isReply: ReplyMatcher;
  readonly key: Uint8Array | null;
  readonly settle: (error: TransportError | null, reply?: Uint8Array) => void;
  /** Frames offered while pending that it did not accept. */
  ignored: number;
}

interface Stale {
  readonly isReply: ReplyMatcher;
  readonly key: Uint8Array | null;
  readonly until: number;
}

/** At most this many timed-out requests are remembered as stale. */
const MAX_STALE = 8;
/** A stale request is remembered at most this long, whatever its timeout. */
const MAX_GRACE_MS = 30_000;

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: TransportError) => void;
}

/** Options of one request run. */
export interface WindowRunOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs: number;
  /** Checked once the request has its turn: an error when it cannot be sent now. */
  readonly ready: () => TransportError | null;
  /** What to say on timeout. */
  readonly timeoutMessage: string;
  /**
   * The request as sent: requests with equal keys are the same request (their replies cannot
   * be told apart). @default {null: treated as equal to every other request}
   */
  readonly key?: Uint8Array | undefined;
}

/** What {@linkcode RequestWindow.offer} did with a payload. */
export type OfferResult = "reply" | "stale" | "repeat" | "none";

export class RequestWindow {
  #pending: Pending | null = null;
  #busy = false;
  #queue: Waiter[] = [];
  #stale: Stale[] = [];
  #staleWaiter: (() => void) | null = null;
  #last: { key: Uint8Array | null; reply: Uint8Array } | null = null;
  #now: () => number;

  constructor(now: () => number = performance.now.bind(performance)) {
    this.#now = now;
  }

  /** Wait for the turn, open the window, call `send`, resolve with the matching payload. */
  async run(
    isReply: ReplyMatcher,
    send: (fail: (error: TransportError) => void) => void,
    options: WindowRunOptions,
  ): Promise<Uint8Array> {
    const { signal } = options;
    if (signal?.aborted) throw abortedError(signal);
    await this.#acquire(signal);
    try {
      const key = options.key ?? null;
      // Only await when there is something to wait for: the window opens in the same tick.
      if (this.#blockingStale(key)) await this.#waitForStale(key, signal);
      const notReady = options.ready();
      if (notReady) throw notReady;
      return await new Promise<Uint8Array>((resolve, reject) => {
        let settled = false;
        const settle = (error: TransportError | null, reply?: Uint8Array) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          if (this.#pending === pending) this.#pending = null;
          if (error) {
            // Its reply may still come: remember the request so that the reply is not taken
            // by the next one.
            if (error.code === "TRANSPORT_TIMEOUT" || error.code === "TRANSPORT_ABORTED") {
              this.#markStale(isReply, key, options.timeoutMs);
            }
            reject(error);
          } else {
            this.#last = { key, reply: reply!.slice() };
            resolve(reply!);
          }
        };
        const pending: Pending = { isReply, key, settle, ignored: 0 };
        const onAbort = () => settle(abortedError(signal!));
        const timer = setTimeout(
          () =>
            settle(
              new TransportError(
                "TRANSPORT_TIMEOUT",
                pending.ignored === 0
                  ? options.timeoutMessage
                  : `${options.timeoutMessage} (${
                    pending.ignored === 1 ? "1 frame" : `${pending.ignored} frames`
                  } that did not answer the request ignored)`,
              ),
            ),
          options.timeoutMs,
        );
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#pending = pending;
        try {
          send((error) => settle(error));
        } catch (error) {
          settle(
            error instanceof TransportError
              ? error
              : new TransportError("TRANSPORT_DISCONNECTED", `Cannot send: ${error}`, {
                cause: error,
              }),
          );
        }
      });
    } finally {
      this.#release();
    }
  }

  /**
   * Hand a received payload to the window; true when the window took it (so it is no
   * unsolicited frame): the pending request's reply, the late reply of a request that timed
   * out (dropped), or a byte-identical copy of the reply just consumed (dropped).
   */
  offer(payload: Uint8Array): boolean {
    return this.classify(payload) !== "none";
  }

  /** Same as {@linkcode RequestWindow.offer}, telling what the payload was. */
  classify(payload: Uint8Array): OfferResult {
    const stale = this.#takeStale(payload);
    if (stale) return "stale";
    const pending = this.#pending;
    const last = this.#last;
    if (
      last !== null && bytesEqual(payload, last.reply) &&
      (pending === null || !sameKey(pending.key, last.key))
    ) {
      return "repeat";
    }
    if (pending === null) return "none";
    if (!safeMatch(pending.isReply, payload)) {
      pending.ignored++;
      return "none";
    }
    pending.settle(null, payload);
    return "reply";
  }

  /** End the pending request (not the queued ones) with an error. */
  failPending(error: TransportError): void {
    this.#pending?.settle(error);
  }

  /** End the pending request and every queued one; forget stale requests. */
  failAll(error: TransportError): void {
    this.#pending?.settle(error);
    for (const waiter of this.#queue.splice(0)) waiter.reject(error);
    this.#stale = [];
    this.#staleWaiter?.();
  }

  #markStale(isReply: ReplyMatcher, key: Uint8Array | null, timeoutMs: number): void {
    const grace = Math.min(Math.max(timeoutMs, 0), MAX_GRACE_MS);
    this.#stale.push({ isReply, key, until: this.#now() + grace });
    if (this.#stale.length > MAX_STALE) this.#stale.shift();
  }

  /** The oldest live stale request the payload answers, removed; expired ones are dropped. */
  #takeStale(payload: Uint8Array): boolean {
    if (this.#stale.length === 0) return false;
    const now = this.#now();
    this.#stale = this.#stale.filter((s) => s.until > now);
    const i = this.#stale.findIndex((s) => safeMatch(s.isReply, payload));
    if (i < 0) return false;
    this.#stale.splice(i, 1);
    this.#staleWaiter?.();
    return true;
  }

  /** The live stale requests identical to `key`, or null when there is none. */
  #blockingStale(key: Uint8Array | null): Stale[] | null {
    if (this.#stale.length === 0) return null;
    const now = this.#now();
    this.#stale = this.#stale.filter((s) => s.until > now);
    const blocking = this.#stale.filter((s) => sameKey(s.key, key));
    return blocking.length === 0 ? null : blocking;
  }

  /**
   * Before sending a request identical to a stale one: wait until the stale reply came (and
   * was dropped) or its grace ran out, so that the two replies are never confused.
   */
  async #waitForStale(key: Uint8Array | null, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      const blocking = this.#blockingStale(key);
      if (blocking === null) return;
      const now = this.#now();
      const until = Math.max(...blocking.map((s) => s.until));
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.#staleWaiter = null;
          resolve();
        };
        const onAbort = () => {
          clearTimeout(timer);
          this.#staleWaiter = null;
          reject(abortedError(signal!));
        };
        const timer = setTimeout(done, Math.max(0, until - now));
        this.#staleWaiter = done;
        if (signal?.aborted) onAbort();
        else signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }

  #acquire(signal: AbortSignal | undefined): Promise<void> {
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(abortedError(signal!));
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next.resolve();
    else this.#busy = false;
  }
}

export function abortedError(signal: AbortSignal): TransportError {
  const reason = signal.reason instanceof Error
    ? signal.reason.message
    : String(signal.reason ?? "aborted");
  return new TransportError("TRANSPORT_ABORTED", `Request aborted: ${reason}`, {
    cause: signal.reason,
  });
}

function safeMatch(isReply: ReplyMatcher, payload: Uint8Array): boolean {
  try {
    return isReply(payload) === true;
  } catch {
    return false;
  }
}

function sameKey(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null || bytesEqual(a, b);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
