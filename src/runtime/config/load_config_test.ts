import assert from "node:assert/strict";
import { ConfigError } from "../../errors/errors.ts";
import { envOf, minimal, problems, SEED_ENV, SEED_YAML, tempConfig } from "./_test_utils.ts";
import { ConfigValidationError } from "./config_validation_error.ts";
import { loadRuntimeConfig, readRuntimeConfig } from "./load_config.ts";

const FILE = "runtime.yaml";

const MANY_MISTAKES = `version: 1
pipelines:
  bluetti_pull:
    mode: pull
    transport: mqtt
    vendor: bluetti
    protocol: v2
defaults:
  pol_interval: 30
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
  - id: garage
    pipeline: bluetti_pul
    profile_id: EL30V2
    transport:
      opts:
        device_sn: "2237000000002"
        port: abc
  - id: garage
    pipeline: bluetti_pull
    profile_id: AC5000
    transport: { opts: { device_sn: "2237000000003" } }
  - id: shed
    pipeline: bluetti_pull
    profile_id: EL30V2
    groups: [core, batery]
    sink: both
    transport: { opts: { device_sn: "2237000000004", keepalive: 30, keepalive: 40 } }
sinks:
  both: { type: composite, sinks: [file, loop] }
  loop: { type: composite, sinks: [both] }
  file: { type: jsonl, path: snapshots.jsonl }
`;

Deno.test("loadRuntimeConfig() accepts the seed file with only the serial and password set", () => {
  const config = loadRuntimeConfig(SEED_YAML, { file: FILE, env: envOf(SEED_ENV) });
  assert.equal(config.version, 1);
  assert.equal(config.defaults?.transport?.opts?.broker, "iot.bluettipower.com");
  assert.equal(config.defaults?.transport?.opts?.port, 18760);
  assert.deepEqual(config.devices[0]?.transport?.opts, {
    device_sn: "2237000012345",
    cert_password: "correct horse",
  });
  assert.equal(config.sinks, undefined);
});

Deno.test("loadRuntimeConfig() returns a deeply frozen configuration", () => {
  const config = loadRuntimeConfig(SEED_YAML, { env: envOf(SEED_ENV) });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.devices[0]?.transport?.opts));
});

Deno.test("loadRuntimeConfig() reports every unset variable of the seed at once", () => {
  assert.deepEqual(problems(() => loadRuntimeConfig(SEED_YAML, { file: FILE, env: envOf({}) })), [
    "runtime.yaml:23:20: devices[0].transport.opts.device_sn: Environment variable LIVING_ROOM_SN is not set",
    "runtime.yaml:24:24: devices[0].transport.opts.cert_password: Environment variable LIVING_ROOM_CERT_PASSWORD is not set",
  ]);
  try {
    loadRuntimeConfig(SEED_YAML, { file: FILE, env: envOf({}) });
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    assert.equal(error.code, "CONFIG_INVALID");
    assert.deepEqual(error.issues.map((issue) => issue.code), [
      "CONFIG_ENV_UNSET",
      "CONFIG_ENV_UNSET",
    ]);
    assert.equal(error.file, FILE);
    assert.equal(error.line, 23);
    assert.equal(error.column, 20);
    assert.equal(error.path, "devices[0].transport.opts.device_sn");
  }
});

Deno.test("loadRuntimeConfig() reports every mistake with file, line, column and path", () => {
  const env = envOf({});
  assert.deepEqual(problems(() => loadRuntimeConfig(MANY_MISTAKES, { file: FILE, env })), [
    "runtime.yaml:9:3: defaults.pol_interval: unknown key 'pol_interval'; did you mean 'poll_interval'?",
    "runtime.yaml:20:20: devices[0].transport.opts.device_sn: Environment variable LIVING_ROOM_SN is not set",
    "runtime.yaml:22:15: devices[1].pipeline: unknown pipeline 'bluetti_pul' (known pipelines: bluetti_pull); did you mean 'bluetti_pull'?",
    'runtime.yaml:27:15: devices[1].transport.opts.port: expected an integer 1..65535, got "abc"',
    "runtime.yaml:28:9: devices[2].id: duplicate device id 'garage' (first at devices[1])",
    "runtime.yaml:30:17: devices[2].profile_id: unknown profile 'AC5000' (known profiles: EL30V2, EL100V2, ELITE200V2, GENERIC_V2, AC500, EP500PRO, AC200L, PA030, BALCO260, FP); did you mean 'AC500'?",
    "runtime.yaml:35:20: devices[3].groups[1]: unknown group 'batery' of profile EL30V2 (its groups: core, grid, battery); did you mean 'battery'?",
    "runtime.yaml:37:69: devices[3].transport.opts.keepalive: duplicate key 'keepalive' (first at line 37)",
    "runtime.yaml:40:36: sinks.loop.sinks[0]: sink cycle: both → loop → both",
  ]);
});

