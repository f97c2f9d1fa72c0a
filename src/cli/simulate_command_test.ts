import assert from "node:assert/strict";
import { Client, getProfile, MqttTransport } from "../../mod.ts";
import { EmbeddedBroker } from "../testing/mod.ts";
import { createTestPki } from "../../tests/_support/pki.ts";
import { PASSWORD_ENV } from "./_credentials.ts";
import { simulateCommand } from "./simulate_command.ts";
import {
  assertUsageError,
  captureContext,
  freePort,
  lines,
  runCli,
  testSources,
  testStopSignals,
} from "./_test_utils.ts";

const pki = await createTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));

const SN = "EL100V2000077";
const BASE = ["simulate", "--profile", "EL100V2", "--sn", SN];

/**
 * Runs `simulate` in-process with a stop signal the test fires, and the output as it comes:
 * `waitFor(pattern)` resolves with the first stdout line that matches.
 */
function start(args: string[], options: { env?: string; summaryIntervalMs?: number } = {}) {
  const ctx = captureContext();
  const stopSignals = testStopSignals();
  const env = options.env === undefined ? {} : { [PASSWORD_ENV]: options.env };
  const done = simulateCommand(args.slice(1), ctx, {
    ...testSources({ env }),
    stopSignals,
    summaryIntervalMs: options.summaryIntervalMs ?? 60_000,
  });
  return {
    done,
    out: ctx.out,
    err: ctx.err,
    listening: stopSignals.listening,
    signal: stopSignals.fire,
    waitFor: ctx.waitFor,
  };
}

async function readSoc(url: string, options: { insecure?: boolean } = {}): Promise<number> {
  await using client = new Client({
    transport: new MqttTransport({
      broker: url,
      deviceSn: SN,
      allowInsecure: options.insecure ?? true,
      logger: () => {},
      reconnect: false,
    }),
    profile: getProfile("EL100V2"),
  });
  await client.connect();
  const record = await client.readBlock(100, { retry: false });
  return record.values.soc as number;
}

Deno.test("simulate returns 2 for a wrong command line", async () => {
  const cases: [string[], string][] = [
    [["simulate", "--sn", SN, "--embedded"], "missing option '--profile <name>'"],
    [
      [...BASE],
      "missing option '--broker <url|host>' (or '--embedded' for a broker of its own)",
    ],
    [
      [...BASE, "--embedded", "--broker", "mqtt://127.0.0.1:1883"],
      "give '--broker' or '--embedded', not both",
    ],
    [
      [...BASE, "--broker", "mqtt://127.0.0.1:1883", "--port", "1883"],
      "option '--port' is the port of the embedded broker: it needs '--embedded'",
    ],
    [
      [...BASE, "--embedded", "--port", "70000"],
      "option '--port' needs an integer 0..65535 (0: a free port), got '70000'",
    ],
    [
      [...BASE, "--embedded", "--cert", "station.p12"],
      "option '--cert' is for a TLS broker; the embedded broker is plain TCP: use '--broker mqtts://...'",
    ],
    [
      [...BASE, "--broker", "mqtts://localhost:8883", "--ca", "ca.pem"],
      "option '--ca' needs '--cert <file.p12>': the simulated station connects over TLS only with a client certificate",
    ],
    [
      [...BASE, "--broker", "mqtt://127.0.0.1:1883", "--cert", "station.p12"],
      "option '--cert' needs an mqtts:// broker, got 'mqtt://127.0.0.1:1883'",
    ],
    [
      [...BASE, "--embedded", "--framing", "v2"],
      "unknown framing 'v2': choose rtu, iot-v2, v1, mbap; did you mean 'v1'?",
    ],
    [[...BASE, "--embedded", "now"], "unexpected argument 'now' for 'simulate'"],
    [
      [...BASE, "--embeded"],
      "unknown option '--embeded' for 'simulate'; did you mean '--embedded'?",
    ],
  ];
  for (const [args, message] of cases) await assertUsageError(args, message, "simulate");
});

