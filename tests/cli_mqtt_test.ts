// `power-sdk simulate` and `power-sdk read` as a user runs them: `deno run -P=cli cli.ts ...`
// subprocesses, so the tests also prove the commands need nothing beyond the `cli` permission
// set. One test goes through a real mosquitto with a TLS listener that requires client
// certificates and a test PKI; without mosquitto it is skipped, except on CI (CI=true), where
// it fails. The other runs on the embedded broker and needs nothing installed.
import assert from "node:assert/strict";
import { createTestPki } from "./_support/pki.ts";
import { mosquittoAvailable, startMosquitto } from "./_support/mosquitto.ts";

const ROOT = new URL("..", import.meta.url);
const PASSWORD_ENV = "POWER_SDK_CERT_PASSWORD";
const ON_CI = Deno.env.get("CI") === "true";
const HAVE_MOSQUITTO = mosquittoAvailable();
/** A safety net only: every wait below ends on an event, this bounds a hang. */
const READY_TIMEOUT_MS = 30_000;

// Deno's own notice about permission sets in deno.json; not the CLI's output.
const DENO_NOTICE = /^Warning Permissions in the config file is an experimental feature.*\n/m;

if (!HAVE_MOSQUITTO && !ON_CI) {
  console.warn(
    "cli_mqtt_test: mosquitto is not installed: skipping the mosquitto test (CI=true makes this a failure)",
  );
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a CLI process: this one's (Deno's cache location and the like), without
 * the certificate password unless given, without colours.
 */
function cliEnv(password?: string): Record<string, string> {
  const env = Deno.env.toObject();
  delete env[PASSWORD_ENV];
  env.NO_COLOR = "1";
  if (password !== undefined) env[PASSWORD_ENV] = password;
  return env;
}

function cliCommand(args: string[], password?: string): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=cli", "cli.ts", ...args],
    cwd: ROOT,
    clearEnv: true,
    env: cliEnv(password),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs `power-sdk <args>` to its end; stdin is not a terminal. */
async function powerSdk(args: string[], options: { password?: string } = {}): Promise<Run> {
  const output = await cliCommand(args, options.password).output();
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

/** A long-running `power-sdk simulate`, its output read as it comes. */
class Simulation implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<unknown>;
  #stdout = "";
  #stderr = "";
  #waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  #exited = false;

  constructor(args: string[], password?: string) {
    this.#child = cliCommand(["simulate", ...args], password).spawn();
    this.#drained = Promise.all([
      this.#read(this.#child.stdout, (text) => {
        this.#stdout += text;
        this.#check();
      }),
      this.#read(this.#child.stderr, (text) => this.#stderr += text),
    ]);
    this.#child.status.then(() => this.#exited = true);
  }

  get pid(): number {
    return this.#child.pid;
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr.replace(DENO_NOTICE, "");
  }

  /** Resolves with the first stdout line that matches; rejects if the process exits first. */
  async waitFor(pattern: RegExp): Promise<string> {
    const found = Promise.withResolvers<string>();
    this.#waiters.push({ pattern, resolve: found.resolve });
    this.#check();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no line matching ${pattern} within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
    });
    const exited = this.#child.status.then(async (status) => {
      await this.#drained;
      this.#check();
      throw new Error(
        `simulate exited with ${status.code} before printing ${pattern}:\n${this.stdout}${this.stderr}`,
      );
    });
    try {
      return await Promise.race([found.promise, exited, timeout]);
    } finally {
      clearTimeout(timer);
      exited.catch(() => {});
    }
  }

  /** Sends `signal` to the process by its PID and waits for it to exit and its output to end. */
  async stop(signal: Deno.Signal): Promise<Deno.CommandStatus> {
    Deno.kill(this.pid, signal);
    const status = await this.#child.status;
    await this.#drained;
    return status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Exited meanwhile.
      }
    }
    await this.#child.status;
    await this.#drained;
  }

  #check(): void {
    const all = lines(this.#stdout);
    for (const waiter of [...this.#waiters]) {
      const line = all.find((l) => waiter.pattern.test(l));
      if (line === undefined) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }

  async #read(stream: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) onText(text);
  }
}

