import assert from "node:assert/strict";
import type { DeviceProfile } from "../../device/profile.ts";
import { EL100V2_PROFILE } from "../../../profiles/mod.ts";
import { envOf, minimal, problems, SEED_ENV, SEED_YAML } from "./_test_utils.ts";
import { ConfigValidationError } from "./config_validation_error.ts";
import { loadRuntimeConfig } from "./load_config.ts";
import { describeResolution, resolveRuntime } from "./resolve.ts";
import type { RuntimeConfig } from "./runtime_config.ts";

const FILE = "runtime.yaml";

function resolveText(text: string, vars: Record<string, string> = {}) {
  return resolveRuntime(loadRuntimeConfig(text, { file: FILE, env: envOf(vars) }));
}

Deno.test("resolveRuntime() resolves the seed file with built-in defaults", () => {
  const { devices, sinks } = resolveText(SEED_YAML, SEED_ENV);
  assert.equal(devices.length, 1);
  const device = devices[0]!;
  assert.deepEqual(device, {
    id: "living_room_battery",
    pipeline: "bluetti_pull",
    mode: "pull",
    vendor: "bluetti",
    protocol: "v2",
    profileId: "EL100V2",
    transport: {
      type: "mqtt",
      framing: "rtu",
      options: {
        broker: "iot.bluettipower.com",
        port: 18760,
        device_sn: "2237000012345",
        cert_file: null,
        cert_password: "correct horse",
        ca_file: null,
        topics: { request: "SUB/{sn}", response: "PUB/{sn}" },
        keepalive: 60,
        allow_insecure: false,
      },
    },
    groups: EL100V2_PROFILE.groups.map((g) => ({ name: g.name, intervalMs: 30_000 })),
    sink: "stdout",
    deviceAddress: null,
    protocolVersion: null,
    writeEnabled: false,
  });
  assert.deepEqual(Object.keys(sinks), ["stdout", "memory"]);
  assert.deepEqual(sinks.memory, {
    name: "memory",
    type: "memory",
    builtin: true,
    size: 100,
    queue: { size: 1000, drop: "oldest" },
  });
});

Deno.test("resolveRuntime() takes the broker from MQTT_BROKER when it is set", () => {
  const env = { ...SEED_ENV, MQTT_BROKER: "mqtts://broker.example" };
  const [device] = resolveText(SEED_YAML, env).devices;
  assert.equal(device?.transport.options.broker, "mqtts://broker.example");
  // An empty MQTT_BROKER falls back like the shell's :- does.
  const [fallback] = resolveText(SEED_YAML, { ...SEED_ENV, MQTT_BROKER: "" }).devices;
  assert.equal(fallback?.transport.options.broker, "iot.bluettipower.com");
});

const LAYERS = `version: 1
pipelines:
  cloud:
    transport: mqtt
    vendor: bluetti
    protocol: v2
    poll_interval: 20
    sink: piped
    transport_opts:
      port: 8883
      framing: iot-v2
      topics: { response: "PUB/pipeline/{sn}" }
  local:
    mode: pull
    transport: mqtt
    vendor: bluetti
    protocol: v2
defaults:
  poll_interval: 30
  sink: file
  write_enabled: true
  transport:
    opts:
      broker: broker.local
      port: 1883
      keepalive: 15
      cert_file: /certs/default.p12
      topics: { request: "REQ/{sn}", response: "RES/{sn}" }
devices:
  - id: a
    pipeline: cloud
    profile_id: Elite 100 V2
    poll_interval: 5
    sink: stdout
    options: { device_address: 1, protocol_version: 2001, write_enabled: false }
    transport:
      opts:
        device_sn: "A1"
        cert_file: null
        allow_insecure: true
  - id: b
    pipeline: cloud
    profile_id: el30-v2
    groups: { core: 2, battery: 60 }
    transport: { opts: { device_sn: "B1" } }
  - id: c
    pipeline: local
    profile_id: EL30V2
    groups: [battery, core]
    transport: { opts: { device_sn: "C1", port: 1884 } }
sinks:
  file: { type: jsonl, path: /data/out.jsonl, queue: { size: 50 } }
  piped: { type: composite, sinks: [file, memory], queue: { drop: newest } }
  memory: { type: memory, size: 5 }
`;