Deno.test("simulate returns 2 for a bad fault spec, quoting the bad token", async () => {
  const cases: [string, string][] = [
    [
      "silent:0.1,slient:2x",
      `invalid option '--faults': unknown fault "slient" in rule "slient:2x"; expected one of disconnect, silent, exception, truncated, crc, late, unsolicited, duplicate, foreign, short; did you mean 'silent'?`,
    ],
    [
      "late:fast",
      `invalid option '--faults': expected a probability (0.1, 10%), a count (3x), a duration (200ms, 2s) or an exception code, got "fast" in rule "late:fast"`,
    ],
    [
      "crc:150%",
      `invalid option '--faults': probability must be 0..100%, got "150%" in rule "crc:150%"`,
    ],
  ];
  for (const [spec, message] of cases) {
    const run = await runCli([...BASE, "--embedded", "--faults", spec]);
    assert.equal(run.code, 2, spec);
    assert.deepEqual(lines(run.stderr), [
      `error: ${message}`,
      "Run 'power-sdk simulate --help' for usage.",
    ]);
  }
});

Deno.test("simulate fails on one line for an unknown profile, a bad serial, an unreachable broker", async () => {
  const port = freePort();
  const cases: [string[], RegExp][] = [
    [
      ["simulate", "--profile", "AC500", "--sn", SN, "--embedded"],
      /^error: CONFIG_UNKNOWN_PROFILE: /,
    ],
    [
      ["simulate", "--profile", "EL100V2", "--sn", "EL#1", "--embedded"],
      /^error: TRANSPORT_INVALID_ARGUMENT: Invalid serial number 'EL#1': .*'#'/,
    ],
    [
      [...BASE, "--broker", `mqtt://127.0.0.1:${port}`],
      new RegExp(
        `^error: TRANSPORT_CONNECT_FAILED: Cannot connect simulated station ${SN} to mqtt://127\\.0\\.0\\.1:${port}: connection refused: nothing listens on 127\\.0\\.0\\.1:${port}\\n$`,
      ),
    ],
  ];
  for (const [args, pattern] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, 1, args.join(" "));
    assert.equal(run.stdout, "");
    assert.equal(lines(run.stderr).length, 1, run.stderr);
    assert.match(run.stderr, pattern);
  }
});

Deno.test("simulate --embedded says where the broker listens, serves reads, stops on a signal", async () => {
  const sim = start([...BASE, "--embedded", "--faults", "late:10ms"], { summaryIntervalMs: 20 });
  const brokerLine = await sim.waitFor(/^Embedded MQTT broker/);
  const url = /listening on (mqtt:\/\/127\.0\.0\.1:\d+) /.exec(brokerLine)![1]!;
  assert.equal(
    brokerLine,
    `Embedded MQTT broker listening on ${url} (plain TCP, this machine only); read from it with: power-sdk read --profile EL100V2 --sn ${SN} --broker ${url} --allow-insecure --block 100`,
  );
  const running = await sim.waitFor(/ running on /);
  assert.equal(
    running,
    `Simulated Elite 100 V2 station ${SN} running on ${url} (rtu framing, faults late:10ms); Ctrl-C to stop`,
  );
  assert.ok(sim.listening());

  const soc = await readSoc(url);
  assert.ok(soc >= 0 && soc <= 100);
  assert.match(await sim.waitFor(/ 1 request, 1 reply$/), /^\d\d:\d\d:\d\d 1 request, 1 reply$/);

  sim.signal("SIGINT");
  assert.equal(await sim.done, 0);
  assert.equal(lines(sim.out()).at(-1), "Stopped by SIGINT after 1 request, 1 reply");
  assert.equal(sim.listening(), false);
  assert.equal(sim.err(), "");
  // The broker is gone with the station.
  await assert.rejects(readSoc(url), { code: "TRANSPORT_CONNECT_FAILED" });
});

