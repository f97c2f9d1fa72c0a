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
import { type Deadline, DEADLINES } from "../_shared/_deadlines.ts";
import { TransportError } from "../errors/errors.ts";
import type { ReplyMatcher } from "./types.ts";

interface Pending {
  readonly isReply: ReplyMatcher;
  readonly key: Uint8Array | null;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number;
  readonly timeoutMessage: string;
  readonly resolve: (reply: Uint8Array) => void;
  readonly reject: (error: TransportError) => void;
  deadline: Deadline | null;
  settled: boolean;
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
  // The reply just consumed, copied (the caller owns the reply and may change it) into storage
  // that is reused from one reply to the next.
  #hasLast = false;
  #lastKey: Uint8Array | null = null;
  #lastReply = new Uint8Array(0);
  #lastLength = 0;
  // The signal requests came with last, and the one listener on it: a caller passes the same
  // signal to request after request (a client, its joined signal), and a listener costs more
  // than the rest of a request's bookkeeping.
  #watched: AbortSignal | null = null;
  #onWatchedAbort: (() => void) | null = null;
  #now: () => number;

  constructor(now: () => number = performance.now.bind(performance)) {
    this.#now = now;
  }

  /** Wait for the turn, open the window, call `send`, resolve with the matching payload. */
  run(
    isReply: ReplyMatcher,
    send: (fail: (error: TransportError) => void) => void,
    options: WindowRunOptions,
  ): Promise<Uint8Array> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    const key = options.key ?? null;
    // A free turn and no stale request in the way (nearly always): the window opens now,
    // without an async step.
    if (!this.#busy && this.#blockingStale(key) === null) {
      this.#busy = true;
      return this.#open(isReply, send, options, key);
    }
    return this.#runLater(isReply, send, options, key);
  }

  /** Wait for the turn and for a stale request's reply, then open the window. */
  async #runLater(
    isReply: ReplyMatcher,
    send: (fail: (error: TransportError) => void) => void,
    options: WindowRunOptions,
    key: Uint8Array | null,
  ): Promise<Uint8Array> {
    const { signal } = options;
    // Rejected (aborted, or failAll) while queued: no turn was taken.
    if (this.#busy) await this.#acquire(signal);
    else this.#busy = true;
    try {
      if (this.#blockingStale(key)) await this.#waitForStale(key, signal);
      // Aborted while it waited for its turn or a stale reply (a listener may have missed it).
      if (signal?.aborted) throw abortedError(signal);
    } catch (error) {
      this.#release();
      throw error;
    }
    return await this.#open(isReply, send, options, key);
  }

  /**
   * The turn is this request's: open the window and send. The promise settles with the reply or
   * the error, and the turn passes on as it does.
   */
  #open(
    isReply: ReplyMatcher,
    send: (fail: (error: TransportError) => void) => void,
    options: WindowRunOptions,
    key: Uint8Array | null,
  ): Promise<Uint8Array> {
    const notReady = options.ready();
    if (notReady) {
      this.#release();
      return Promise.reject(notReady);
    }
    const { signal } = options;
    if (signal !== undefined) this.#watch(signal);
    return new Promise<Uint8Array>((resolve, reject) => {
      const pending: Pending = {
        isReply,
        key,
        signal,
        timeoutMs: options.timeoutMs,
        timeoutMessage: options.timeoutMessage,
        resolve,
        reject,
        deadline: null,
        settled: false,
        ignored: 0,
      };
      pending.deadline = DEADLINES.after(
        options.timeoutMs,
        () => this.#settle(pending, timeoutError(pending)),
      );
      this.#pending = pending;
      try {
        send((error) => this.#settle(pending, error));
      } catch (error) {
        this.#settle(
          pending,
          error instanceof TransportError
            ? error
            : new TransportError("TRANSPORT_DISCONNECTED", `Cannot send: ${error}`, {
              cause: error,
            }),
        );
      }
    });
  }

  #settle(pending: Pending, error: TransportError | null, reply?: Uint8Array): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.deadline?.cancel();
    if (this.#pending === pending) this.#pending = null;
    if (error) {
      // Its reply may still come: remember the request so that the reply is not taken by the
      // next one.
      if (error.code === "TRANSPORT_TIMEOUT" || error.code === "TRANSPORT_ABORTED") {
        this.#markStale(pending.isReply, pending.key, pending.timeoutMs);
      }
      pending.reject(error);
    } else {
      this.#remember(pending.key, reply!);
      pending.resolve(reply!);
    }
    this.#release();
  }

  #remember(key: Uint8Array | null, reply: Uint8Array): void {
    if (this.#lastReply.length < reply.length) this.#lastReply = new Uint8Array(reply.length);
    this.#lastReply.set(reply);
    this.#lastLength = reply.length;
    this.#lastKey = key;
    this.#hasLast = true;
  }

  /** Listen to `signal`'s abort (once per signal, not per request): it ends its pending request. */
  #watch(signal: AbortSignal): void {
    if (signal === this.#watched) return;
    this.#unwatch();
    const onAbort = () => {
      const pending = this.#pending;
      if (pending !== null && pending.signal === signal) {
        this.#settle(pending, abortedError(signal));
      }
    };
    signal.addEventListener("abort", onAbort, { once: true });
    this.#watched = signal;
    this.#onWatchedAbort = onAbort;
  }

  #unwatch(): void {
    if (this.#watched !== null) this.#watched.removeEventListener("abort", this.#onWatchedAbort!);
    this.#watched = null;
    this.#onWatchedAbort = null;
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
    if (
      this.#hasLast && this.#isLastReply(payload) &&
      (pending === null || !sameKey(pending.key, this.#lastKey))
    ) {
      return "repeat";
    }
    if (pending === null) return "none";
    if (!safeMatch(pending.isReply, payload)) {
      pending.ignored++;
      return "none";
    }
    this.#settle(pending, null, payload);
    return "reply";
  }

  #isLastReply(payload: Uint8Array): boolean {
    const length = this.#lastLength;
    if (payload.length !== length) return false;
    const last = this.#lastReply;
    for (let i = 0; i < length; i++) if (payload[i] !== last[i]) return false;
    return true;
  }

  /** End the pending request (not the queued ones) with an error. */
  failPending(error: TransportError): void {
    if (this.#pending !== null) this.#settle(this.#pending, error);
  }

  /** End the pending request and every queued one; forget stale requests. */
  failAll(error: TransportError): void {
    // The queued ones first: the pending one's turn then passes to nobody.
    const queued = this.#queue.splice(0);
    if (this.#pending !== null) this.#settle(this.#pending, error);
    for (const waiter of queued) waiter.reject(error);
    this.#stale = [];
    this.#staleWaiter?.();
    this.#unwatch();
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

function timeoutError(pending: Pending): TransportError {
  return new TransportError(
    "TRANSPORT_TIMEOUT",
    pending.ignored === 0
      ? pending.timeoutMessage
      : `${pending.timeoutMessage} (${
        pending.ignored === 1 ? "1 frame" : `${pending.ignored} frames`
      } that did not answer the request ignored)`,
  );
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
