/**
 * Helpers for tests that start a real consumer (prometheus, influxd): a free port on
 * 127.0.0.1, an executable lookup, a child process whose output is kept for error messages and
 * which is ended by its PID, and polling with a deadline instead of fixed sleeps.
 *
 * @module
 */

/**
 * A port that was free a moment ago on 127.0.0.1 (the caller retries on "address in use").
 *
 * @returns The port.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * The path of an executable in PATH or the usual sbin folders, or null.
 *
 * @param name The executable's name.
 * @returns Its path, or null.
 */
export function findExecutable(name: string): string | null {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/usr/bin", "/sbin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    try {
      const info = Deno.statSync(`${dir}/${name}`);
      if (info.isFile && (info.mode ?? 0o111) & 0o111) return `${dir}/${name}`;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** A child process started by a test; its output is kept for messages. */
export class TestProcess implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #reading: Promise<void>;
  #output = "";
  #exited = false;
  readonly status: Promise<Deno.CommandStatus>;

  /**
   * Start a process with its stdout and stderr kept.
   *
   * @param command The executable.
   * @param args Its arguments.
   * @param cwd Its working folder.
   */
  constructor(command: string, args: string[], cwd?: string) {
    this.#child = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      ...(cwd ? { cwd } : {}),
    }).spawn();
    const keep = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.#output = (this.#output + chunk).slice(-64 * 1024);
      }
    };
    this.#reading = Promise.all([keep(this.#child.stdout), keep(this.#child.stderr)]).then(
      () => {},
    );
    this.status = this.#child.status.then((status) => {
      this.#exited = true;
      return status;
    });
  }

  /** What it printed so far (the last 64 KiB). */
  get output(): string {
    return this.#output;
  }

  /** Whether it has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** SIGTERM by PID, then wait for the exit and the end of its output. */
  async stop(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
    }
    await this.status;
    await this.#reading;
  }

  /** Same as {@linkcode TestProcess.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Call `probe` until it returns a value (not undefined), with a deadline; waits between tries
 * grow from 50 ms to 500 ms. Rejects with the last error and `what` when the deadline passes.
 *
 * @param what What is awaited.
 * @param probe The check.
 * @param deadlineMs The deadline.
 * @returns The probe's value.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 30_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let wait = 50;
  let last: unknown = null;
  while (true) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) {
      throw new Error(
        `Gave up waiting for ${what} after ${deadlineMs} ms${last ? `: ${String(last)}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(500, wait * 2);
  }
}
