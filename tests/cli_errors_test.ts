// One error format, as a user sees it: `power-sdk` subprocesses print every failure as
// `error: CODE: message` (usage errors as `error: message` and a hint, exit 2), say what
// happened when there was nothing to do, and give scripts fields rather than sentences.
import assert from "node:assert/strict";
import { tempConfig } from "../src/runtime/config/_test_utils.ts";
import { EmbeddedBroker, SimulatedStation } from "../src/testing/mod.ts";
import { lines, powerSdk } from "./_support/cli.ts";

/** A port nothing listens on: taken from the system, then released. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("decode with bad hex is a usage error: exit 2, the position, the help hint", async () => {
  const run = await powerSdk(["decode", "--block", "100", "14c1zz"]);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, "");
  assert.deepEqual(lines(run.stderr), [
    'error: Cannot parse hex: "z" at position 5 is not a hex digit',
    "Run 'power-sdk decode --help' for usage.",
  ]);
});

Deno.test("simulate to a port nothing listens on says so, with a code, as read does", async () => {
  const port = closedPort();
  const run = await powerSdk([
    "simulate",
    "--profile",
    "EL100V2",
    "--sn",
    "EL100V2000001",
    "--broker",
    `mqtt://127.0.0.1:${port}`,
  ]);
  assert.equal(run.code, 1);
  assert.deepEqual(lines(run.stderr), [
    `error: TRANSPORT_CONNECT_FAILED: Cannot connect simulated station EL100V2000001 to mqtt://127.0.0.1:${port}: connection refused: nothing listens on 127.0.0.1:${port}`,
  ]);
  assert.doesNotMatch(run.stderr, /ECONNREFUSED/);
});

Deno.test("simulate --embedded on a port in use fails with TRANSPORT_LISTEN_FAILED", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const run = await powerSdk([
    "simulate",
    "--profile",
    "EL100V2",
    "--sn",
    "EL100V2000001",
    "--embedded",
    "--port",
    String(port),
  ]);
  assert.equal(run.code, 1);
  const [first, ...rest] = lines(run.stderr);
  assert.match(
    first!,
    new RegExp(
      `^error: TRANSPORT_LISTEN_FAILED: Cannot start the embedded broker on 127\\.0\\.0\\.1:${port}: `,
    ),
  );
  assert.deepEqual(rest, []);
});

Deno.test("runtime --once with only push devices says there was nothing to poll", async () => {
  await using tmp = await tempConfig(`version: 1
pipelines: { listen: { mode: push, transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: garage, pipeline: listen, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }
`);
  const run = await powerSdk(["runtime", "--config", tmp.file, "--once"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "");
  assert.deepEqual(lines(run.stderr), [
    `warning: nothing to poll: --once polls pull devices and the 1 device of ${tmp.file} is a push device; run without --once to listen to them`,
  ]);
  const json = await powerSdk(["runtime", "--config", tmp.file, "--once", "--json"]);
  assert.equal(json.code, 0);
  assert.deepEqual(JSON.parse(json.stdout), []);
});

Deno.test("runtime --once that fails prints one error line with a code, exit 1", async () => {
  const port = closedPort();
  await using tmp = await tempConfig(`version: 1
pipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }
defaults: { transport: { opts: { broker: "mqtt://127.0.0.1", port: ${port}, allow_insecure: true } } }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: "2237000012345" } } }
`);
  const run = await powerSdk(["runtime", "--config", tmp.file, "--once"]);
  assert.equal(run.code, 1);
  const errors = lines(run.stderr).filter((line) => line.startsWith("error: "));
  assert.deepEqual(errors, [
    "error: RUNTIME_POLL_FAILED: 1 of 1 devices failed: garage (TRANSPORT_CONNECT_FAILED)",
  ]);
  // Every other line on stderr is a warning with the code of what failed.
  for (const line of lines(run.stderr).filter((line) => !line.startsWith("error: "))) {
    assert.match(line, /^warning: garage: (allow_insecure|cannot connect: TRANSPORT_[A-Z_]+: )/);
  }
});

Deno.test("runtime --dry-run --json gives the transport and intervals as fields", async () => {
  await using tmp = await tempConfig(`version: 1
pipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }
`);
  const run = await powerSdk(["runtime", "--config", tmp.file, "--dry-run", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const [row] = JSON.parse(run.stdout);
  assert.equal(row.transport.type, "mqtt");
  assert.equal(row.transport.endpoint, "iot.bluettipower.com:18760");
  assert.equal(row.transport.options.broker, "iot.bluettipower.com");
  assert.equal(row.transport.options.port, 18760);
  assert.equal(row.transport.options.device_sn, "2237000012345");
  assert.equal(row.transport.framing, "rtu");
  assert.equal(row.transport.options.cert_password, null);
  assert.deepEqual(row.intervalS, { min: 10, max: 30 });
  assert.deepEqual(row.groups.map((g: { name: string }) => g.name), ["core", "grid", "battery"]);
  assert.equal(row.writeEnabled, false);
});

Deno.test("read --block 100 does not list the fields a normal read leaves out as missing", async () => {
  await using broker = await EmbeddedBroker.start();
  await using _station = await SimulatedStation.start({
    profile: "EL100V2",
    sn: "EL100V2000042",
    brokerUrl: broker.url,
  });
  const read = [
    "read",
    "--profile",
    "EL100V2",
    "--sn",
    "EL100V2000042",
    "--broker",
    broker.url,
    "--allow-insecure",
    "--block",
    "100",
  ];
  const run = await powerSdk(read);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^soc\s+\d+\s+%$/m);
  assert.doesNotMatch(run.stdout, /missing/);
  assert.doesNotMatch(run.stderr, /missing/);
  // The JSON still says which fields the read did not cover: data, not a fault.
  const json = await powerSdk([...read, "--json"]);
  assert.ok(JSON.parse(json.stdout).missing.includes("pv_to_ac_energy"));
});

Deno.test("a missing Deno permission is PERMISSION_DENIED, naming the flag to add", async () => {
  await using tmp = await tempConfig(`version: 1
pipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }
defaults: { transport: { opts: { broker: "mqtt://127.0.0.1", port: 1883, allow_insecure: true } } }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }
`);
  // No net permission: the user narrowed the set.
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-env",
      "cli.ts",
      "runtime",
      "--config",
      tmp.file,
      "--once",
    ],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 1);
  assert.deepEqual(lines(new TextDecoder().decode(output.stderr)), [
    "error: PERMISSION_DENIED: Cannot connect device 'garage' to 127.0.0.1:1883: no permission to reach that host; run with --allow-net=127.0.0.1 next to -P=cli",
  ]);
});
