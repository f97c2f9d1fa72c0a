// `power-sdk runtime`, `demo`, `schema` and `write --dry-run` as a user runs them:
// `deno run -P=cli cli.ts ...` subprocesses with a cleared environment, so the tests also prove
// the commands need nothing beyond the `cli` permission set (and write access to the folder of
// a jsonl sink, granted explicitly in case the set lacks it) and the variables they are given.
// Stations run in this process, on the embedded broker.
import assert from "node:assert/strict";
import { buildRequest, getFraming, type ModbusRequest, type Snapshot } from "../mod.ts";
import { EmbeddedBroker, SimulatedStation } from "../src/testing/mod.ts";

const ROOT = new URL("..", import.meta.url);
/** A safety net only: every wait below ends on an event, this bounds a hang. */
const WAIT_TIMEOUT_MS = 30_000;
// Deno's own notice about permission sets in deno.json; not the CLI's output.
const DENO_NOTICE = /^Warning Permissions in the config file is an experimental feature.*\n/m;

/**
 * The environment of a CLI process: what Deno needs to find its cache, no colours, and only the
 * variables given.
 */
function cliEnv(vars: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1", ...vars };
  for (const name of ["PATH", "HOME", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

interface CliOptions {
  /** Variables of the process besides PATH, HOME and DENO_DIR. */
  readonly env?: Record<string, string>;
  /** Folders the process may write, on top of the `cli` permission set. */
  readonly allowWrite?: readonly string[];
}

function cliCommand(args: string[], options: CliOptions = {}): Deno.Command {
  const write = options.allowWrite === undefined
    ? []
    : [`--allow-write=${options.allowWrite.join(",")}`];
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=cli", ...write, "cli.ts", ...args],
    cwd: ROOT,
    clearEnv: true,
    env: cliEnv(options.env),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `power-sdk <args>` to its end. */
async function powerSdk(args: string[], options: CliOptions = {}): Promise<Run> {
  const output = await cliCommand(args, options).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr).replace(DENO_NOTICE, ""),
  };
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/** A long-running `power-sdk` process, its output read as it comes. */
class Running implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<unknown>;
  #stdout = "";
  #stderr = "";
  #waiters: { pattern: RegExp; resolve: () => void }[] = [];
  #exited = false;

  constructor(args: string[], options: CliOptions = {}) {
    this.#child = cliCommand(args, options).spawn();
    this.#drained = Promise.all([
      this.#read(this.#child.stdout, (text) => this.#stdout += text),
      this.#read(this.#child.stderr, (text) => this.#stderr += text),
    ]);
    this.#child.status.then(() => this.#exited = true);
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr.replace(DENO_NOTICE, "");
  }

  /** Resolves once stdout or stderr holds a line that matches; rejects if the process exits. */
  async waitFor(pattern: RegExp): Promise<void> {
    const found = Promise.withResolvers<void>();
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
        `exited with ${status.code} before printing ${pattern}:\n${this.stdout}${this.stderr}`,
      );
    });
    try {
      await Promise.race([found.promise, exited, timeout]);
    } finally {
      clearTimeout(timer);
      exited.catch(() => {});
    }
  }

  /** Sends `signal` to the process by its PID. */
  signal(signal: Deno.Signal): void {
    Deno.kill(this.#child.pid, signal);
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
        Deno.kill(this.#child.pid, "SIGKILL");
      } catch {
        // Exited meanwhile.
      }
    }
    await this.exited();
  }

  #check(): void {
    const text = `${this.#stdout}\n${this.#stderr}`;
    for (const waiter of [...this.#waiters]) {
      if (!lines(text).some((line) => waiter.pattern.test(line))) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  async #read(stream: ReadableStream<Uint8Array>, add: (text: string) => void): Promise<void> {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      add(text);
      this.#check();
    }
  }
}

