/**
 * Retries of transport failures: exponential backoff with jitter, a cap on attempts and on the
 * delay, abortable waits. Protocol, parse and validation errors are never retried.
 *
 * @module
 */
import { type PowerSdkError, TransportError } from "../errors/errors.ts";
import { backoffDelay, type ReconnectPolicy } from "../transport/reconnect_policy.ts";
import { maxAttemptsOf } from "./_retry_attempts.ts";

/**
 * How to retry a failed request: the backoff of a {@linkcode ReconnectPolicy} (here with
 * {@linkcode DEFAULT_RETRY_POLICY}'s defaults: 500 ms first delay, 10 s cap, x2, 20 % jitter)
 * plus a cap on attempts.
 */
export interface RetryPolicy extends ReconnectPolicy {
  /** Attempts in all, the first included; 1 = no retry. @default {3} */
  readonly maxAttempts?: number;
}

/** The defaults: 3 attempts, 500 ms doubling, at most 10 s, +/-20 %. */
export const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = Object.freeze({
  maxAttempts: 3,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.2,
});

const NEVER_RETRIED = new Set([
  "TRANSPORT_CLOSED",
  "TRANSPORT_ABORTED",
  "TRANSPORT_CREDENTIALS",
  "TRANSPORT_INVALID_ARGUMENT",
]);

/**
 * Whether an error is worth another attempt: a transport failure (timeout, lost connection),
 * not a closed transport, an abort, bad credentials or a bad argument - and never a protocol,
 * parse or validation error.
 *
 * @param error What was thrown.
 * @returns True when a retry may succeed.
 *
 * @example
 * ```ts
 * import { ProtocolError, TransportError } from "@power-sdk/sdk";
 * import { isRetryable } from "@power-sdk/sdk/client";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isRetryable(new TransportError("TRANSPORT_TIMEOUT", "no reply")));
 * assert.ok(!isRetryable(new ProtocolError("PROTOCOL_CRC", "bad CRC")));
 * ```
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof TransportError && !NEVER_RETRIED.has(error.code);
}

/** What {@linkcode retry} reports before each wait. */
export interface RetryEvent {
  /** The attempt that failed, 1-based. */
  readonly attempt: number;
  /** Its error. */
  readonly error: PowerSdkError;
  /** The wait before the next attempt, ms. */
  readonly delayMs: number;
}

/**
 * Run `fn` until it succeeds, fails with an error that is not retryable, or runs out of
 * attempts; wait per the policy between attempts.
 *
 * @param fn The operation; receives the attempt number (1-based).
 * @param policy The policy.
 * @param options An abort signal (ends a wait at once) and a callback before each wait.
 * @returns What `fn` returned.
 * @throws the last error of `fn`, or a `TRANSPORT_ABORTED` error when aborted during a wait.
 *
 * @example Two timeouts, then success
 * ```ts
 * import { TransportError } from "@power-sdk/sdk";
 * import { retry } from "@power-sdk/sdk/client";
 * import assert from "node:assert/strict";
 *
 * let calls = 0;
 * const value = await retry(() => {
 *   calls++;
 *   if (calls < 3) throw new TransportError("TRANSPORT_TIMEOUT", "no reply");
 *   return Promise.resolve("ok");
 * }, { maxAttempts: 3, initialDelayMs: 1, jitter: 0 });
 * assert.equal(value, "ok");
 * assert.equal(calls, 3);
 * ```
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = {},
  options: {
    readonly signal?: AbortSignal | undefined;
    readonly onRetry?: ((event: RetryEvent) => void) | undefined;
    readonly random?: (() => number) | undefined;
  } = {},
): Promise<T> {
  const maxAttempts = maxAttemptsOf(policy, DEFAULT_RETRY_POLICY.maxAttempts);
  for (let attempt = 1;; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      // The whole policy only when a retry is due: most calls succeed at the first attempt.
      const delayMs = backoffDelay({ ...DEFAULT_RETRY_POLICY, ...policy }, attempt, options.random);
      options.onRetry?.({ attempt, error: error as PowerSdkError, delayMs });
      await abortableDelay(delayMs, options.signal);
    }
  }
}

/**
 * Wait `ms`, or less when the signal aborts (then reject with `TRANSPORT_ABORTED`).
 *
 * @param ms Milliseconds.
 * @param signal Ends the wait.
 * @returns A promise that resolves after the wait.
 *
 * @example
 * ```ts
 * import { abortableDelay } from "@power-sdk/sdk/client";
 * import assert from "node:assert/strict";
 *
 * const controller = new AbortController();
 * const wait = abortableDelay(60_000, controller.signal);
 * controller.abort();
 * await assert.rejects(wait, /aborted/);
 * ```
 */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(aborted(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function aborted(signal: AbortSignal): TransportError {
  const reason = signal.reason instanceof Error
    ? signal.reason.message
    : String(signal.reason ?? "aborted");
  return new TransportError("TRANSPORT_ABORTED", `Wait aborted: ${reason}`, {
    cause: signal.reason,
  });
}
