// Proof of the plugin contract: a vendor and a transport that src/ never heard of, defined
// through the public API only (tests/fixtures/toy/toy_plugin.ts), run from a runtime.yaml.
import assert from "node:assert/strict";
import { TOY_LOOP, TOY_PLUGIN, TOY_REQUESTS } from "./fixtures/toy/toy_plugin.ts";
import {
  Client,
  ConfigValidationError,
  describeResolution,
  loadRuntimeConfig,
  LoopbackTransport,
  readRuntimeConfig,
  resolveRuntime,
  Runtime,
  runtimeConfigJsonSchema,
} from "../mod.ts";
import { knownPlugins } from "../src/plugins/mod.ts";
import { getFraming } from "../src/protocol/mod.ts";
import { knownTransports } from "../src/transport/mod.ts";

const FIXTURE = new URL("./fixtures/toy/runtime.yaml", import.meta.url);

function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.message.split("\n").slice(1);
    throw error;
  }
  assert.fail("expected a ConfigValidationError");
}

Deno.test("a toy vendor and transport defined outside src/ are known like the built-ins", () => {
  assert.ok(knownPlugins().includes(TOY_PLUGIN));
  assert.ok(knownTransports().includes(TOY_LOOP));
  assert.equal(getFraming("toy-hash").deviceAddress, 9);
});

Deno.test("the runtime runs a runtime.yaml that names the toy vendor and transport", async () => {
  const resolved = resolveRuntime(await readRuntimeConfig(FIXTURE.pathname));
  assert.deepEqual(resolved.devices.map((d) => [d.id, d.transport]), [
    ["kitchen", {
      type: "toy_loop",
      framing: "toy-hash",
      options: { station: "alpha", volts: 230 },
    }],
    ["shed", { type: "toy_loop", framing: "toy-hash", options: { station: "beta", volts: 117.5 } }],
  ]);
  assert.deepEqual(describeResolution(resolved).map((row) => [row.broker, row.transport]), [
    ["toy:alpha", "toy_loop pull, framing toy-hash, 230 V"],
    ["toy:beta", "toy_loop pull, framing toy-hash, 117.5 V"],
  ]);

  const lines: string[] = [];
  const runtime = new Runtime(resolved, { stdoutWriter: (line) => lines.push(line) });
  try {
    const snapshots = await runtime.runOnce();
    assert.deepEqual(
      snapshots.map((s) => [s.deviceId, s.profile, s.ok, s.blocks[0]?.values]),
      [
        ["kitchen", "TOYMETER", true, { voltage: 230, serial: 4242, model_code: 1 }],
        ["shed", "TOYMETER", true, { voltage: 117.5, serial: 4242, model_code: 1 }],
      ],
    );
    assert.equal(snapshots[1]?.blocks[0]?.units.voltage, "V");
    assert.equal(lines.length, 2, "the stdout sink printed one line per snapshot");
  } finally {
    await runtime.stop();
  }
  // The requests went out in the toy envelope with the toy framing's address: # 09 03 …
  const [first] = TOY_REQUESTS.get("alpha")!;
  assert.deepEqual([...first!.subarray(0, 3)], [0x23, 9, 0x03]);
});

Deno.test("the toy transport's schema checks its opts, at file:line:column", () => {
  const yaml = `version: 1
pipelines:
  toys: { transport: toy_loop, vendor: toyco, protocol: t1 }
devices:
  - id: a
    pipeline: toys
    profile_id: TOYMETER
    transport: { opts: { station: alpha, volt: 3 } }
  - id: b
    pipeline: toys
    profile_id: TOYMETER
    transport: { opts: { station: bravo, volts: 900 } }
  - id: c
    pipeline: toys
    profile_id: TOYMETER
  - id: d
    pipeline: toys
    profile_id: TOYMETER
    transport: { opts: { station: delta, device_sn: X1 } }
`;
  assert.deepEqual(issues(() => resolveRuntime(loadRuntimeConfig(yaml, { file: "toy.yaml" }))), [
    "toy.yaml:8:42: devices[0].transport.opts.volt: unknown key 'volt'; did you mean 'volts'?",
    "toy.yaml:12:49: devices[1].transport.opts.volts: expected a number of volts 0..500, got 900",
    "toy.yaml:13:5: devices[2].transport.opts.station: missing station: set it here, in the pipeline's transport_opts or in defaults.transport.opts",
    "toy.yaml:19:42: devices[3].transport.opts.device_sn: option 'device_sn' is not an option of transport 'toy_loop' (its options: station, volts)",
  ]);
});

