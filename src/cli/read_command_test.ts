import { TIMEOUT_CAUSES } from "./_progress.ts";
import assert from "node:assert/strict";
import { EmbeddedBroker, SimulatedStation } from "../testing/mod.ts";
import { createTestPki } from "../../tests/_support/pki.ts";
import { readCommand } from "./read_command.ts";
import {
  assertUsageError,
  captureContext,
  freePort,
  lines,
  RECORD_JSON_KEYS,
  runCli,
  stationOnBroker,
  testSources,
} from "./_test_utils.ts";

const pki = await createTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));

const SN = "EL100V2000042";
const BASE = ["read", "--profile", "EL100V2", "--sn", SN];
const INSECURE_WARNING =
  /^warning: allow_insecure: connecting to mqtt:\/\/127\.0\.0\.1:\d+ WITHOUT TLS/;

Deno.test("read returns 2 for a wrong command line", async () => {
  const broker = ["--broker", "mqtt://127.0.0.1:1"];
  const cases: [string[], string][] = [
    [["read", "--sn", SN, ...broker, "--block", "100"], "missing option '--profile <name>'"],
    [
      ["read", "--profile", "EL100V2", ...broker, "--block", "100"],
      "missing option '--sn <serial>'",
    ],
    [[...BASE, "--block", "100"], "missing option '--broker <url|host>'"],
    [[...BASE, ...broker], "missing option '--block <id|name>' or '--group <name>'"],
    [
      [...BASE, ...broker, "--block", "100", "--group", "core"],
      "give '--block' or '--group', not both",
    ],
    [
      [...BASE, ...broker, "--block", "100", "--framing", "iotv2"],
      "unknown framing 'iotv2': choose rtu, iot-v2, v1, mbap; did you mean 'iot-v2'?",
    ],
    [
      [...BASE, ...broker, "--block", "100", "--timeout", "5s"],
      "option '--timeout' needs milliseconds, an integer 1..3600000, got '5s'",
    ],
    [
      [...BASE, ...broker, "--block", "100", "--password", "x"],
      "option '--password' is the password of a certificate bundle: give '--cert <file.p12>' too",
    ],
    [[...BASE, ...broker, "--block", "100", "extra"], "unexpected argument 'extra' for 'read'"],
    [
      [...BASE, ...broker, "--grup", "core"],
      "unknown option '--grup' for 'read'; did you mean '--group'?",
    ],
    [
      [...BASE, ...broker, "--block", "100", "--alow-insecure"],
      "unknown option '--alow-insecure' for 'read'; did you mean '--allow-insecure'?",
    ],
  ];
  for (const [args, message] of cases) await assertUsageError(args, message, "read");
});

