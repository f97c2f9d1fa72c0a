/**
 * Starts a real mosquitto broker for integration tests, on a random 127.0.0.1 port, with or
 * without TLS. Returns `null` where mosquitto is not installed so tests can skip instead of
 * fail (CI installs it with apt; a developer's machine may lack it).
 *
 * @module
 */
import { join } from "node:path";
import { findExecutable } from "./processes.ts";

/** TLS listener settings; the files are PEM. */
export interface MosquittoTlsOptions {
  /** The CA that client certificates must chain to (`cafile`). */
  caFile: string;
  /** The server certificate (`certfile`); name it `localhost` to match {@linkcode MosquittoBroker.url}. */
  certFile: string;
  /** The server private key (`keyfile`), unencrypted. */
  keyFile: string;
  /**
   * Refuse clients without a certificate signed by `caFile` (`require_certificate`).
   *
   * @default {true}
   */
  requireCertificate?: boolean;
}

/** Options of {@linkcode startMosquitto}. */
export interface StartMosquittoOptions {
  /**
   * Serve MQTT over TLS instead of plain TCP.
   *
   * @default {undefined}
   */
  tls?: MosquittoTlsOptions;
  /**
   * A second listener without TLS on this port (simulated stations on the plain port, the
   * runtime on the TLS one, one broker). Pick a free port.
   *
   * @default {undefined}
   */
  plainListenerPort?: number;
  /**
   * Set TCP_NODELAY on the broker's sockets (`set_tcp_nodelay true`). mosquitto's default
   * (false) adds ~40 ms to every request/reply round trip.
   *
   * @default {false}
   */
  noDelay?: boolean;
  /**
   * The port to listen on; omit for a random free port.
   *
   * @default {undefined}
   */
  port?: number;
  /**
   * Users and their passwords: mosquitto gets a password file (written in its temporary
   * directory and hashed there with `mosquitto_passwd -U`, so no password is on a command
   * line) and `allow_anonymous false`: only these users connect.
   *
   * @default {undefined: anonymous clients are allowed}
   */
  users?: Readonly<Record<string, string>>;
  /**
   * How long to wait for mosquitto to report it is running.
   *
   * @default {10_000}
   */
  readyTimeoutMs?: number;
}

/** A running mosquitto process started by {@linkcode startMosquitto}. */
export interface MosquittoBroker extends AsyncDisposable {
  /** The address mosquitto listens on. */
  readonly host: "127.0.0.1";
  /** The port mosquitto listens on; unchanged by {@linkcode MosquittoBroker.restart}. */
  readonly port: number;
  /**
   * `mqtts://localhost:<port>` with TLS (so the hostname matches the server certificate),
   * `mqtt://127.0.0.1:<port>` otherwise.
   */
  readonly url: string;
  /** Everything mosquitto has logged since it was (re)started; useful in assertion messages. */
  readonly log: string;
  /** The configuration mosquitto was (re)started with. */
  readonly config: string;
  /** Sends SIGTERM to the mosquitto process and waits for it to exit; idempotent. */
  stop(): Promise<void>;
  /** Stops mosquitto, then starts it again on the same port (clients see a broker restart). */
  restart(): Promise<void>;
}

const READY_LINE = /mosquitto version \S+ running/;
const ADDRESS_IN_USE = /address already in use/i;
const MAX_LOG_CHARS = 64 * 1024;
const RANDOM_PORT_ATTEMPTS = 5;
const STOP_GRACE_MS = 5_000;

let cachedPath: string | null | undefined;

function findMosquitto(): string | null {
  if (cachedPath !== undefined) return cachedPath;
  const windows = Deno.build.os === "windows";
  const name = windows ? "mosquitto.exe" : "mosquitto";
  let path = "";
  try {
    path = Deno.env.get("PATH") ?? "";
  } catch {
    // No env permission: look in the usual places only.
  }
  const dirs = [
    ...path.split(windows ? ";" : ":").filter((dir) => dir !== ""),
    "/usr/sbin",
    "/usr/local/sbin",
    "/opt/homebrew/sbin",
  ];
  cachedPath = null;
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && (windows || ((info.mode ?? 0) & 0o111) !== 0)) {
        cachedPath = candidate;
        break;
      }
    } catch {
      // Not there (or not readable): try the next directory.
    }
  }
  return cachedPath;
}

