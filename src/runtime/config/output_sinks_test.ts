import assert from "node:assert/strict";
import { envOf, minimal, problems } from "./_test_utils.ts";
import { loadRuntimeConfig } from "./load_config.ts";
import { resolveRuntime } from "./resolve.ts";
import { runtimeConfigJsonSchema } from "./schema.ts";

const FILE = "runtime.yaml";
const DEVICE =
  "  - { id: d, pipeline: p, profile_id: EL100V2, transport: { opts: { device_sn: SN1 } } }";

function withSinks(sinks: string): string {
  return minimal(DEVICE) + "\nsinks:\n" + sinks;
}

Deno.test("resolveRuntime() keeps the options of the output sinks as validated", () => {
  const text = withSinks([
    '  mq: { type: mqtt, broker: "mqtts://broker.local:8883", username: u, password: "${PW}", qos: 1, retain: false }',
    '  ha: { type: homeassistant, broker: "mqtt://127.0.0.1:1883", discovery_prefix: ha, controls: false }',
    "  prom: { type: prometheus }",
    '  v1: { type: influxdb, url: "http://127.0.0.1:8086", database: power, batch_size: 100, flush_interval: 2.5 }',
    '  v2: { type: influxdb, url: "https://influx.local", org: home, bucket: power, token: "${TOKEN}" }',
  ].join("\n"));
  const { sinks } = resolveRuntime(
    loadRuntimeConfig(text, { file: FILE, env: envOf({ PW: "pw", TOKEN: "tok" }) }),
  );
  assert.deepEqual(sinks.mq, {
    name: "mq",
    type: "mqtt",
    builtin: false,
    options: {
      broker: "mqtts://broker.local:8883",
      username: "u",
      password: "pw",
      qos: 1,
      retain: false,
    },
    queue: { size: 1000, drop: "oldest" },
  });
  assert.equal(sinks.ha?.type, "homeassistant");
  assert.deepEqual(sinks.prom?.type === "prometheus" ? sinks.prom.options : null, {});
  assert.deepEqual(
    sinks.v1?.type === "influxdb" ? sinks.v1.options : null,
    { url: "http://127.0.0.1:8086", database: "power", batch_size: 100, flush_interval: 2.5 },
  );
  assert.equal(sinks.v2?.type === "influxdb" ? sinks.v2.options.token : null, "tok");
});

Deno.test("loadRuntimeConfig() and resolveRuntime() explain bad output sink options", () => {
  assert.deepEqual(
    problems(() =>
      loadRuntimeConfig(
        withSinks([
          '  mq: { type: mqtt, broker: "http://x:1" }',
          "  prom: { type: prometheus, listen: 9464 }",
          '  ha: { type: homeassistant, broker: "mqtt://h:1", discovery_prefix: "a/#" }',
        ].join("\n")),
        { file: FILE },
      )
    ),
    [
      `runtime.yaml:7:29: sinks.mq.broker: expected an mqtt:// or mqtts:// URL with host and port (mqtt://127.0.0.1:1883), got "http://x:1"`,
      "runtime.yaml:8:37: sinks.prom.listen: expected host:port, such as 127.0.0.1:9464, got 9464",
      `runtime.yaml:9:70: sinks.ha.discovery_prefix: expected topic levels without '+', '#', spaces or empty levels, got "a/#"`,
    ],
  );
  assert.deepEqual(
    problems(() =>
      resolveRuntime(loadRuntimeConfig(
        withSinks([
          '  both: { type: influxdb, url: "http://i:1", database: d, token: t }',
          '  half: { type: influxdb, url: "http://i:1", org: o }',
          '  none: { type: influxdb, url: "http://i:1" }',
        ].join("\n")),
        { file: FILE },
      ))
    ),
    [
      "runtime.yaml:7:56: sinks.both.database: an influxdb sink is either v1 (database, retention_policy, username, password) or v2 (org, bucket, token): got database, token",
      "runtime.yaml:8:9: sinks.half: an influxdb v2 sink needs org, bucket and token: missing bucket, token",
      "runtime.yaml:9:9: sinks.none: an influxdb sink needs database (v1) or org, bucket and token (v2)",
    ],
  );
});

Deno.test("runtimeConfigJsonSchema() describes the output sinks", () => {
  const text = JSON.stringify(runtimeConfigJsonSchema());
  for (const type of ["mqtt", "homeassistant", "prometheus", "influxdb"]) {
    assert.ok(text.includes(`"const":"${type}"`), type);
  }
  for (const key of ["discovery_prefix", "base_topic", "listen", "batch_size", "max_buffer"]) {
    assert.ok(text.includes(`"${key}"`), key);
  }
});