Deno.test("loadRuntimeConfig() gives each issue a code, a position and what was expected", () => {
  try {
    loadRuntimeConfig(MANY_MISTAKES, { file: FILE, env: envOf({}) });
    assert.fail("expected an error");
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    const port = error.issues.find((issue) => issue.path === "devices[1].transport.opts.port");
    assert.deepEqual(port, {
      code: "CONFIG_INVALID",
      path: "devices[1].transport.opts.port",
      line: 27,
      column: 15,
      message: 'expected an integer 1..65535, got "abc"',
      expected: "an integer 1..65535",
    });
    const profile = error.issues.find((issue) => issue.path === "devices[2].profile_id");
    assert.equal(profile?.code, "CONFIG_UNKNOWN_PROFILE");
    const unknownKey = error.issues[0];
    assert.match(unknownKey?.expected ?? "", /^one of: poll_interval, transport, sink, groups/);
  }
});

Deno.test("loadRuntimeConfig() reports YAML syntax errors with file, line and column", () => {
  const text = "version: 1\npipelines:\n  p: { transport: mqtt\ndevices: [\n";
  assert.throws(() => loadRuntimeConfig(text, { file: FILE }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.ok(!(error instanceof ConfigValidationError));
    assert.equal(error.code, "CONFIG_SYNTAX");
    assert.equal(error.file, FILE);
    assert.equal(error.line, 4);
    assert.equal(error.column, 1);
    const lines = error.message.split("\n");
    assert.match(lines[0]!, /^Cannot parse runtime\.yaml: \d+ YAML syntax errors?$/);
    assert.match(lines[1]!, /^runtime\.yaml:4:1: /);
    return true;
  });
  assert.throws(() => loadRuntimeConfig("a: b: c", { file: FILE }), {
    code: "CONFIG_SYNTAX",
    message: /^Cannot parse runtime\.yaml: 1 YAML syntax error\nruntime\.yaml:1:4: /,
  });
  assert.throws(() => loadRuntimeConfig("version: 1\n---\nversion: 1\n", { file: FILE }), {
    code: "CONFIG_SYNTAX",
  });
});

Deno.test("loadRuntimeConfig() reports duplicate keys and keeps checking", () => {
  const text = minimal(
    '  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "1" } } }',
    "version: 1",
  );
  assert.deepEqual(problems(() => loadRuntimeConfig(text, { file: FILE })), [
    "runtime.yaml:4:1: version: duplicate key 'version' (first at line 1)",
  ]);
});

Deno.test("loadRuntimeConfig() coerces interpolated numbers and booleans, and only them", () => {
  const env = envOf({ PORT: "1883", INSECURE: "true", ADDR: "7", EMPTY: "" });
  const device = [
    "  - id: a",
    "    pipeline: p",
    "    profile_id: EL30V2",
    '    groups: { core: "${CORE_S:-2.5}" }',
    '    options: { device_address: "${ADDR}", write_enabled: "${WRITE:-False}" }',
    "    transport:",
    "      opts:",
    '        device_sn: "${SN:-0042}"',
    '        port: "${PORT}"',
    '        allow_insecure: "${INSECURE}"',
    '        cert_file: "${EMPTY}"',
    '        cert_password: "${EMPTY}"',
  ].join("\n");
  const config = loadRuntimeConfig(minimal(device), { env });
  const d = config.devices[0]!;
  assert.deepEqual(d.groups, { core: 2.5 });
  assert.deepEqual(d.options, { device_address: 7, write_enabled: false });
  assert.deepEqual(d.transport?.opts, {
    device_sn: "0042", // a string key stays a string
    port: 1883,
    allow_insecure: true,
    cert_file: null, // an interpolated empty string becomes null where null is allowed
    cert_password: "", // an empty password is a password
  });

  // A quoted number written in the file is not interpolated: it stays a string.
  const quoted = minimal(
    '  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "1", port: "1883" } } }',
  );
  assert.deepEqual(problems(() => loadRuntimeConfig(quoted, { file: FILE })), [
    'runtime.yaml:5:90: devices[0].transport.opts.port: expected an integer 1..65535, got "1883"',
  ]);
  // An interpolated value that is not a number is reported as written, never expanded (it may
  // come from the environment).
  const word = minimal(
    '  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "1", port: "${P:-x80}" } } }',
  );
  assert.deepEqual(problems(() => loadRuntimeConfig(word, { file: FILE, env: envOf({}) })), [
    'runtime.yaml:5:90: devices[0].transport.opts.port: expected an integer 1..65535, got "\${P:-x80}"',
  ]);
});