Deno.test("resolveRuntime() applies device > pipeline > defaults > built-in, key by key", () => {
  const { devices } = resolveText(LAYERS);
  const [a, b, c] = devices;
  assert.deepEqual(a?.transport, {
    type: "mqtt",
    framing: "iot-v2", // pipeline
    options: {
      broker: "broker.local", // defaults
      port: 8883, // pipeline
      device_sn: "A1", // device
      cert_file: null, // device null beats the default bundle
      cert_password: null,
      ca_file: null,
      topics: { request: "REQ/{sn}", response: "PUB/pipeline/{sn}" }, // defaults, pipeline
      keepalive: 15, // defaults
      allow_insecure: true, // device
    },
  });
  assert.equal(b?.transport.options.cert_file, "/certs/default.p12");
  assert.equal(c?.transport.options.port, 1884);
  assert.equal(c?.transport.framing, "rtu"); // the profile's default framing
  assert.deepEqual(c?.transport.options.topics, { request: "REQ/{sn}", response: "RES/{sn}" });
  assert.deepEqual([a?.sink, b?.sink, c?.sink], ["stdout", "piped", "file"]);
  assert.deepEqual([a?.writeEnabled, b?.writeEnabled, c?.writeEnabled], [false, true, true]);
  assert.deepEqual([a?.deviceAddress, a?.protocolVersion, b?.deviceAddress], [1, 2001, null]);
  assert.deepEqual([a?.profileId, b?.profileId], ["EL100V2", "EL30V2"]);
});

Deno.test("resolveRuntime() picks group cadences: group map > device > pipeline > defaults > profile", () => {
  const { devices } = resolveText(LAYERS);
  const [a, b, c] = devices;
  assert.ok(a?.groups.every((g) => g.intervalMs === 5_000)); // device poll_interval
  assert.deepEqual(b?.groups, [
    { name: "core", intervalMs: 2_000 }, // its own seconds
    { name: "battery", intervalMs: 60_000 },
  ]);
  assert.deepEqual(c?.groups, [
    { name: "battery", intervalMs: 30_000 }, // defaults (pipeline local has none)
    { name: "core", intervalMs: 30_000 },
  ]);
  const pipeline = resolveText(
    minimal(
      "  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: '1' } } }",
    ).replace("protocol: v2 }", "protocol: v2, poll_interval: 0.5 }"),
  );
  assert.ok(pipeline.devices[0]?.groups.every((g) => g.intervalMs === 500));
  const profile = resolveText(
    minimal(
      "  - { id: a, pipeline: p, profile_id: EL100V2, transport: { opts: { device_sn: '1' } } }",
    ),
  );
  assert.deepEqual(
    profile.devices[0]?.groups,
    EL100V2_PROFILE.groups.map((g) => ({ name: g.name, intervalMs: g.pollIntervalMs })),
  );
});

Deno.test("resolveRuntime() resolves sinks with their defaults", () => {
  const { sinks } = resolveText(LAYERS);
  assert.deepEqual(sinks, {
    stdout: {
      name: "stdout",
      type: "stdout",
      builtin: true,
      queue: { size: 1000, drop: "oldest" },
    },
    memory: {
      name: "memory",
      type: "memory",
      builtin: false,
      size: 5,
      queue: { size: 1000, drop: "oldest" },
    },
    file: {
      name: "file",
      type: "jsonl",
      builtin: false,
      path: "/data/out.jsonl",
      queue: { size: 50, drop: "oldest" },
    },
    piped: {
      name: "piped",
      type: "composite",
      builtin: false,
      sinks: ["file", "memory"],
      queue: { size: 1000, drop: "newest" },
    },
  });
});

Deno.test("resolveRuntime() polls defaults.groups that a profile has, and refuses unknown ones", () => {
  const text = (groups: string) =>
    minimal(
      [
        "  - { id: a, pipeline: p, profile_id: EL100V2, transport: { opts: { device_sn: '1' } } }",
        "  - { id: b, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: '2' } } }",
      ].join("\n"),
      `defaults: { groups: ${groups} }`,
    );
  const { devices } = resolveText(text("[core, inverter]"));
  assert.deepEqual(devices[0]?.groups.map((g) => g.name), ["core", "inverter"]);
  assert.deepEqual(devices[1]?.groups.map((g) => g.name), ["core"]);
  assert.deepEqual(problems(() => resolveText(text("[core, invertr]"))), [
    "runtime.yaml:4:28: defaults.groups[1]: unknown group 'invertr': no device's profile has it (their groups: core, grid, battery, inverter, cells); did you mean 'inverter'?",
  ]);
  assert.deepEqual(problems(() => resolveText(text("[inverter]"))), [
    "runtime.yaml:7:39: devices[1].profile_id: none of defaults.groups (inverter) is a group of profile EL30V2: list the device's own groups (its groups: core, grid, battery)",
  ]);
});

