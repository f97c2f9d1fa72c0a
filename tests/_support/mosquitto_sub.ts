/**
 * The real `mosquitto_sub` client as a subprocess, as a user debugging a broker runs it:
 * `mosquitto_sub -h 127.0.0.1 -p <port> -t <filter>… -v -W <seconds> -C <count>`. It ends on
 * its own after `count` messages or `timeoutSeconds`; a Deno-side deadline a few seconds later
 * kills it by its PID should it hang.
 *
 * @module
 */
import { findExecutable } from "./processes.ts";

/** One line of `mosquitto_sub -v`: the topic, a space, the payload. */
export interface SubLine {
  /** The topic. */
  readonly topic: string;
  /** The payload (text; `mosquitto_sub` prints an empty payload as nothing). */
  readonly payload: string;
}

/** Options of {@linkcode mosquittoSub}. */
export interface MosquittoSubOptions {
  /** The broker's port on 127.0.0.1. */
  readonly port: number;
  /** Topic filters (`-t`, one per filter). */
  readonly topics: readonly string[];
  /** Exit after this many messages (`-C`). */
  readonly count: number;
  /** Exit after this many seconds without all of them (`-W`), failing. */
  readonly timeoutSeconds: number;
}

/** The path of `mosquitto_sub`, or null when it is not installed (Debian: mosquitto-clients). */
export function mosquittoSubPath(): string | null {
  return findExecutable("mosquitto_sub");
}

/**
 * Run `mosquitto_sub` until it got `count` messages.
 *
 * @param options Port, filters, count and timeout.
 * @returns The messages, in the order it printed them.
 * @throws {Error} when it is not installed, exits with an error (a `-W` timeout: exit code 27),
 *   or does not end within its timeout plus five seconds; the message has what it printed.
 */
export async function mosquittoSub(options: MosquittoSubOptions): Promise<SubLine[]> {
  const path = mosquittoSubPath();
  if (path === null) throw new Error("mosquitto_sub is not installed (mosquitto-clients)");
  const args = [
    "-h",
    "127.0.0.1",
    "-p",
    String(options.port),
    ...options.topics.flatMap((topic) => ["-t", topic]),
    "-v",
    "-W",
    String(options.timeoutSeconds),
    "-C",
    String(options.count),
  ];
  const child = new Deno.Command(path, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }, (options.timeoutSeconds + 5) * 1000);
  let output: Deno.CommandOutput;
  try {
    output = await child.output();
  } finally {
    clearTimeout(timer);
  }
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `mosquitto_sub ${args.join(" ")} exited with ${
        output.signal ?? `code ${output.code}`
      } (27: its -W timeout): ${stderr}\nit printed:\n${stdout}`,
    );
  }
  return stdout.split("\n").filter((line) => line !== "").map((line) => {
    const space = line.indexOf(" ");
    return space === -1
      ? { topic: line, payload: "" }
      : { topic: line.slice(0, space), payload: line.slice(space + 1) };
  });
}
