// The request/reply machinery every transport shares: requests run one at a time in call
// order; the reply window opens before the payload is sent; a timeout, an abort or a lost
// connection ends the window at once.
import { TransportError } from "../errors/errors.ts";
import type { ReplyMatcher } from "./types.ts";

interface Pending {
  readonly isReply: ReplyMatcher;
  readonly settle: (error: TransportError | null, reply?: Uint8Array) => void;
}

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
}

export class RequestWindow {
  #pending: Pending | null = null;
  #busy = false;
  #queue: Waiter[] = [];

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
          if (error) reject(error);
          else resolve(reply!);
        };
        const pending: Pending = { isReply, settle };
        const onAbort = () => settle(abortedError(signal!));
        const timer = setTimeout(
          () => settle(new TransportError("TRANSPORT_TIMEOUT", options.timeoutMessage)),
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

  /** Hand a received payload to the pending request; true when it was the reply. */
  offer(payload: Uint8Array): boolean {
    const pending = this.#pending;
    if (pending === null || !safeMatch(pending.isReply, payload)) return false;
    pending.settle(null, payload);
    return true;
  }

  /** End the pending request (not the queued ones) with an error. */
  failPending(error: TransportError): void {
    this.#pending?.settle(error);
  }

  /** End the pending request and every queued one. */
  failAll(error: TransportError): void {
    this.#pending?.settle(error);
    for (const waiter of this.#queue.splice(0)) waiter.reject(error);
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
