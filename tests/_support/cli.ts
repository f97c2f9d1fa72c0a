// The CLI as a user runs it, for the tests under tests/: `deno run -P=cli cli.ts ...` in a
// subprocess with a cleared environment, so the tests also prove the commands need nothing
// beyond the `cli` permission set and the variables they are given. Run to its end with
// powerSdk(), or keep running with CliProcess and read its output as it comes.

const ROOT = new URL("../..", import.meta.url);
/** A safety net only: every wait ends on an event, this bounds a hang. */
const WAIT_TIMEOUT_MS = 30_000;
// Deno's own notice about permission sets in deno.json; not the CLI's output.
const DENO_NOTICE = /^Warning Permissions in the config file is an experimental feature.*\n/m;

/** How to start `power-sdk`. */
export interface CliOptions {
  /**
   * Variables of the process besides PATH, HOME and DENO_DIR (what Deno needs to find its
   * cache) and NO_COLOR=1; nothing else of this process's environment is passed on.
   */
  readonly env?: Record<string, string>;
  /** Folders the process may write, on top of the `cli` permission set. */
  readonly allowWrite?: readonly string[];
  /**
   * Run it as `deno task power-sdk ...` (the task runner and its child) in a process group of
   * its own (`setsid`), as a service manager does; incompatible with `allowWrite`.
   */
  readonly task?: boolean;
  /**
   * A deadline for {@linkcode powerSdk}: past it the process gets SIGTERM (and the run a code
   * that fails the test) instead of hanging the test.
   */
  readonly deadlineMs?: number;
  /**
   * The program to run instead of cli.ts, as `deno run` takes it: the bundle's cli.js
   * (tools/bundle_cli.ts), with the same permission set; incompatible with `task`.
   */
  readonly entry?: string;
}

/** What a `power-sdk` process printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  /** Without Deno's notice about permission sets in deno.json. */
  readonly stderr: string;
}

function cliEnv(vars: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1", ...vars };
  for (const name of ["PATH", "HOME", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function cliCommand(
  args: string[],
  options: CliOptions & { readonly signal?: AbortSignal },
): Deno.Command {
  if (options.task) {
    return new Deno.Command("setsid", {
      args: [Deno.execPath(), "task", "-q", "power-sdk", ...args],
      cwd: ROOT,
      clearEnv: true,
      env: cliEnv(options.env),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }
  const write = options.allowWrite === undefined
    ? []
    : [`--allow-write=${options.allowWrite.join(",")}`];
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=cli", ...write, options.entry ?? "cli.ts", ...args],
    cwd: ROOT,
    clearEnv: true,
    env: cliEnv(options.env),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

/** Runs `power-sdk <args>` to its end; stdin is not a terminal. */
export async function powerSdk(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const command = options.deadlineMs === undefined
    ? cliCommand(args, options)
    : cliCommand(args, { ...options, signal: AbortSignal.timeout(options.deadlineMs) });
  const output = await command.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr).replace(DENO_NOTICE, ""),
  };
}

/** The non-empty lines of `text`. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/** A long-running `power-sdk <args>`, its output read as it comes; killed on dispose. */
export class CliProcess implements AsyncDisposable {
  readonly #command: string;
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<unknown>;
  #stdout = "";
  #stderr = "";
  #waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  #exited = false;
  readonly #task: boolean;

  constructor(args: string[], options: CliOptions = {}) {
    this.#task = options.task === true;
    this.#command = `power-sdk ${args[0] ?? ""}`.trimEnd();
    this.#child = cliCommand(args, options).spawn();
    this.#drained = Promise.all([
      this.#read(this.#child.stdout, (text) => this.#stdout += text),
      this.#read(this.#child.stderr, (text) => this.#stderr += text),
    ]);
    this.#child.status.then(() => this.#exited = true);
  }

  /** Everything printed on stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /** Everything printed on stderr so far, without Deno's notice. */
  get stderr(): string {
    return this.#stderr.replace(DENO_NOTICE, "");
  }

  /**
   * Resolves with the first line that matches, of stdout, else of stderr; rejects if the
   * process exits first.
   */
  async waitFor(pattern: RegExp): Promise<string> {
    const found = Promise.withResolvers<string>();
    this.#waiters.push({ pattern, resolve: found.resolve });
    this.#check();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no line matching ${pattern} within ${WAIT_TIMEOUT_MS} ms`)),
        WAIT_TIMEOUT_MS,
      );
    });
    const exited = this.#child.status.then(async (status) => {
      await this.#drained;
      this.#check();
      throw new Error(
        `${this.#command} exited with ${status.code} before printing ${pattern}:\n${this.stdout}${this.stderr}`,
      );
    });
    try {
      return await Promise.race([found.promise, exited, timeout]);
    } finally {
      clearTimeout(timer);
      exited.catch(() => {});
    }
  }

  /** Sends `signal` to the process by its PID. */
  signal(signal: Deno.Signal): void {
    Deno.kill(this.#child.pid, signal);
  }

  /**
   * Sends `signal` to every process of the process group the process leads (started with
   * `task: true`): the task runner and the command it runs, all started by this test.
   */
  signalGroup(signal: Deno.Signal): void {
    Deno.kill(-this.#child.pid, signal);
  }

  /** Waits for the process to exit and its output to end. */
  async exited(): Promise<Deno.CommandStatus> {
    const status = await this.#child.status;
    await this.#drained;
    return status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#exited) {
      try {
        if (this.#task) this.signalGroup("SIGKILL");
        else this.#child.kill("SIGKILL");
      } catch {
        // Exited meanwhile.
      }
    }
    await this.exited();
  }

  #check(): void {
    const all = [...lines(this.#stdout), ...lines(this.#stderr)];
    for (const waiter of [...this.#waiters]) {
      const line = all.find((l) => waiter.pattern.test(l));
      if (line === undefined) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }

  async #read(stream: ReadableStream<Uint8Array>, add: (text: string) => void): Promise<void> {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      add(text);
      this.#check();
    }
  }
}
