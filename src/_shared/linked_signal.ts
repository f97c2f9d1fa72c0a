// A signal that aborts when either of two others does, for one operation. `AbortSignal.any`
// does the same, but Deno keeps every signal it ever made in its sources' dependent sets
// (weakly, never pruned): a long-lived source (a device runner's, a client's own) that joins a
// new signal for every request grows without bound, ~350 bytes per request, and the garbage
// collector walks all of them. Private to the package.

/** A joined signal and the way to detach it from its sources. */
export interface LinkedSignal {
  /** Aborts (with the source's reason) as soon as one of the sources aborts. */
  readonly signal: AbortSignal;
  /** Detach from the sources: their later aborts no longer reach `signal`. */
  dispose(): void;
}

/**
 * Join `a` and `b` for one operation; call `dispose` when it is over.
 *
 * @param a One source.
 * @param b The other.
 * @returns The joined signal (already aborted when a source is).
 */
export function linkedSignal(a: AbortSignal, b: AbortSignal): LinkedSignal {
  const controller = new AbortController();
  const done = a.aborted || b.aborted;
  if (done) {
    controller.abort(a.aborted ? a.reason : b.reason);
    return { signal: controller.signal, dispose: () => {} };
  }
  const onA = () => controller.abort(a.reason);
  const onB = () => controller.abort(b.reason);
  a.addEventListener("abort", onA, { once: true });
  b.addEventListener("abort", onB, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      a.removeEventListener("abort", onA);
      b.removeEventListener("abort", onB);
    },
  };
}
