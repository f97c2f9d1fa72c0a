/**
 * Backoff for reconnecting: exponential, capped, with jitter, so that many stations that lost
 * the same broker do not all come back at the same instant.
 *
 * @module
 */

/** How to space reconnect attempts. */
export interface ReconnectPolicy {
  /** Delay before the first attempt. @default {2000} */
  readonly initialDelayMs?: number;
  /** Upper bound of a delay. @default {300000} */
  readonly maxDelayMs?: number;
  /** Growth factor between attempts. @default {2} */
  readonly multiplier?: number;
  /** Random spread, as a fraction of the delay (0.2 = +/-20 %). @default {0.2} */
  readonly jitter?: number;
}

/** The cloud-friendly defaults: 2 s, doubling, at most 5 min, +/-20 %. */
export const DEFAULT_RECONNECT_POLICY: Required<ReconnectPolicy> = Object.freeze({
  initialDelayMs: 2_000,
  maxDelayMs: 300_000,
  multiplier: 2,
  jitter: 0.2,
});

/**
 * The delay before reconnect attempt `attempt` (1 for the first).
 *
 * @param policy The policy (missing keys take the defaults).
 * @param attempt Attempt number, 1-based.
 * @param random A source of numbers in [0, 1). @default {Math.random}
 * @returns Milliseconds, never negative, never above `maxDelayMs`.
 * @throws {RangeError} for a policy with a negative delay, a multiplier below 1 or a jitter
 * outside 0..1.
 *
 * @example Doubling from 2 s, no jitter
 * ```ts
 * import { backoffDelay } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * const policy = { initialDelayMs: 2000, multiplier: 2, maxDelayMs: 10000, jitter: 0 };
 * assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(policy, n)), [2000, 4000, 8000, 10000]);
 * ```
 */
export function backoffDelay(
  policy: ReconnectPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const p = { ...DEFAULT_RECONNECT_POLICY, ...policy };
  if (p.initialDelayMs < 0 || p.maxDelayMs < 0) {
    throw new RangeError(
      `Cannot compute a backoff: delays must be \u2265 0, got ${p.initialDelayMs} and ${p.maxDelayMs}`,
    );
  }
  if (!(p.multiplier >= 1)) {
    throw new RangeError(
      `Cannot compute a backoff: multiplier must be \u2265 1, got ${p.multiplier}`,
    );
  }
  if (!(p.jitter >= 0 && p.jitter <= 1)) {
    throw new RangeError(`Cannot compute a backoff: jitter must be in 0..1, got ${p.jitter}`);
  }
  const base = Math.min(p.maxDelayMs, p.initialDelayMs * p.multiplier ** Math.max(0, attempt - 1));
  const spread = base * p.jitter * (2 * random() - 1);
  return Math.round(Math.min(p.maxDelayMs, Math.max(0, base + spread)));
}
