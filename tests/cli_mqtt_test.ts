// `power-sdk simulate` and `power-sdk read` as a user runs them: `deno run -P=cli cli.ts ...`
// subprocesses, so the tests also prove the commands need nothing beyond the `cli` permission
// set. One test goes through a real mosquitto with a TLS listener that requires client
// certificates and a test PKI; without mosquitto it is skipped, except on CI (CI=true), where
// it fails. The other runs on the embedded broker and needs nothing installed.
import assert from "node:assert/strict";
import { CliProcess, lines, powerSdk } from "./_support/cli.ts";
import { mosquittoAvailable } from "./_support/mosquitto.ts";
import { withMosquitto } from "./_support/with_mosquitto.ts";

const PASSWORD_ENV = "POWER_SDK_CERT_PASSWORD";
const ON_CI = Deno.env.get("CI") === "true";
const HAVE_MOSQUITTO = mosquittoAvailable();

if (!HAVE_MOSQUITTO && !ON_CI) {
  console.warn(
    "cli_mqtt_test: mosquitto is not installed: skipping the mosquitto test (CI=true makes this a failure)",
  );
}

Deno.test({
  name: "power-sdk simulate and read through mosquitto with client certificates",
  ignore: !HAVE_MOSQUITTO && !ON_CI,
  async fn(t) {
    if (!HAVE_MOSQUITTO) {
      throw new Error("CI (CI=true) must run the mosquitto test, and mosquitto is not installed");
    }
    await using broker = await withMosquitto({ tls: true, noDelay: true });
    const pki = broker.pki!;
    const sn = "EL100V2CLI0001";
    const station = ["--profile", "EL100V2", "--sn", sn, "--broker", broker.url];
    const tls = ["--cert", pki.paths.clientP12, "--ca", pki.paths.caCert];
    const withPassword = { env: { [PASSWORD_ENV]: pki.password } };
    await using simulation = new CliProcess(["simulate", ...station, ...tls], withPassword);
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
      const run = await powerSdk([...read, "--group", "core"], withPassword);
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
      simulation.signal("SIGTERM");
      const status = await simulation.exited();
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
  const station = ["--profile", "EL100V2", "--sn", sn, "--embedded"];
  await using simulation = new CliProcess(["simulate", ...station]);
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

  simulation.signal("SIGINT");
  const status = await simulation.exited();
  assert.equal(status.code, 0, simulation.stderr);
  assert.equal(simulation.stderr, "");
  assert.equal(lines(simulation.stdout).at(-1), "Stopped by SIGINT after 1 request, 1 reply");
});
