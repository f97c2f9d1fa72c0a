/**
 * Runs Debian's python3-pymodbus (3.0) for interoperability tests: a Modbus TCP server on a
 * random 127.0.0.1 port, and a one-shot client. Finds a Python that can import pymodbus,
 * preferring /usr/bin/python3 (a pyenv `python3` shim earlier on PATH usually lacks it).
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("./pymodbus_server.py", import.meta.url));
const CLIENT = fileURLToPath(new URL("./pymodbus_client.py", import.meta.url));

let found: string | undefined;

/**
 * The Python interpreter that imports pymodbus: `$POWER_SDK_PYTHON`, `/usr/bin/python3`, then
 * `python3` on PATH.
 *
 * @throws {Error} Naming the Debian package when none does.
 */
export async function pymodbusPython(): Promise<string> {
  if (found !== undefined) return found;
  const candidates = [Deno.env.get("POWER_SDK_PYTHON"), "/usr/bin/python3", "python3"];
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === "") continue;
    try {
      const { success } = await new Deno.Command(candidate, {
        args: ["-c", "import pymodbus"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return found = candidate;
    } catch {
      // not installed
    }
  }
  throw new Error(
    "No python3 with pymodbus found (tried $POWER_SDK_PYTHON, /usr/bin/python3, python3): apt-get install python3-pymodbus",
  );
}

/** A running pymodbus TCP server. */
export interface PymodbusServer extends AsyncDisposable {
  /** Its port on 127.0.0.1. */
  readonly port: number;
}

/**
 * Starts a pymodbus TCP server serving holding registers 50000..57099 on unit 1.
 *
 * @param registers Initial values by address.
 * @returns The server; dispose it to end the process (by its PID).
 */
export async function startPymodbusServer(
  registers: Readonly<Record<number, number>>,
): Promise<PymodbusServer> {
  const python = await pymodbusPython();
  const child = new Deno.Command(python, {
    args: [SERVER, JSON.stringify(registers)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  // stdout is read to its end, never cancelled: a pipe closed under the server would make its
  // next write fail (BrokenPipeError) and end it in the middle of a test.
  let text = "";
  const portLine = Promise.withResolvers<number>();
  const stdout = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      const match = /PORT (\d+)\n/.exec(text);
      if (match !== null) portLine.resolve(Number(match[1]));
    }
    portLine.resolve(0);
  })();
  const port = await portLine.promise;
  if (port === 0) {
    await child.status;
    await stdout;
    throw new Error(`pymodbus server did not start: ${await stderr}`);
  }
  // A server that ends before the test does (killed from outside, crashed) is named as the
  // cause of whatever failed, not left to look like a dropped connection.
  let ending = false;
  const early = child.status.then((status) => ending ? null : status);
  return {
    port,
    async [Symbol.asyncDispose]() {
      ending = true;
      try {
        child.kill("SIGTERM");
      } catch {
        // already ended
      }
      await child.status;
      await stdout;
      const log = await stderr;
      const status = await early;
      if (status !== null) {
        throw new Error(
          `the pymodbus server ended before the test did (code ${status.code}, signal ${status.signal}): ${
            log.split("\n").filter((line) => !line.includes("canceled")).join("\n")
          }`,
        );
      }
    },
  };
}

/** One pymodbus client request: read `count` registers, or write one. */
export type PymodbusRequest = ["read", number, number] | ["write", number, number];

/** What the pymodbus client got for one request. */
export type PymodbusResult = { registers: number[] } | { echo: [number, number] } | {
  error: string;
};

/**
 * Runs the pymodbus client against `host:port` and returns what it got.
 *
 * @param port The port on 127.0.0.1.
 * @param requests The requests, in order.
 * @returns One result per request.
 */
export async function runPymodbusClient(
  port: number,
  requests: readonly PymodbusRequest[],
): Promise<PymodbusResult[]> {
  const python = await pymodbusPython();
  const out = await new Deno.Command(python, {
    args: [CLIENT, "127.0.0.1", String(port), JSON.stringify(requests)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`pymodbus client failed: ${stdout} ${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}