Deno.test("loadRuntimeConfig() keeps $$ as a literal $ and ${VAR:?msg} as a required value", () => {
  const device = (sn: string) =>
    minimal(
      `  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "1", cert_password: "${sn}" } } }`,
    );
  const config = loadRuntimeConfig(device("pa$$$$w0rd$$"), { env: envOf({}) });
  assert.equal(config.devices[0]?.transport?.opts?.cert_password, "pa$$w0rd$");
  assert.deepEqual(
    problems(() =>
      loadRuntimeConfig(device("${PW:?put the bundle password in PW}"), {
        file: FILE,
        env: envOf({}),
      })
    ),
    [
      "runtime.yaml:5:99: devices[0].transport.opts.cert_password: Environment variable PW is not set: put the bundle password in PW",
    ],
  );
  assert.deepEqual(
    problems(() => loadRuntimeConfig(device("${PW"), { file: FILE, env: envOf({}) })),
    [
      "runtime.yaml:5:99: devices[0].transport.opts.cert_password: Cannot interpolate: unterminated '${PW' at column 1, expected '}'",
    ],
  );
});

Deno.test("loadRuntimeConfig() interpolates values, never keys", () => {
  const text = minimal(
    '  - { id: "${ID}", pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "1" } } }',
  ).replace("  p:", "  ${P}:");
  assert.deepEqual(
    problems(() => loadRuntimeConfig(text, { file: FILE, env: envOf({ ID: "x", P: "p" }) })),
    [
      "runtime.yaml:3:3: pipelines[\"${P}\"]: invalid name '${P}': expected a name of letters, digits, '_', '.' or '-'",
      "runtime.yaml:5:30: devices[0].pipeline: unknown pipeline 'p' (no pipelines are defined)",
    ],
  );
});

