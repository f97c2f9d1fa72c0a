// `power-sdk runtime`, `demo`, `schema` and `write --dry-run` as a user runs them:
// `deno run -P=cli cli.ts ...` subprocesses with a cleared environment, so the tests also prove
// the commands need nothing beyond the `cli` permission set (and write access to the folder of
// a jsonl sink, granted explicitly in case the set lacks it) and the variables they are given.
// Stations run in this process, on the embedded broker.
import assert from "node:assert/strict";
import type { Snapshot } from "../mod.ts";
import { buildRequest, getFraming, type ModbusRequest } from "../src/protocol/mod.ts";
import { SEED_ENV, SEED_YAML, tempConfig } from "../src/runtime/config/_test_utils.ts";
import { EmbeddedBroker, SimulatedStation } from "../src/testing/mod.ts";
import { CliProcess, lines, powerSdk } from "./_support/cli.ts";
import { withDeadline } from "./_support/deadline.ts";

/** How long a demo run may take before it fails the test instead of hanging it. */
const DEMO_DEADLINE_MS = 60_000;

/** A station on the embedded broker, and a runtime.yaml that polls it into a jsonl file. */
async function stationSetup(options: { faults?: string } = {}) {
  const broker = await EmbeddedBroker.start();
  const station = await SimulatedStation.start({
    profile: "EL30V2",
    sn: "EL30V2000081",
    brokerUrl: broker.url,
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const tmp = await tempConfig();
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
    dir: tmp.dir,
    config: tmp.file,
    jsonl: `${tmp.dir}/data/snapshots.jsonl`,
    write: (device: string, sink: string) => Deno.writeTextFile(tmp.file, yaml(device, sink)),
    async [Symbol.asyncDispose]() {
      await station.stop();
      await broker.close();
      await tmp[Symbol.asyncDispose]();
    },
  };
}

Deno.test("power-sdk runtime --dry-run resolves the seed example with its two variables", async () => {
  await using seed = await tempConfig(SEED_YAML);
  const config = seed.file;
  const password = "seed-secret-9f3a";
  const env = { ...SEED_ENV, LIVING_ROOM_CERT_PASSWORD: password };
  const run = await powerSdk(["runtime", "--config", config, "--dry-run"], { env });
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

  const json = await powerSdk(["runtime", "--config", config, "--dry-run", "--json"], { env });
  assert.equal(json.code, 0);
  assert.equal(JSON.parse(json.stdout)[0].device, "living_room_battery");
});

Deno.test("power-sdk runtime --dry-run prints every mistake with file:line:column, exit 1", async () => {
  await using tmp = await tempConfig(`version: 1
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
`);
  const config = tmp.file;
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
  await using runtime = new CliProcess(["runtime", "--config", setup.config], {
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

Deno.test("power-sdk runtime exits at once with 130 on a second stop signal", async () => {
  // The station never answers: the stop waits for the poll in flight.
  await using setup = await stationSetup({ faults: "silent" });
  await setup.write("poll_interval: 0.2, groups: [core],", "stdout");
  await using runtime = new CliProcess(["runtime", "--config", setup.config, "--verbose"]);
  await runtime.waitFor(/^info: garage: connected$/);
  runtime.signal("SIGTERM");
  await runtime.waitFor(/^info: stopping after SIGTERM: /);
  // Another signal: a deliberate second request (a repeat of SIGTERM at once would be taken for
  // the task runner's forwarded copy; tests/cli_signals_test.ts).
  runtime.signal("SIGINT");
  const status = await runtime.exited();
  // 130, not the 0 of a graceful stop: the second signal ended it without waiting for the poll.
  assert.equal(status.code, 130);
});

Deno.test("power-sdk demo --duration 3 prints snapshot lines and exits 0", async () => {
  // --duration ends it; the deadline (SIGTERM, exit 143) only bounds a demo that never stops.
  const run = await powerSdk(["demo", "--duration", "3"], { deadlineMs: DEMO_DEADLINE_MS });
  assert.equal(
    run.code,
    0,
    `exit ${run.code} (143: still running at the deadline):\n${run.stderr}`,
  );
  assert.equal(run.stderr, "");
  const output = lines(run.stdout);
  assert.match(
    output[0]!,
    /^Power SDK demo: 3 simulated stations on an embedded broker at mqtt:\/\/127\.0\.0\.1:\d+ and 1 on local Modbus TCP at 127\.0\.0\.1:\d+; Ctrl-C to stop/,
  );
  const snapshots = output.filter((line) =>
    /^\d{4}-\d\d-\d\dT\S+Z (garage|living_room|cabin|shed) /.test(line)
  );
  assert.ok(snapshots.length >= 3, run.stdout);
  assert.match(output.at(-1)!, /^Stopped after 3 s: \d+ polls, \d+ failed$/);
});

Deno.test("power-sdk demo shows a cloud station and a local Modbus TCP station side by side", async () => {
  await using demo = new CliProcess(["demo", "--json"]);
  // A value of each: a cloud (simulated MQTT) device and the local (simulated Modbus TCP) one.
  const cloud = JSON.parse(await demo.waitFor(/"deviceId":"garage".*"pack_voltage"/));
  const local = JSON.parse(await demo.waitFor(/"deviceId":"shed".*"soc"/));
  demo.signal("SIGINT");
  const status = await withDeadline(
    demo.exited(),
    DEMO_DEADLINE_MS,
    () => `power-sdk demo to exit after SIGINT; it printed:\n${demo.stdout}${demo.stderr}`,
  );
  assert.equal(status.code, 0, demo.stderr);
  const values = (snapshot: Snapshot) =>
    Object.assign({}, ...snapshot.blocks.map((b) => b.values)) as Record<string, unknown>;
  assert.equal(cloud.ok, true);
  assert.equal(typeof values(cloud).pack_voltage, "number");
  assert.equal(local.ok, true, JSON.stringify(local.errors));
  assert.equal(values(local).soc, 76);
  assert.equal(values(local).pack_voltage, 53.2);
  assert.match(demo.stderr, /and 1 on local Modbus TCP at 127\.0\.0\.1:\d+/);
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