Deno.test("resolveRuntime() checks groups, sinks, serials and push devices", () => {
  const text = [
    "version: 1",
    "pipelines:",
    "  p: { transport: mqtt, vendor: bluetti, protocol: v2, sink: nowhere }",
    "  listen: { mode: push, transport: mqtt, vendor: bluetti, protocol: v2 }",
    "defaults: { sink: fil }",
    "devices:",
    "  - id: a",
    "    pipeline: p",
    "    profile_id: EL30V2",
    "    groups: { Core: 5 }",
    "    transport: { opts: { device_sn: SAME } }",
    "  - id: b",
    "    pipeline: p",
    "    profile_id: EL30V2",
    "    groups: [core, core]",
    "    transport: { opts: { device_sn: SAME } }",
    "  - id: c",
    "    pipeline: p",
    "    profile_id: EL30V2",
    "    groups: {}",
    "    transport: { opts: { device_sn: C } }",
    "  - id: d",
    "    pipeline: listen",
    "    profile_id: EL30V2",
    "    poll_interval: 10",
    "  - id: e",
    "    pipeline: p",
    "    profile_id: EL30V2",
    "    transport: { opts: { device_sn: C, port: 1 } }",
    "    sink: file",
    "  - id: f",
    "    pipeline: p",
    "    profile_id: EL30V2",
    "    transport: { opts: { device_sn: C } }",
    "sinks:",
    "  file: { type: jsonl, path: out.jsonl }",
    "  me: { type: composite, sinks: [me, nope] }",
    "  stdout: { type: memory }",
  ].join("\n");
  assert.deepEqual(problems(() => resolveText(text)), [
    "runtime.yaml:3:62: pipelines.p.sink: unknown sink 'nowhere' (known sinks: stdout, memory, file, me)",
    "runtime.yaml:5:19: defaults.sink: unknown sink 'fil' (known sinks: stdout, memory, file, me); did you mean 'file'?",
    "runtime.yaml:10:15: devices[0].groups.Core: unknown group 'Core' of profile EL30V2 (its groups: core, grid, battery); did you mean 'core'?",
    "runtime.yaml:15:20: devices[1].groups[1]: duplicate group 'core'",
    "runtime.yaml:16:37: devices[1].transport.opts.device_sn: device_sn 'SAME' of device 'b' is also the serial of device 'a' (devices[0]) on the same broker",
    "runtime.yaml:20:13: devices[2].groups: expected at least one group, got an empty mapping",
    "runtime.yaml:22:5: devices[3].transport.opts.device_sn: missing device_sn: set it here, in the pipeline's transport_opts or in defaults.transport.opts",
    "runtime.yaml:25:20: devices[3].poll_interval: a push pipeline does not poll: remove 'poll_interval' (pipeline 'listen' has mode push)",
    "runtime.yaml:34:37: devices[5].transport.opts.device_sn: device_sn 'C' of device 'f' is also the serial of device 'c' (devices[2]) on the same broker",
    "runtime.yaml:37:34: sinks.me.sinks[0]: sink cycle: me → me",
    "runtime.yaml:37:38: sinks.me.sinks[1]: unknown sink 'nope' (known sinks: stdout, memory, file, me)",
    "runtime.yaml:38:19: sinks.stdout.type: expected stdout, got \"memory\": the built-in sink name 'stdout' can only be redefined with type stdout",
  ]);
});

Deno.test("resolveRuntime() gives push devices no groups", () => {
  const text = minimal(
    "  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: '1' } } }",
  ).replace("  p: {", "  p: { mode: push,");
  const resolved = resolveText(text);
  assert.equal(resolved.devices[0]?.mode, "push");
  assert.deepEqual(resolved.devices[0]?.groups, []);
  assert.equal(describeResolution(resolved)[0]?.interval, "push");
});