/** A temporary folder, removed on dispose. */
async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "power-sdk-cli-runtime-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** A station on the embedded broker, and a runtime.yaml that polls it into a jsonl file. */
async function stationSetup(options: { faults?: string } = {}) {
  const broker = await EmbeddedBroker.start();
  const station = await SimulatedStation.start({
    profile: "EL30V2",
    sn: "EL30V2000081",
    brokerUrl: broker.url,
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const dir = await tempDir();
  const config = `${dir.path}/runtime.yaml`;
  const yaml = (device: string, sink: string) =>
    `version: 1
pipelines:
  lan:
    transport: mqtt
    vendor: bluetti
    protocol: v2
    transport_opts: { broker: "mqtt://127.0.0.1", port: ${broker.port}, allow_insecure: true }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, ${device} transport: { opts: { device_sn: EL30V2000081 } } }
sinks:
  file: { type: jsonl, path: data/snapshots.jsonl }
  both: { type: composite, sinks: [file, stdout] }
defaults: { sink: ${sink} }
`;
  return {
    dir: dir.path,
    config,
    jsonl: `${dir.path}/data/snapshots.jsonl`,
    write: (device: string, sink: string) => Deno.writeTextFile(config, yaml(device, sink)),
    async [Symbol.asyncDispose]() {
      await station.stop();
      await broker.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

Deno.test("power-sdk runtime --dry-run resolves the seed example with its two variables", async () => {
  await using dir = await tempDir();
  const config = `${dir.path}/runtime.yaml`;
  await Deno.writeTextFile(
    config,
    `version: 1

pipelines:
  bluetti_pull:
    mode: pull
    transport: mqtt
    vendor: bluetti
    protocol: v2

defaults:
  poll_interval: 30
  transport:
    opts:
      broker: "\${MQTT_BROKER:-iot.bluettipower.com}"
      port: 18760

devices:
  - id: living_room_battery
    pipeline: bluetti_pull
    profile_id: EL100V2
    transport:
      opts:
        device_sn: "\${LIVING_ROOM_SN}"
        cert_password: "\${LIVING_ROOM_CERT_PASSWORD}"
`,
  );
  const password = "seed-secret-9f3a";
  const run = await powerSdk(["runtime", "--config", config, "--dry-run"], {
    env: { LIVING_ROOM_SN: "2237000012345", LIVING_ROOM_CERT_PASSWORD: password },
  });
  assert.equal(run.stderr, "");
  assert.equal(run.code, 0);
  const rows = lines(run.stdout);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0]!.split(/ {2,}/), [
    "DEVICE",
    "VENDOR",
    "PROTOCOL",
    "PROFILE",
    "TRANSPORT",
    "BROKER",
    "INTERVAL",
    "GROUPS",
    "SINK",
    "WRITE-ENABLED",
  ]);
  assert.deepEqual(rows[1]!.split(/ {2,}/), [
    "living_room_battery",
    "bluetti",
    "v2",
    "EL100V2",
    "mqtt pull, framing rtu, sn 2237000012345, no cert, password set",
    "iot.bluettipower.com:18760",
    "30 s",
    "core, grid, battery, inverter, cells",
    "stdout",
    "no",
  ]);
  assert.ok(!run.stdout.includes(password));

  const json = await powerSdk(["runtime", "--config", config, "--dry-run", "--json"], {
    env: { LIVING_ROOM_SN: "2237000012345", LIVING_ROOM_CERT_PASSWORD: password },
  });
  assert.equal(json.code, 0);
  assert.equal(JSON.parse(json.stdout)[0].device, "living_room_battery");
});

Deno.test("power-sdk runtime --dry-run prints every mistake with file:line:column, exit 1", async () => {
  await using dir = await tempDir();
  const config = `${dir.path}/runtime.yaml`;
  await Deno.writeTextFile(
    config,
    `version: 1
pipelines:
  bluetti_pull: { transport: mqtt, vendor: bluetti, protocol: v2 }
defaults:
  pol_interval: 30
devices:
  - id: garage
    pipeline: bluetti_pul
    profile_id: EL100V2
    transport: { opts: { device_sn: "\${GARAGE_SN}", port: abc } }
  - id: garage
    pipeline: bluetti_pull
    profile_id: AC500
    transport: { opts: { device_sn: "2237000000002" } }
`,
  );
  const run = await powerSdk(["runtime", "--config", config, "--dry-run"]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  const [header, ...problems] = lines(run.stderr);
  assert.equal(
    header,
    `error: CONFIG_INVALID: Cannot load the runtime configuration: ${problems.length} problems in ${config}`,
  );
  assert.ok(problems.length >= 5, run.stderr);
  for (const problem of problems) {
    assert.match(problem, new RegExp(`^${RegExp.escape(config)}:\\d+:\\d+: \\S+: `));
  }
  const paths = problems.map((problem) => problem.split(": ")[1]);
  for (
    const path of [
      "defaults.pol_interval",
      "devices[0].pipeline",
      "devices[0].transport.opts.device_sn",
      "devices[0].transport.opts.port",
      "devices[1].profile_id",
    ]
  ) {
    assert.ok(paths.includes(path), `${path} in ${run.stderr}`);
  }
  assert.match(run.stderr, /did you mean 'poll_interval'\?/);
  assert.match(run.stderr, /Environment variable GARAGE_SN is not set/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

Deno.test("power-sdk runtime --once polls a station into a private jsonl file", async () => {
  await using setup = await stationSetup();
  await setup.write("", "file");
  const args = ["runtime", "--config", setup.config, "--once"];
  const run = await powerSdk(args, { allowWrite: [setup.dir] });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /^warning: garage: allow_insecure: /);
  const text = await Deno.readTextFile(setup.jsonl);
  assert.ok(text.endsWith("\n"));
  const snapshots: Snapshot[] = lines(text).map((line) => JSON.parse(line));
  assert.deepEqual(snapshots.map((s) => [s.deviceId, s.group, s.ok, s.blocks[0]?.name]), [
    ["garage", "core", true, "APP_HOME_DATA"],
    ["garage", "grid", true, "INV_GRID_INFO"],
    ["garage", "battery", true, "PACK_MAIN_INFO"],
  ]);
  if (Deno.build.os !== "windows") {
    assert.equal((await Deno.stat(setup.jsonl)).mode! & 0o777, 0o600);
  }
});

Deno.test("power-sdk runtime runs until SIGTERM, flushes its sinks and exits 0", async () => {
  await using setup = await stationSetup();
  await setup.write("poll_interval: 0.2, groups: [core],", "both");
  await using runtime = new Running(["runtime", "--config", setup.config], {
    allowWrite: [setup.dir],
  });
  await runtime.waitFor(/ garage core ok /);
  runtime.signal("SIGTERM");
  const status = await runtime.exited();
  assert.equal(status.code, 0, runtime.stderr);
  const text = await Deno.readTextFile(setup.jsonl);
  assert.ok(text.endsWith("}\n"), "the last line is complete");
  const written = lines(text).map((line) => JSON.parse(line) as Snapshot);
  // Every snapshot printed on stdout was written to the file too.
  assert.ok(written.length >= lines(runtime.stdout).length);
  assert.ok(written.every((snapshot) => snapshot.deviceId === "garage"));
});

Deno.test("power-sdk runtime exits at once with 130 on a second SIGTERM", async () => {
  // The station never answers: the stop waits for the poll in flight.
  await using setup = await stationSetup({ faults: "silent" });
  await setup.write("poll_interval: 0.2, groups: [core],", "stdout");
  await using runtime = new Running(["runtime", "--config", setup.config, "--verbose"]);
  await runtime.waitFor(/^info: garage: connected$/);
  runtime.signal("SIGTERM");
  await runtime.waitFor(/^info: stopping after SIGTERM: /);
  const signalled = performance.now();
  runtime.signal("SIGTERM");
  const status = await runtime.exited();
  assert.equal(status.code, 130);
  assert.ok(performance.now() - signalled < 2_000, "before the 3 s the poll in flight gets");
});

Deno.test("power-sdk demo --duration 3 prints snapshot lines and exits 0", async () => {
  const run = await powerSdk(["demo", "--duration", "3"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  const output = lines(run.stdout);
  assert.match(
    output[0]!,
    /^Power SDK demo: 3 simulated stations on an embedded broker at mqtt:\/\/127\.0\.0\.1:\d+; Ctrl-C to stop/,
  );
  const snapshots = output.filter((line) =>
    /^\d{4}-\d\d-\d\dT\S+Z (garage|living_room|cabin) /.test(line)
  );
  assert.ok(snapshots.length >= 3, run.stdout);
  assert.match(output.at(-1)!, /^Stopped after 3 s: \d+ polls, \d+ failed$/);
});

Deno.test("power-sdk schema prints the JSON Schema of runtime.yaml", async () => {
  const run = await powerSdk(["schema"]);
  assert.equal(run.code, 0);
  assert.equal(run.stderr, "");
  const schema = JSON.parse(run.stdout);
  assert.ok(schema.properties.devices);
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
});

Deno.test("power-sdk write --dry-run prints the payload and sends nothing", async () => {
  // Where the broker would be: a listener that sees any connection.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept().then((conn) => (conn.close(), true), () => false);
  const run = await powerSdk([
    "write",
    "--profile",
    "EL100V2",
    "--sn",
    "EL100V2000091",
    "--broker",
    `mqtt://127.0.0.1:${listener.addr.port}`,
    "--allow-insecure",
    "--field",
    "ac_output",
    "--value",
    "on",
    "--enable-writes",
    "--dry-run",
  ]);
  listener.close();
  assert.equal(await accepted, false, "nothing connected");
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  const rtu = getFraming("rtu");
  const request: ModbusRequest = {
    function: 0x06,
    address: rtu.deviceAddress,
    register: 2011,
    value: 1,
  };
  const hex = rtu.wrap(buildRequest(request), request).toHex();
  assert.equal(hex, "010607db00013945");
  assert.deepEqual(lines(run.stdout), [
    "Dry run, nothing sent: ac_output (register 2011) = 1 (on) to EL100V2000091",
    `payload (rtu framing, 8 bytes): ${hex}`,
  ]);
});