Deno.test("loadRuntimeConfig() explains missing keys, wrong types and unknown sink types", () => {
  const text = [
    "version: 2",
    "pipelines:",
    "  p: { mode: poll, transport: http, vendor: bluetti }",
    "defaults:",
    "  poll_interval: 0",
    "  groups: core",
    "devices:",
    "  - id: 'a b'",
    "    pipeline: p",
    "    profile_id: EL30V2",
    "    groups: 3",
    "    options: { device_address: 300 }",
    "    transport: { opts: { device_sn: 'a/b', broker: 'mqtts://host:8883', topics: { request: 'SUB/+' } } }",
    "  - pipeline: p",
    "sinks:",
    "  file: { type: jsnl, path: x.jsonl }",
    "  mem: { type: memory, size: 0, queue: { drop: last } }",
    "  other: {}",
  ].join("\n");
  assert.deepEqual(problems(() => loadRuntimeConfig(text, { file: FILE })), [
    "runtime.yaml:1:10: version: expected 1 (the only version), got 2",
    "runtime.yaml:3:6: pipelines.p.protocol: missing required key 'protocol': expected one of v2, local, modbus",
    "runtime.yaml:3:14: pipelines.p.mode: expected one of pull, push, got \"poll\"; did you mean 'pull'?",
    'runtime.yaml:3:31: pipelines.p.transport: expected one of mqtt, modbus_tcp, got "http"',
    "runtime.yaml:5:18: defaults.poll_interval: expected a number of seconds from 0.1 to 86400, got 0",
    'runtime.yaml:6:11: defaults.groups: expected a list of group names, got "core"',
    "runtime.yaml:8:9: devices[0].id: expected a name of letters, digits, '_', '.' or '-', got \"a b\"",
    "runtime.yaml:11:13: devices[0].groups: expected a list of group names, or a mapping of group names to seconds, got 3",
    "runtime.yaml:12:32: devices[0].options.device_address: expected an integer 0..247, got 300",
    `runtime.yaml:13:37: devices[0].transport.opts.device_sn: expected a serial number without spaces, '+', '#', '/' or control characters, got "a/b"`,
    `runtime.yaml:13:52: devices[0].transport.opts.broker: expected a host name, or an mqtt:// or mqtts:// URL without port, path or credentials (set the port with 'port'), got "mqtts://host:8883"`,
    `runtime.yaml:13:92: devices[0].transport.opts.topics.request: expected an MQTT topic without '+', '#' or control characters; '{sn}' is the only placeholder, got "SUB/+"`,
    "runtime.yaml:14:5: devices[1].id: missing required key 'id': expected a name of letters, digits, '_', '.' or '-'",
    "runtime.yaml:14:5: devices[1].profile_id: missing required key 'profile_id': expected a profile id, name or alias (or a profile_file)",
    `runtime.yaml:16:17: sinks.file.type: expected one of stdout, memory, jsonl, composite, mqtt, homeassistant, prometheus, influxdb, record, got "jsnl"; did you mean 'jsonl'?`,
    "runtime.yaml:17:30: sinks.mem.size: expected an integer 1..1000000, got 0",
    `runtime.yaml:17:48: sinks.mem.queue.drop: expected one of oldest, newest, got "last"`,
    "runtime.yaml:18:10: sinks.other.type: missing required key 'type': expected one of stdout, memory, jsonl, composite, mqtt, homeassistant, prometheus, influxdb, record",
  ]);
});

Deno.test("loadRuntimeConfig() rejects an empty file and a file without devices", () => {
  assert.deepEqual(problems(() => loadRuntimeConfig("", { file: FILE })), [
    "runtime.yaml:1:1: (file): expected a mapping with version, pipelines and devices, got null",
  ]);
  assert.deepEqual(
    problems(() => loadRuntimeConfig("version: 1\npipelines: {}\ndevices: []\n", { file: FILE })),
    ["runtime.yaml:3:10: devices: expected at least one device, got an empty list"],
  );
});

Deno.test("loadRuntimeConfig() never quotes a password in a message", () => {
  const text = minimal(
    '  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "1", cert_password: 123456 } } }',
  );
  const [line] = problems(() => loadRuntimeConfig(text, { file: FILE }));
  assert.match(line!, /cert_password: expected a string, or null, got a hidden value$/);
  assert.ok(!line!.includes("123456"));
});

Deno.test("readRuntimeConfig() reads a file and makes its relative paths absolute", async () => {
  await using tmp = await tempConfig(minimal(
    "  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: '1', cert_file: certs/a.p12, ca_file: /etc/ca.pem } } }",
    "sinks: { file: { type: jsonl, path: data/out.jsonl } }",
  ));
  const { dir, file } = tmp;
  const config = await readRuntimeConfig(file, { env: envOf({}) });
  assert.equal(config.devices[0]?.transport?.opts?.cert_file, `${dir}/certs/a.p12`);
  assert.equal(config.devices[0]?.transport?.opts?.ca_file, "/etc/ca.pem");
  const sink = config.sinks?.file;
  assert.equal(sink?.type === "jsonl" ? sink.path : undefined, `${dir}/data/out.jsonl`);

  await Deno.writeTextFile(file, "version: 3\n");
  await assert.rejects(readRuntimeConfig(file), (error: unknown) => {
    assert.ok(error instanceof ConfigValidationError);
    assert.equal(error.file, file);
    assert.match(error.message, new RegExp(`\\n${file}:1:10: version: expected 1`));
    return true;
  });
  await assert.rejects(readRuntimeConfig(`${dir}/none.yaml`), {
    code: "CONFIG_INVALID",
    message: `Cannot read the runtime configuration: no such file: ${dir}/none.yaml`,
  });
  await assert.rejects(readRuntimeConfig(dir), { code: "CONFIG_INVALID" });
});