Deno.test("simulate --embedded --port and --framing show in the read command line", async () => {
  const port = freePort();
  const sim = start([...BASE, "--embedded", "--port", String(port), "--framing", "iot-v2"]);
  const brokerLine = await sim.waitFor(/^Embedded MQTT broker/);
  assert.ok(
    brokerLine.endsWith(
      `--broker mqtt://127.0.0.1:${port} --allow-insecure --framing iot-v2 --block 100`,
    ),
  );
  assert.match(await sim.waitFor(/ running on /), /\(iot-v2 framing, no faults\)/);
  sim.signal("SIGTERM");
  assert.equal(await sim.done, 0);
  assert.equal(lines(sim.out()).at(-1), "Stopped by SIGTERM after 0 requests, 0 replies");
});

Deno.test("simulate --embedded on a port in use fails on one line", async () => {
  await using broker = await EmbeddedBroker.start();
  const run = await runCli([...BASE, "--embedded", "--port", String(broker.port)]);
  assert.equal(run.code, 1);
  assert.equal(lines(run.stderr).length, 1, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(
      `^error: TRANSPORT_LISTEN_FAILED: Cannot start the embedded broker on 127\\.0\\.0\\.1:${broker.port}: `,
    ),
  );
});

Deno.test("simulate --broker mqtts:// runs with the station's certificate bundle", async () => {
  const tls = { cert: pki.pem.serverCert, key: pki.pem.serverKey, ca: pki.pem.caCert };
  await using broker = await EmbeddedBroker.start({ tls });
  const sim = start(
    [...BASE, "--broker", broker.url, "--cert", pki.paths.clientP12, "--ca", pki.paths.caCert],
    { env: pki.password },
  );
  assert.match(
    await sim.waitFor(/ running on /),
    new RegExp(`running on ${RegExp.escape(broker.url)} \\(rtu framing, no faults\\)`),
  );
  sim.signal("SIGTERM");
  assert.equal(await sim.done, 0);
  assert.ok(!sim.out().includes(pki.password));
  assert.equal(sim.err(), "");
});

Deno.test("simulate stops cleanly when the signal comes while it connects", async () => {
  // A broker that accepts the connection and never answers: the station waits for CONNACK.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted = listener.accept();
  const sim = start([...BASE, "--broker", `mqtt://127.0.0.1:${port}`]);
  using connection = await accepted;
  assert.ok(sim.listening());
  sim.signal("SIGINT");
  assert.equal(await sim.done, 0);
  assert.equal(sim.out(), "Stopped by SIGINT before the station was running\n");
  assert.equal(sim.err(), "");
  assert.ok(connection.remoteAddr);
});

Deno.test("simulate with a protected bundle, no password and no terminal says how to pass one", async () => {
  const sim = start([...BASE, "--broker", "mqtts://localhost:8883", "--cert", pki.paths.clientP12]);
  await assert.rejects(sim.done, {
    code: "TRANSPORT_CREDENTIALS",
    message:
      `Cannot open the PKCS#12 bundle ${pki.paths.clientP12}: it is password-protected; pass --password or set POWER_SDK_CERT_PASSWORD`,
  });
  assert.equal(sim.listening(), false);
  assert.equal(sim.out(), "");
});

Deno.test("simulate --help and help simulate print the same help", async () => {
  const expected = (await runCli(["simulate", "--help"])).stdout;
  assert.match(expected, /^Usage: power-sdk simulate --profile <name> --sn <serial>/);
  assert.match(expected, /--faults <spec>/);
  assert.equal((await runCli(["help", "simulate"])).stdout, expected);
  assert.match((await runCli(["simulat"])).stderr, /did you mean 'simulate'\?/);
  assert.match((await runCli(["help", "simulte"])).stderr, /did you mean 'simulate'\?/);
});