Deno.test({
  name: "power-sdk simulate and read through mosquitto with client certificates",
  ignore: !HAVE_MOSQUITTO && !ON_CI,
  async fn(t) {
    if (!HAVE_MOSQUITTO) {
      throw new Error("CI (CI=true) must run the mosquitto test, and mosquitto is not installed");
    }
    await using pki = await createTestPki();
    await using broker = (await startMosquitto({
      tls: {
        caFile: pki.paths.caCert,
        certFile: pki.paths.serverCert,
        keyFile: pki.paths.serverKey,
      },
      noDelay: true,
    }))!;
    const sn = "EL100V2CLI0001";
    const station = ["--profile", "EL100V2", "--sn", sn, "--broker", broker.url];
    const tls = ["--cert", pki.paths.clientP12, "--ca", pki.paths.caCert];
    await using simulation = new Simulation([...station, ...tls], pki.password);
    const running = await simulation.waitFor(/ running on /);
    assert.equal(
      running,
      `Simulated Elite 100 V2 station ${sn} running on ${broker.url} (rtu framing, no faults); Ctrl-C to stop`,
    );
    const read = ["read", ...station, ...tls];

    await t.step("read --block 100 --json, the password from --password", async () => {
      const run = await powerSdk([...read, "--block", "100", "--json", "--password", pki.password]);
      assert.equal(run.stderr, "");
      assert.equal(run.code, 0);
      const record = JSON.parse(run.stdout);
      assert.equal(record.blockId, 100);
      assert.equal(record.name, "APP_HOME_DATA");
      assert.equal(record.values.device_model, "EL100V2");
      assert.ok(record.values.soc >= 0 && record.values.soc <= 100, String(record.values.soc));
      assert.equal(record.units.pack_voltage, "V");
      assert.deepEqual(record.warnings, []);
    });

    await t.step(`read --group core, the password from ${PASSWORD_ENV}`, async () => {
      const run = await powerSdk([...read, "--group", "core"], { password: pki.password });
      assert.equal(run.stderr, "");
      assert.equal(run.code, 0);
      const text = lines(run.stdout);
      assert.equal(
        text[0],
        `APP_HOME_DATA (block 100) from ${sn}: 124 data bytes, protocol version unknown`,
      );
      assert.ok(text.some((line) => /^soc\s+\d+\s+%$/.test(line)), run.stdout);
      assert.ok(text.some((line) => /^device_model\s+EL100V2$/.test(line)), run.stdout);
    });

    await t.step("a wrong password: exit 1, one line, no password in the output", async () => {
      const wrong = `wrong-${crypto.randomUUID()}`;
      const run = await powerSdk([...read, "--block", "100", "--password", wrong]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, "");
      assert.equal(lines(run.stderr).length, 1, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(
          `^error: TRANSPORT_CREDENTIALS: Cannot open the PKCS#12 bundle ${
            RegExp.escape(pki.paths.clientP12)
          }: wrong passphrase `,
        ),
      );
      for (const secret of [wrong, pki.password]) {
        assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret));
      }
    });

    await t.step("no password and no terminal: says how to pass one", async () => {
      const run = await powerSdk([...read, "--block", "100"]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, "");
      assert.equal(
        run.stderr,
        `error: TRANSPORT_CREDENTIALS: Cannot open the PKCS#12 bundle ${pki.paths.clientP12}: it is password-protected; pass --password or set ${PASSWORD_ENV}\n`,
      );
    });

    await t.step("mqtt:// without --allow-insecure: exit 1, one line", async () => {
      const run = await powerSdk([
        "read",
        "--profile",
        "EL100V2",
        "--sn",
        sn,
        "--broker",
        `mqtt://127.0.0.1:${broker.port}`,
        "--block",
        "100",
      ]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, "");
      assert.equal(lines(run.stderr).length, 1, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(
          `^error: TRANSPORT_INVALID_ARGUMENT: Refusing to connect to mqtt://127\\.0\\.0\\.1:${broker.port} without TLS: .*--allow-insecure`,
        ),
      );
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    });

    await t.step("SIGTERM stops the station: exit 0 and a last summary", async () => {
      const status = await simulation.stop("SIGTERM");
      assert.equal(status.code, 0, simulation.stderr);
      assert.equal(simulation.stderr, "");
      const last = lines(simulation.stdout).at(-1)!;
      assert.match(last, /^Stopped by SIGTERM after (\d+) requests, \1 replies$/);
      assert.ok(Number(/after (\d+)/.exec(last)![1]) >= 2, last);
      assert.ok(!simulation.stdout.includes(pki.password));
    });
  },
});

Deno.test("power-sdk simulate --embedded serves the read command it prints; SIGINT stops it", async () => {
  const sn = "EL100V2CLI0002";
  await using simulation = new Simulation(["--profile", "EL100V2", "--sn", sn, "--embedded"]);
  const brokerLine = await simulation.waitFor(/^Embedded MQTT broker listening on /);
  const match = / on (mqtt:\/\/127\.0\.0\.1:(\d+)) .*; read from it with: power-sdk (read .*)$/
    .exec(
      brokerLine,
    );
  assert.ok(match, brokerLine);
  const [, url, port, command] = match;
  assert.equal(
    command,
    `read --profile EL100V2 --sn ${sn} --broker mqtt://127.0.0.1:${port} --allow-insecure --block 100`,
  );
  await simulation.waitFor(/ running on /);

  const run = await powerSdk([...command!.split(" "), "--json"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stderr,
    `warning: allow_insecure: connecting to ${url} WITHOUT TLS; traffic is not encrypted\n`,
  );
  const record = JSON.parse(run.stdout);
  assert.equal(record.blockId, 100);
  assert.equal(record.values.device_model, "EL100V2");

  const refused = await powerSdk(command!.replace(" --allow-insecure", "").split(" "));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: TRANSPORT_INVALID_ARGUMENT: Refusing to connect /);

  const status = await simulation.stop("SIGINT");
  assert.equal(status.code, 0, simulation.stderr);
  assert.equal(simulation.stderr, "");
  assert.equal(lines(simulation.stdout).at(-1), "Stopped by SIGINT after 1 request, 1 reply");
});