Deno.test("read fails on one line before connecting: profile, group, block, serial, mqtt://", async () => {
  const broker = ["--broker", "mqtt://127.0.0.1:1", "--allow-insecure"];
  const cases: [string[], RegExp][] = [
    [
      ["read", "--profile", "AC500", "--sn", SN, ...broker, "--block", "100"],
      /^error: CONFIG_UNKNOWN_PROFILE: .*AC500/,
    ],
    [
      [...BASE, ...broker, "--group", "cor"],
      /^error: CONFIG_INVALID: Unknown group 'cor' of profile EL100V2: its groups are core, .*; did you mean 'core'\?\n$/,
    ],
    [
      [...BASE, ...broker, "--block", "99999"],
      /^error: PARSER_UNKNOWN_BLOCK: Unknown block '99999'/,
    ],
    [
      ["read", "--profile", "EL100V2", "--sn", "EL100V2/1", ...broker, "--block", "100"],
      /^error: TRANSPORT_INVALID_ARGUMENT: Invalid serial number 'EL100V2\/1': .*must not contain '\/'/,
    ],
    [
      [...BASE, "--broker", "mqtt://127.0.0.1:1", "--block", "100"],
      /^error: TRANSPORT_INVALID_ARGUMENT: Refusing to connect to mqtt:\/\/127\.0\.0\.1:1 without TLS: .*--allow-insecure/,
    ],
    [
      [...BASE, "--broker", "http://x", "--block", "100"],
      /^error: TRANSPORT_INVALID_ARGUMENT: Invalid broker 'http:\/\/x'/,
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

Deno.test("read refuses mqtt:// without --allow-insecure before asking for a password", async () => {
  const ctx = captureContext();
  const fake = testSources({ typed: "typed" });
  const args = [...BASE.slice(1), "--broker", "mqtt://127.0.0.1:1", "--cert", pki.paths.clientP12];
  await assert.rejects(readCommand([...args, "--block", "100"], ctx, fake), {
    code: "TRANSPORT_INVALID_ARGUMENT",
  });
  assert.equal(fake.asked(), 0);
  assert.equal(ctx.err(), "");
});

Deno.test("read reports a refused connection on one line", async () => {
  const port = freePort();
  const run = await runCli([
    ...BASE,
    "--broker",
    `mqtt://127.0.0.1:${port}`,
    "--allow-insecure",
    "--block",
    "100",
  ]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  const [warning, error, ...rest] = lines(run.stderr);
  assert.match(warning!, INSECURE_WARNING);
  assert.equal(
    error,
    `error: TRANSPORT_CONNECT_FAILED: Cannot connect to mqtt://127.0.0.1:${port}: connection refused: nothing listens on 127.0.0.1:${port}`,
  );
  assert.deepEqual(rest, []);
});

Deno.test("read prints a block, a block as JSON and a group from a simulated station", async (t) => {
  await using local = await stationOnBroker({ profile: "EL100V2", sn: SN });
  const args = [...BASE, "--broker", local.broker.url, "--allow-insecure"];

  await t.step("--block 100 as text, as decode prints it", async () => {
    const run = await runCli([...args, "--block", "100"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, INSECURE_WARNING);
    assert.equal(lines(run.stderr).length, 1);
    const text = lines(run.stdout);
    assert.equal(
      text[0],
      `APP_HOME_DATA (block 100) from ${SN}: 124 data bytes, protocol version unknown`,
    );
    assert.match(text[1]!, /^pack_voltage\s+\d+(\.\d+)?\s+V$/);
    assert.ok(text.some((line) => /^device_model\s+EL100V2$/.test(line)));
    // The profile reads 62 of the 72 registers block 100 spans: the fields beyond are not a
    // fault, so a healthy read does not list them as missing.
    assert.ok(!text.some((line) => /missing|pv_to_ac_energy/.test(line)), text.join("\n"));
  });

  await t.step("--block APP_HOME_DATA --json in the shape of decode --json", async () => {
    const run = await runCli([...args, "--block", "APP_HOME_DATA", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const record = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(record), RECORD_JSON_KEYS);
    assert.equal(record.blockId, 100);
    assert.equal(record.values.device_model, "EL100V2");
    assert.ok(record.values.soc >= 0 && record.values.soc <= 100);
    assert.equal(record.units.soc, "%");
  });

  await t.step("--group inverter prints each block", async () => {
    const run = await runCli([...args, "--group", "inverter", "--framing", "rtu"]);
    assert.equal(run.code, 0, run.stderr);
    const headers = lines(run.stdout).filter((line) => / \(block \d+\) from /.test(line));
    assert.deepEqual(headers.map((line) => line.split(" from ")[0]), [
      "INV_BASE_INFO (block 1100)",
      "INV_LOAD_INFO (block 1400)",
      "INV_INV_INFO (block 1500)",
    ]);
  });

  await t.step("--group core --json", async () => {
    const run = await runCli([...args, "--group", "core", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(result), ["group", "ok", "records", "errors"]);
    assert.equal(result.group, "core");
    assert.equal(result.ok, true);
    assert.deepEqual(result.records.map((r: { blockId: number }) => r.blockId), [100]);
    assert.deepEqual(result.errors, []);
  });
});

Deno.test("read --group prints the blocks it read and one error line per failed block, exit 1", async () => {
  await using local = await stationOnBroker({ profile: "EL100V2", sn: SN, faults: "silent:1x" });
  const args = [...BASE, "--broker", local.broker.url, "--allow-insecure", "--timeout", "300"];
  const run = await runCli([...args, "--group", "inverter"]);
  assert.equal(run.code, 1);
  const [warning, error, ...rest] = lines(run.stderr);
  assert.match(warning!, INSECURE_WARNING);
  assert.equal(
    error,
    `error: TRANSPORT_TIMEOUT: block 1100 INV_BASE_INFO: No reply from ${SN} on PUB/${SN} within 300 ms; ${TIMEOUT_CAUSES}`,
  );
  assert.deepEqual(rest, []);
  assert.doesNotMatch(run.stdout, /INV_BASE_INFO/);
  assert.match(run.stdout, /^INV_LOAD_INFO \(block 1400\) from /);
  assert.match(run.stdout, /\n\nINV_INV_INFO \(block 1500\) from /);
});

Deno.test("read --block reports a timeout on one line, exit 1", async () => {
  await using local = await stationOnBroker({ profile: "EL100V2", sn: SN, faults: "silent" });
  const run = await runCli([
    ...BASE,
    "--broker",
    local.broker.url,
    "--allow-insecure",
    "--timeout",
    "200",
    "--block",
    "100",
  ]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.equal(
    lines(run.stderr)[1],
    `error: TRANSPORT_TIMEOUT: No reply from ${SN} on PUB/${SN} within 200 ms; ${TIMEOUT_CAUSES}`,
  );
  assert.equal(lines(run.stderr).length, 2);
});

Deno.test("read over TLS with a client certificate: --password, prompt, wrong password, cancel", async (t) => {
  const tls = { cert: pki.pem.serverCert, key: pki.pem.serverKey, ca: pki.pem.caCert };
  await using broker = await EmbeddedBroker.start({ tls });
  await using _station = await SimulatedStation.start({
    profile: "EL100V2",
    sn: SN,
    brokerUrl: broker.url,
    tls: { cert: pki.pem.clientCert, key: pki.pem.clientKey, ca: pki.pem.caCert },
  });
  const args = [...BASE, "--broker", broker.url, "--cert", pki.paths.clientP12, "--block", "100"];

  await t.step("--password and --ca", async () => {
    const run = await runCli([...args, "--password", pki.password, "--ca", pki.paths.caCert]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    assert.match(run.stdout, /^APP_HOME_DATA \(block 100\) from /);
  });

  await t.step("the password typed at the prompt", async () => {
    const ctx = captureContext();
    const code = await readCommand(args.slice(1), ctx, testSources({ typed: pki.password }));
    assert.equal(code, 0);
    assert.equal(ctx.err(), `Password for ${pki.paths.clientP12}: `);
    assert.match(ctx.out(), /^APP_HOME_DATA \(block 100\) from /);
  });

  await t.step("a cancelled prompt: exit 130, one line", async () => {
    const ctx = captureContext();
    const code = await readCommand(args.slice(1), ctx, testSources({ typed: null }));
    assert.equal(code, 130);
    assert.equal(
      ctx.err(),
      `Password for ${pki.paths.clientP12}: error: cancelled: no password entered for ${pki.paths.clientP12}\n`,
    );
    assert.equal(ctx.out(), "");
  });

  await t.step("a wrong password: exit 1, one line naming the file, no password", async () => {
    const run = await runCli([...args, "--password", `not-${pki.password}`]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.equal(lines(run.stderr).length, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `^error: TRANSPORT_CREDENTIALS: Cannot open the PKCS#12 bundle ${
          RegExp.escape(pki.paths.clientP12)
        }: wrong passphrase .*; the password came from --password\n$`,
      ),
    );
    assert.ok(!run.stderr.includes(pki.password));
  });

  await t.step("no certificate: the broker's refusal on one line", async () => {
    const run = await runCli([
      ...BASE,
      "--broker",
      broker.url,
      "--ca",
      pki.paths.caCert,
      "--block",
      "100",
    ]);
    assert.equal(run.code, 1);
    assert.equal(lines(run.stderr).length, 1, run.stderr);
    assert.match(
      run.stderr,
      /^error: TRANSPORT_CONNECT_FAILED: Cannot connect to mqtts:\/\/localhost:\d+: /,
    );
  });
});

Deno.test("read --help, help read and --help read print the same help", async () => {
  const expected = (await runCli(["read", "--help"])).stdout;
  assert.match(expected, /^Usage: power-sdk read --profile <name> --sn <serial> --broker <url>/);
  assert.match(expected, /--password <text> {5}The bundle's password/);
  assert.equal((await runCli(["help", "read"])).stdout, expected);
  assert.equal((await runCli(["--help", "read"])).stdout, expected);
  assert.match((await runCli(["--help"])).stdout, /\n {2}read --profile <name> --sn <serial>/);
});
