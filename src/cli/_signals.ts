// The signals that stop a long-running command (`simulate`, `runtime`, `demo`) or end a
// password prompt early: the one place the CLI listens to the process's signals. Private to
// src/cli.

const WINDOWS = Deno.build.os === "windows";

/**
 * Listens for the signals that stop a command.
 *
 * @example A stop signal a test fires itself
 * ```ts
 * import type { StopSignals } from "./_signals.ts";
 * import assert from "node:assert/strict";
 *
 * let fire = (_signal: string) => {};
 * const signals: StopSignals = { listen: (onStop) => (fire = onStop, () => {}) };
 * const received: string[] = [];
 * const unlisten = signals.listen((signal) => received.push(signal));
 * fire("SIGTERM");
 * unlisten();
 * assert.deepEqual(received, ["SIGTERM"]);
 * ```
 */
export interface StopSignals {
  /**
   * Call `onStop` with the signal's name when the process is asked to stop.
   *
   * @param onStop Called at most once per signal received.
   * @returns A function that stops listening.
   */
  listen(onStop: (signal: string) => void): () => void;
}

/**
 * SIGINT, and SIGTERM where the platform has it: the signals that stop `simulate`, `runtime`
 * and `demo`. Listening replaces their default action (ending the process) until the returned
 * function is called.
 *
 * @example Listen, then stop listening
 * ```ts
 * import { DENO_STOP_SIGNALS } from "./_signals.ts";
 * import assert from "node:assert/strict";
 *
 * const received: string[] = [];
 * const unlisten = DENO_STOP_SIGNALS.listen((signal) => received.push(signal));
 * unlisten();
 * assert.deepEqual(received, []);
 * ```
 */
export const DENO_STOP_SIGNALS: StopSignals = {
  listen: (onStop) => listen(WINDOWS ? ["SIGINT"] : ["SIGINT", "SIGTERM"], onStop),
};

/**
 * SIGTERM and SIGHUP, where the platform has them: the signals that end a password prompt
 * early, so that raw mode is undone before the process goes. (Ctrl-C reaches a prompt in raw
 * mode as a byte, not as SIGINT.)
 */
export const DENO_PROMPT_SIGNALS: StopSignals = {
  listen: (onStop) => listen(WINDOWS ? [] : ["SIGTERM", "SIGHUP"], onStop),
};

function listen(names: readonly Deno.Signal[], onStop: (signal: string) => void): () => void {
  const handlers = names.map((name) => [name, () => onStop(name)] as const);
  for (const [name, handler] of handlers) Deno.addSignalListener(name, handler);
  let listening = true;
  return () => {
    if (!listening) return;
    listening = false;
    for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
  };
}