Deno.test("resolveRuntime() checks a configuration built in code, without positions", () => {
  const config = {
    version: 1,
    pipelines: { p: { transport: "mqtt", vendor: "bluetti", protocol: "v2" } },
    devices: [{ id: "a", pipeline: "q", profile_id: "EL30V2", poll_interval: -1 }],
  } as unknown as RuntimeConfig;
  assert.throws(() => resolveRuntime(config), (error: unknown) => {
    assert.ok(error instanceof ConfigValidationError);
    assert.deepEqual(error.issues.map((i) => [i.path, i.line, i.column]), [
      ["devices[0].poll_interval", null, null],
      ["devices[0].pipeline", null, null],
    ]);
    assert.equal(
      error.message,
      [
        "Cannot load the runtime configuration: 2 problems in <config>",
        "<config>: devices[0].poll_interval: expected a number of seconds from 0.1 to 86400, got -1",
        "<config>: devices[0].pipeline: unknown pipeline 'q' (known pipelines: p)",
      ].join("\n"),
    );
    return true;
  });
  const good: RuntimeConfig = {
    version: 1,
    pipelines: { p: { transport: "mqtt", vendor: "bluetti", protocol: "v2" } },
    devices: [{
      id: "a",
      pipeline: "p",
      profile_id: "EL30V2",
      transport: { opts: { device_sn: "1" } },
    }],
  };
  assert.equal(resolveRuntime(good).devices[0]?.id, "a");
});

Deno.test("resolveRuntime() keeps the file positions of a loaded configuration", () => {
  const config = loadRuntimeConfig(SEED_YAML, { file: FILE, env: envOf(SEED_ENV) });
  const only: DeviceProfile[] = [{ ...EL100V2_PROFILE, id: "MINE", name: "Mine", aliases: [] }];
  assert.throws(() => resolveRuntime(config, { profiles: only }), (error: unknown) => {
    assert.ok(error instanceof ConfigValidationError);
    assert.equal(error.file, FILE);
    assert.deepEqual(error.issues, [{
      code: "CONFIG_UNKNOWN_PROFILE",
      path: "devices[0].profile_id",
      line: 20,
      column: 17,
      message: "unknown profile 'EL100V2' (known profiles: MINE)",
      expected: "one of MINE",
    }]);
    return true;
  });
  assert.equal(resolveRuntime(config, { profiles: [EL100V2_PROFILE] }).devices.length, 1);
});

Deno.test("describeResolution() gives one row per device, never a password", () => {
  const rows = describeResolution(resolveText(LAYERS));
  assert.deepEqual(rows[0], {
    device: "a",
    vendor: "bluetti",
    protocol: "v2",
    profile: "EL100V2",
    transport: "mqtt pull, framing iot-v2, sn A1, no cert, password not set, insecure allowed",
    broker: "broker.local:8883",
    interval: "5 s",
    groups: "core, grid, battery, inverter, cells",
    sink: "stdout",
    writeEnabled: "no",
  });
  assert.equal(rows[1]?.interval, "2-60 s");
  assert.equal(rows[1]?.groups, "core 2 s, battery 60 s");
  assert.equal(
    rows[1]?.transport,
    "mqtt pull, framing iot-v2, sn B1, cert /certs/default.p12, password not set",
  );

  const seed = describeResolution(resolveText(SEED_YAML, SEED_ENV));
  assert.equal(
    seed[0]?.transport,
    "mqtt pull, framing rtu, sn 2237000012345, no cert, password set",
  );
  assert.ok(!JSON.stringify(seed).includes(SEED_ENV.LIVING_ROOM_CERT_PASSWORD!));

  const long = "a_very_long_device_identifier_that_must_never_be_truncated.in.any.table";
  const text = minimal(
    `  - { id: ${long}, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: '1' } } }`,
  );
  assert.equal(describeResolution(resolveText(text))[0]?.device, long);
});

Deno.test("resolveRuntime() accepts the annotated example of docs/runtime-yaml.md", async () => {
  const markdown = await Deno.readTextFile(
    new URL("../../../docs/runtime-yaml.md", import.meta.url),
  );
  const example = markdown.split("## A full example, annotated")[1]?.split("```yaml\n")[1]
    ?.split("```")[0];
  assert.ok(example !== undefined);
  const env = envOf({ CERT_PASSWORD: "pw", LIVING_ROOM_SN: "1", GARAGE_SN: "2" });
  const config = loadRuntimeConfig(example, {
    file: "example.yaml",
    env,
    baseDir: "/etc/power-sdk",
  });
  const rows = describeResolution(resolveRuntime(config));
  assert.deepEqual(rows.map((row) => [row.device, row.interval, row.groups, row.sink]), [
    ["living_room_battery", "20 s", "core, battery", "everything"],
    ["garage", "10-60 s", "core 10 s, battery 60 s", "file"],
    ["shed.lan", "5 s", "core, battery", "stdout"],
  ]);
  assert.equal(rows[2]?.broker, "mqtt://192.168.1.20:1883");
});
