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
  /**
   * The command will not listen after all (`runtime --once`, `--dry-run`): give the signals
   * their default action back (a signal held since the process started ends it now).
   */
  release?(): void;
}

/**
 * A repeat of the signal just received, within this many milliseconds, is the same stop request
 * delivered twice, not a second request. `deno task` forwards the signals it receives to the
 * command it runs, so a SIGTERM sent to the whole process group (systemd's
 * `KillMode=control-group`, `timeout`, `kill -- -PGID`) and a Ctrl-C in a terminal (the
 * terminal signals the foreground process group) reach the CLI twice within a few
 * milliseconds. A different signal, or the same one later than this, is a deliberate second
 * request.
 */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1_000;

/** What a {@linkcode StopSignalHub} needs from the process; tests pass doubles. */
export interface SignalSystem {
  /** Start delivering `name` to `handler` (and stop its default action). */
  add(name: Deno.Signal, handler: () => void): void;
  /** Undo {@linkcode SignalSystem.add}. */
  remove(name: Deno.Signal, handler: () => void): void;
  /** A monotonic clock, ms. */
  now(): number;
  /** End the process with this code. */
  exit(code: number): void;
}

const EXIT_CODES: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * The one owner of the stop signals in the process. It can hold them from the first moment of
 * the process, before any command listens (a signal received then is kept and delivered to the
 * first listener); it drops a repeat within {@linkcode DUPLICATE_SIGNAL_WINDOW_MS}; and once a
 * command has listened and stopped listening, a further signal ends the process with the code
 * its default action would give (128 + its number), as if nobody listened.
 *
 * @example A signal held before the command listens, and a forwarded duplicate dropped
 * ```ts
 * import { StopSignalHub } from "./_signals.ts";
 * import assert from "node:assert/strict";
 *
 * const handlers = new Map<string, () => void>();
 * let now = 0;
 * const hub = new StopSignalHub(["SIGINT", "SIGTERM"], {
 *   add: (name, handler) => handlers.set(name, handler),
 *   remove: (name) => handlers.delete(name),
 *   now: () => now,
 *   exit: () => {},
 * });
 * hub.hold();
 * handlers.get("SIGTERM")!(); // early: held
 * now += 5;
 * handlers.get("SIGTERM")!(); // the task runner's copy: dropped
 * const received: string[] = [];
 * hub.listen((signal) => received.push(signal));
 * assert.deepEqual(received, ["SIGTERM"]);
 * ```
 */
export class StopSignalHub implements StopSignals {
  readonly #names: readonly Deno.Signal[];
  readonly #system: SignalSystem;
  readonly #listeners = new Set<(signal: string) => void>();
  #handlers: (readonly [Deno.Signal, () => void])[] | null = null;
  #holding = false;
  #claimed = false;
  #held: string[] = [];
  #last: { readonly name: string; readonly at: number } | null = null;

  /**
   * Create a hub; nothing is listened to until {@linkcode StopSignalHub.hold} or
   * {@linkcode StopSignalHub.listen}.
   *
   * @param names The stop signals.
   * @param system Signal listeners, clock and exit of the process.
   */
  constructor(names: readonly Deno.Signal[], system: SignalSystem) {
    this.#names = names;
    this.#system = system;
  }

  /** Listen from now on and keep what arrives until a command listens or releases. */
  hold(): void {
    this.#holding = true;
    this.#install();
  }

  /**
   * The command will not listen: end the process as the default action would if a stop signal
   * was held, else give the signals their default action back.
   */
  release(): void {
    this.#holding = false;
    const held = this.#held.shift();
    if (held !== undefined && this.#listeners.size === 0) this.#system.exit(exitCode(held));
    if (this.#listeners.size === 0) this.#uninstall();
  }

  /**
   * Call `onStop` with the signal's name for each stop request; a signal held since
   * {@linkcode StopSignalHub.hold} is delivered at once.
   *
   * @param onStop Called once per stop request (duplicates within the window dropped).
   * @returns A function that stops listening.
   */
  listen(onStop: (signal: string) => void): () => void {
    this.#claimed = true;
    this.#listeners.add(onStop);
    this.#install();
    for (const signal of this.#held.splice(0)) onStop(signal);
    let listening = true;
    return () => {
      if (!listening) return;
      listening = false;
      this.#listeners.delete(onStop);
      if (this.#listeners.size === 0 && !this.#holding) this.#uninstall();
    };
  }

  #receive(name: string): void {
    const now = this.#system.now();
    const last = this.#last;
    if (last && last.name === name && now - last.at < DUPLICATE_SIGNAL_WINDOW_MS) return;
    this.#last = { name, at: now };
    if (this.#listeners.size > 0) {
      for (const listener of [...this.#listeners]) listener(name);
    } else if (this.#claimed) {
      // The command listened and has stopped listening: the default action.
      this.#system.exit(exitCode(name));
    } else {
      this.#held.push(name);
    }
  }

  #install(): void {
    if (this.#handlers) return;
    this.#handlers = this.#names.map((name) => [name, () => this.#receive(name)] as const);
    for (const [name, handler] of this.#handlers) this.#system.add(name, handler);
  }

  #uninstall(): void {
    for (const [name, handler] of this.#handlers ?? []) this.#system.remove(name, handler);
    this.#handlers = null;
  }
}

function exitCode(signal: string): number {
  return EXIT_CODES[signal] ?? 1;
}

const DENO_SIGNAL_SYSTEM: SignalSystem = {
  add: (name, handler) => Deno.addSignalListener(name, handler),
  remove: (name, handler) => Deno.removeSignalListener(name, handler),
  now: () => performance.now(),
  exit: (code) => Deno.exit(code),
};

/**
 * SIGINT, and SIGTERM where the platform has it: the signals that stop `simulate`, `runtime`
 * and `demo`, owned by one process-wide {@linkcode StopSignalHub}. Listening replaces their
 * default action (ending the process) until the returned function is called.
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
export const DENO_STOP_SIGNALS: StopSignalHub = new StopSignalHub(
  WINDOWS ? ["SIGINT"] : ["SIGINT", "SIGTERM"],
  DENO_SIGNAL_SYSTEM,
);

/** The commands that listen to the stop signals: the others give them back at once. */
const LISTENING_COMMANDS: ReadonlySet<string> = new Set(["runtime", "demo", "simulate"]);

/**
 * Hold the stop signals from the first moment of the CLI process, so that a SIGTERM received
 * while the modules load is not the default action (exit 143) but the graceful stop of the
 * command once it listens. Called by the module cli.ts imports first, only when cli.ts is the
 * main module.
 */
export function holdStopSignals(): void {
  DENO_STOP_SIGNALS.hold();
}

/**
 * The CLI knows its command: a command that does not listen to the stop signals gives them
 * back (a signal held so far ends the process as its default action would).
 *
 * @param args The command line (the command is its first argument that is not a flag).
 */
export function releaseStopSignalsUnlessListening(args: readonly string[]): void {
  const command = args.find((arg) => !arg.startsWith("-"));
  if (command === undefined || !LISTENING_COMMANDS.has(command)) DENO_STOP_SIGNALS.release();
}

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
