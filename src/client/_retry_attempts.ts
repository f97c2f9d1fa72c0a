// How many attempts a retry policy allows, checked: shared by retry() and the client's read,
// which makes its first attempt without retry() (see client.ts). Private to src/client.
import type { RetryPolicy } from "./retry_policy.ts";

/**
 * `{ maxAttempts: fallback, ...policy }.maxAttempts`, without the copy.
 *
 * @throws {RangeError} when it is not a positive integer.
 */
export function maxAttemptsOf(policy: RetryPolicy, fallback: number): number {
  const maxAttempts = Object.hasOwn(policy, "maxAttempts") ? policy.maxAttempts : fallback;
  if (!Number.isInteger(maxAttempts) || maxAttempts! < 1) {
    throw new RangeError(
      `Cannot retry as 'maxAttempts' must be a positive integer: current value is ${maxAttempts}`,
    );
  }
  return maxAttempts!;
}
