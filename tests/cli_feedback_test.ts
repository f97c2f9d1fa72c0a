// Feedback while waiting: `read`, `write` and `runtime --once` say on stderr what they wait for
// once a step takes a moment (POWER_SDK_PROGRESS_DELAY_MS=0 makes every step "take a moment",
// so these tests wait on no clock), never with --json; a timeout names its likely causes; plain
// mqtt:// to a TLS port says to use mqtts://.
import assert from "node:assert/strict";
import { tempConfig } from "../src/runtime/config/_test_utils.ts";
import { EmbeddedBroker, SimulatedStation } from "../src/testing/mod.ts";
import { lines, powerSdk } from "./_support/cli.ts";
import { createTestPki } from "./_support/pki.ts";

const SN = "EL100V2000555";
const AT_ONCE = { env: { POWER_SDK_PROGRESS_DELAY_MS: "0" } };

function readArgs(url: string, ...more: string[]): string[] {
  return ["read", "--profile", "EL100V2", "--sn", SN, "--broker", url, "--allow-insecure", ...more];
}

Deno.test("read says what it waits for on stderr, and nothing of it with --json", async () => {
  await using broker = await EmbeddedBroker.start();
  await using _station = await SimulatedStation.start({
    profile: "EL100V2",
    sn: SN,
    brokerUrl: broker.url,
  });
  const run = await powerSdk(readArgs(broker.url, "--block", "100"), AT_ONCE);
  assert.equal(run.code, 0, run.stderr);
  const err = lines(run.stderr);
  assert.ok(err.includes(`connecting to ${broker.url} ...`), run.stderr);
  assert.ok(err.includes(`waiting for the reply to block 100 APP_HOME_DATA from ${SN} ...`));
  assert.doesNotMatch(run.stdout, /^(connecting to|waiting for)/m);

  const json = await powerSdk(readArgs(broker.url, "--block", "100", "--json"), AT_ONCE);
  assert.equal(json.code, 0, json.stderr);
  assert.doesNotMatch(json.stderr, /^(connecting to|waiting for)/m);
  assert.equal(JSON.parse(json.stdout).blockId, 100);

  const group = await powerSdk(readArgs(broker.url, "--group", "core"), AT_ONCE);
  assert.ok(lines(group.stderr).includes(`waiting for the replies to group core from ${SN} ...`));
});

Deno.test("read names the likely causes when no reply comes", async () => {
  await using broker = await EmbeddedBroker.start();
  await using _station = await SimulatedStation.start({
    profile: "EL100V2",
    sn: SN,
    brokerUrl: broker.url,
    faults: "silent:1",
  });
  const run = await powerSdk(readArgs(broker.url, "--block", "100", "--timeout", "300"));
  assert.equal(run.code, 1);
  const [error] = lines(run.stderr).filter((line) => line.startsWith("error: "));
  assert.match(
    error!,
    /^error: TRANSPORT_TIMEOUT: No reply from .* within 300 ms; likely causes: /,
  );
  for (const cause of ["offline", "framing", "topics", "certificate"]) {
    assert.ok(error!.includes(cause), `${cause} in ${error}`);
  }
});

Deno.test("runtime --once says it is polling, and a timeout's causes", async () => {
  await using broker = await EmbeddedBroker.start();
  await using _station = await SimulatedStation.start({
    profile: "EL30V2",
    sn: "EL30V2000555",
    brokerUrl: broker.url,
    faults: "silent:1",
  });
  await using tmp = await tempConfig(`version: 1
pipelines:
  lan:
    transport: mqtt
    vendor: bluetti
    protocol: v2
    transport_opts: { broker: "mqtt://127.0.0.1", port: ${broker.port}, allow_insecure: true }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: EL30V2000555 } } }
`);
  const run = await powerSdk(["runtime", "--config", tmp.file, "--once"], AT_ONCE);
  assert.equal(run.code, 1);
  const err = lines(run.stderr);
  assert.ok(err.includes("polling 1 device once: connecting, then waiting for the replies ..."));
  const error = err.find((line) => line.startsWith("error: "));
  assert.match(
    error!,
    /^error: RUNTIME_POLL_FAILED: .*TRANSPORT_TIMEOUT.*; TRANSPORT_TIMEOUT: likely causes: /,
  );
});

Deno.test("read with mqtt:// to a TLS port says to use mqtts://", async () => {
  await using pki = await createTestPki();
  await using broker = await EmbeddedBroker.start({
    tls: { cert: pki.pem.serverCert, key: pki.pem.serverKey, ca: pki.pem.caCert },
  });
  const url = broker.url.replace(/^mqtts:/, "mqtt:");
  const run = await powerSdk(readArgs(url, "--block", "100", "--timeout", "3000"));
  assert.equal(run.code, 1);
  const [error] = lines(run.stderr).filter((line) => line.startsWith("error: "));
  assert.match(error!, /^error: TRANSPORT_CONNECT_FAILED: /);
  assert.match(error!, /expect TLS\? Then use mqtts:\/\//);
});

Deno.test("read prints no progress into a pipe unless asked, however long the wait", async () => {
  await using broker = await EmbeddedBroker.start();
  await using _station = await SimulatedStation.start({
    profile: "EL100V2",
    sn: SN,
    brokerUrl: broker.url,
    faults: "late:1500ms",
  });
  // stderr is a pipe here, as in a log file or a script: a 1.5 s wait prints nothing extra.
  const run = await powerSdk(readArgs(broker.url, "--block", "100"));
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /^(connecting to|waiting for)/m);
});