Deno.test("vendor and protocol are checked against the registered plugins", () => {
  const yaml = `version: 1
pipelines:
  toys: { transport: toy_loop, vendor: toyco, protocol: v2 }
  mixed: { transport: toy_loop, vendor: bluetti, protocol: v2 }
devices:
  - { id: a, pipeline: toys, profile_id: TOYMETER, transport: { opts: { station: a } } }
  - { id: b, pipeline: mixed, profile_id: TOYMETER, transport: { opts: { station: b } } }
`;
  assert.deepEqual(issues(() => resolveRuntime(loadRuntimeConfig(yaml, { file: "toy.yaml" }))), [
    "toy.yaml:3:57: pipelines.toys.protocol: no plugin is vendor 'toyco' with protocol 'v2' (registered: bluetti/v2, bluetti/local, generic/modbus, toyco/t1)",
    "toy.yaml:7:43: devices[1].profile_id: profile TOYMETER is a ToyCo toyco_t1 station, but pipeline 'mixed' speaks bluetti/v2",
  ]);
});

Deno.test("devices sharing the toy transport's unique key are refused", () => {
  const yaml = `version: 1
pipelines:
  toys: { transport: toy_loop, vendor: toyco, protocol: t1 }
devices:
  - { id: a, pipeline: toys, profile_id: TOYMETER, transport: { opts: { station: same } } }
  - { id: b, pipeline: toys, profile_id: TOYMETER, transport: { opts: { station: same } } }
`;
  assert.deepEqual(issues(() => resolveRuntime(loadRuntimeConfig(yaml, { file: "toy.yaml" }))), [
    "toy.yaml:6:82: devices[1].transport.opts.station: station 'same' of device 'b' is also the station of device 'a' (devices[0]) on the same toy loop",
  ]);
});

Deno.test("the JSON Schema of runtime.yaml lists the toy transport, vendor and options", () => {
  const schema = JSON.stringify(runtimeConfigJsonSchema());
  assert.match(schema, /"toy_loop"/);
  assert.match(schema, /"toyco"/);
  assert.match(schema, /"toy-hash"/);
  assert.match(schema, /Name of the in-process station\./);
});

Deno.test("a Client of a toy profile takes schemas, identity and framing from its plugin", async () => {
  const [profile] = TOY_PLUGIN.profiles;
  const asked: number[][] = [];
  await using transport = new LoopbackTransport((payload) => {
    asked.push([...payload.subarray(0, 3)]);
    const data = Uint8Array.of(0x09, 0x10, 0x00, 0x07, 0x00, 0x02);
    return Uint8Array.of(0x23, 9, 0x03, 6, ...data, ...crc(Uint8Array.of(9, 3, 6, ...data)));
  });
  await using client = new Client({ transport, profile: profile! });
  await client.connect();
  const record = await client.readBlock(7);
  assert.deepEqual(record.values, { voltage: 232, serial: 7, model_code: 2 });
  assert.deepEqual(
    [client.state.identity().model, client.state.identity().serial],
    ["T2", "7"],
  );
  // The request went out in the plugin's envelope, to the framing's device address.
  assert.deepEqual(asked, [[0x23, 9, 0x03]]);
});

/** CRC-16/MODBUS, low byte first. */
function crc(bytes: Uint8Array): number[] {
  let value = 0xffff;
  for (const byte of bytes) {
    value ^= byte;
    for (let i = 0; i < 8; i++) value = value & 1 ? (value >>> 1) ^ 0xa001 : value >>> 1;
  }
  return [value & 0xff, value >>> 8];
}

Deno.test("the CLI, started from an entry point that defines them, runs the toy runtime.yaml", async () => {
  const entry = new URL("./fixtures/toy/cli.ts", import.meta.url).pathname;
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "-P=cli", entry, "runtime", "--config", FIXTURE.pathname, ...args],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  };
  const dry = await run("--dry-run");
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    /kitchen .*toyco .*t1 .*TOYMETER .*toy_loop pull, framing toy-hash, 230 V/,
  );
  assert.match(dry.stdout, /toy:beta/);
  const once = await run("--once");
  assert.equal(once.code, 0, once.stderr);
  assert.match(once.stdout, /shed/);
  assert.match(once.stdout, /117\.5/);
});