/**
 * Whether a mosquitto executable is installed (in `PATH` or `/usr/sbin`).
 *
 * @returns True when {@linkcode startMosquitto} can start a broker.
 */
export function mosquittoAvailable(): boolean {
  return findMosquitto() !== null;
}

/**
 * Starts mosquitto on 127.0.0.1 and resolves once it logs that it is running.
 *
 * The config file (and, with TLS, copies of the certificate files readable by the `mosquitto`
 * user that a root-started mosquitto drops to) live in a temporary directory removed by
 * {@linkcode MosquittoBroker.stop}.
 *
 * @param options TLS, TCP_NODELAY and port settings.
 * @returns The running broker, or `null` when mosquitto is not installed.
 * @throws {RangeError} If `port` is not an integer from 1 to 65535.
 * @throws {Error} If mosquitto exits before it is ready or is not ready in time; the message
 *   includes its log.
 *
 * @example Run a test against mosquitto, skipped where it is not installed
 * ```ts ignore
 * import { mosquittoAvailable, startMosquitto } from "./mosquitto.ts";
 *
 * Deno.test({
 *   name: "my client talks to mosquitto",
 *   ignore: !mosquittoAvailable(),
 *   async fn() {
 *     await using broker = await startMosquitto({ noDelay: true });
 *     // ... connect to broker!.url, broker!.restart() to test reconnects ...
 *   },
 * });
 * ```
 */
