/**
 * Waits with a deadline of their own: an awaited event that never comes fails the test with
 * what was awaited, instead of hanging until the test runner gives up.
 *
 * @module
 */

/**
 * `promise`, or a rejection naming `what` once `ms` milliseconds pass first. The timer is
 * cleared either way; `promise` itself is not cancelled.
 *
 * @param promise The awaited event.
 * @param ms The deadline.
 * @param what What is awaited, for the error; a function is called at the deadline (to name
 * what was seen until then).
 * @returns What `promise` resolves with.
 */
export async function withDeadline<T>(
  promise: PromiseLike<T>,
  ms: number,
  what: string | (() => string),
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const named = typeof what === "string" ? what : what();
      reject(new Error(`Gave up waiting for ${named} after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Check `ok()` every 20 ms until it is true, for state that has no event to await (messages
 * counted by a listener, lines of a broker's log); rejects naming `what` after `ms`.
 *
 * @param ok The check.
 * @param what What is awaited, for the error.
 * @param ms The deadline.
 */
export async function waitUntil(ok: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
