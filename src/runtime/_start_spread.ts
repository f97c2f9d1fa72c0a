// Over how long the first polls of a runtime are spread. Every group's due times stay on the
// grid of its first poll, so the start's spread is also the steady state's: polls crammed into
// 5 s of a 30 s interval come as a burst every 30 s, however idle the rest of the interval is.

/** First polls are spread over at least this long (or the interval, when shorter). */
export const MIN_START_SPREAD_MS = 5_000;

/** First polls start at most this many per second, while the interval leaves room for it. */
export const START_POLLS_PER_SECOND = 1_000;

/**
 * How long the first polls of a group with `intervalMs` are spread over, when the runtime polls
 * `polls` groups in all (devices x groups): 5 s for a small fleet (its first data comes soon),
 * longer for a large one, so that no more than {@linkcode START_POLLS_PER_SECOND} polls start
 * per second, and never more than the interval.
 *
 * @param polls Groups polled by the runtime, over all pull devices.
 * @param intervalMs The group's interval.
 * @returns The spread, ms: each first poll is due at a random offset in [0, spread).
 */
export function startSpreadMs(polls: number, intervalMs: number): number {
  const needed = (1000 * polls) / START_POLLS_PER_SECOND;
  return Math.min(intervalMs, Math.max(MIN_START_SPREAD_MS, needed));
}