export async function startMosquitto(
  options: StartMosquittoOptions = {},
): Promise<MosquittoBroker | null> {
  if (
    options.port !== undefined &&
    (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)
  ) {
    throw new RangeError(
      `Cannot start mosquitto as 'port' must be an integer from 1 to 65535: current value is ${options.port}`,
    );
  }
  const executable = findMosquitto();
  if (executable === null) return null;
  const broker = new MosquittoProcess(executable, options);
  await broker.start(options.port);
  return broker;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

class MosquittoProcess implements MosquittoBroker {
  readonly host = "127.0.0.1" as const;
  #executable: string;
  #options: StartMosquittoOptions;
  #port = 0;
  #log = "";
  #config = "";
  #child: Deno.ChildProcess | undefined;
  #drained: Promise<unknown> | undefined;
  #dir: string | undefined;
  #stopping: Promise<void> | undefined;

  constructor(executable: string, options: StartMosquittoOptions) {
    this.#executable = executable;
    this.#options = options;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return this.#options.tls === undefined
      ? `mqtt://127.0.0.1:${this.#port}`
      : `mqtts://localhost:${this.#port}`;
  }

  get log(): string {
    return this.#log;
  }

  get config(): string {
    return this.#config;
  }

  /** Starts on `port`, or on a random free port (retrying if another process grabs it first). */
  async start(port: number | undefined): Promise<void> {
    for (let attempt = 1;; attempt++) {
      const candidate = port ?? freePort();
      try {
        await this.#launch(candidate);
        this.#port = candidate;
        return;
      } catch (error) {
        const retry = port === undefined && attempt < RANDOM_PORT_ATTEMPTS &&
          ADDRESS_IN_USE.test(this.#log);
        if (!retry) throw error;
      }
    }
  }

  async #launch(port: number): Promise<void> {
    this.#log = "";
    this.#stopping = undefined;
    const dir = await Deno.makeTempDir({ prefix: "power-sdk-mosquitto-" });
    this.#dir = dir;
    try {
      const config = await this.#writeConfig(dir, port);
      this.#child = new Deno.Command(this.#executable, {
        args: ["-c", config],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      await this.#cleanUp();
      throw error;
    }
    const child = this.#child;

    const ready = Promise.withResolvers<"ready">();
    const onLine = (line: string) => {
      this.#appendLog(line);
      if (READY_LINE.test(line)) ready.resolve("ready");
    };
    this.#drained = Promise.all([
      drainLines(child.stdout, onLine),
      drainLines(child.stderr, onLine),
    ]);

    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeoutMs = this.#options.readyTimeoutMs ?? 10_000;
    const outcome = await Promise.race([
      ready.promise,
      child.status.then((status) => status),
      new Promise<"timeout">((resolve) => timer = setTimeout(() => resolve("timeout"), timeoutMs)),
    ]);
    clearTimeout(timer);
    if (outcome === "ready") return;

    await this.stop();
    const reason = outcome === "timeout"
      ? `it did not report running within ${timeoutMs} ms`
      : `it exited with code ${outcome.code} before it was ready`;
    throw new Error(
      `Cannot start mosquitto on 127.0.0.1:${port}: ${reason}; its log:\n${this.#log}`,
    );
  }

  async #writeConfig(dir: string, port: number): Promise<string> {
    const lines = [
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "log_type notice",
      "log_type information",
      "persistence false",
      ...(this.#options.plainListenerPort === undefined
        ? []
        : [`listener ${this.#options.plainListenerPort} 127.0.0.1`]),
      `listener ${port} 127.0.0.1`,
    ];
    const users = this.#options.users;
    if (users === undefined) lines.push("allow_anonymous true");
    else lines.push("allow_anonymous false", `password_file ${await passwordFile(dir, users)}`);
    // Only when asked: mosquitto < 2.0 does not know the option.
    if (this.#options.noDelay) lines.push("set_tcp_nodelay true");
    const tls = this.#options.tls;
    if (tls !== undefined) {
      // mosquitto started as root drops to user "mosquitto" before it reads these files: copy
      // them into our directory, world-readable (throwaway test credentials only).
      const files = { cafile: tls.caFile, certfile: tls.certFile, keyfile: tls.keyFile };
      for (const [option, source] of Object.entries(files)) {
        const copy = join(dir, `${option}.pem`);
        await Deno.copyFile(source, copy);
        await chmod(copy, 0o644);
        lines.push(`${option} ${copy}`);
      }
      lines.push(`require_certificate ${tls.requireCertificate === false ? "false" : "true"}`);
    }
    await chmod(dir, 0o755);
    const config = join(dir, "mosquitto.conf");
    this.#config = lines.join("\n") + "\n";
    await Deno.writeTextFile(config, this.#config);
    await chmod(config, 0o644);
    return config;
  }

  #appendLog(line: string): void {
    this.#log += line + "\n";
    if (this.#log.length > MAX_LOG_CHARS) this.#log = this.#log.slice(-MAX_LOG_CHARS);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const child = this.#child;
    if (child !== undefined) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }, STOP_GRACE_MS);
      try {
        await child.status;
        await this.#drained;
      } finally {
        clearTimeout(timer);
      }
    }
    await this.#cleanUp();
  }

  async #cleanUp(): Promise<void> {
    this.#child = undefined;
    this.#drained = undefined;
    const dir = this.#dir;
    this.#dir = undefined;
    if (dir !== undefined) await Deno.remove(dir, { recursive: true });
  }

  async restart(): Promise<void> {
    await this.stop();
    // The old process's port is free again once it has exited (mosquitto sets SO_REUSEADDR),
    // but allow a short retry in case the kernel is slow to release it.
    for (let attempt = 1;; attempt++) {
      try {
        await this.#launch(this.#port);
        return;
      } catch (error) {
        if (attempt >= 10 || !ADDRESS_IN_USE.test(this.#log)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Writes `user:password` lines and hashes them in place with `mosquitto_passwd -U`. */
async function passwordFile(
  dir: string,
  users: Readonly<Record<string, string>>,
): Promise<string> {
  const path = join(dir, "passwords");
  const lines = Object.entries(users).map(([user, password]) => {
    if (user === "" || /[:\n]/.test(user) || /\n/.test(password)) {
      throw new RangeError(
        `Cannot write a mosquitto password file for user ${JSON.stringify(user)}`,
      );
    }
    return `${user}:${password}\n`;
  });
  await Deno.writeTextFile(path, lines.join(""), { mode: 0o600 });
  const output = await new Deno.Command(findExecutable("mosquitto_passwd") ?? "mosquitto_passwd", {
    args: ["-U", path],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `mosquitto_passwd -U failed with exit code ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  // mosquitto started as root reads it as user "mosquitto" (throwaway test credentials only).
  await chmod(path, 0o644);
  return path;
}

async function chmod(path: string, mode: number): Promise<void> {
  if (Deno.build.os !== "windows") await Deno.chmod(path, mode);
}

/** Reads `stream` to its end, calling `onLine` per line, so the pipe never fills. */
async function drainLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf("\n")) !== -1) {
      onLine(pending.slice(0, newline).replace(/\r$/, ""));
      pending = pending.slice(newline + 1);
    }
  }
  if (pending !== "") onLine(pending);
}
