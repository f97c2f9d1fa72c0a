// The option schemas of the output sinks (mqtt, homeassistant, prometheus, influxdb, record), one
// entry per sink type, joined into the sink union by _schema.ts. Private to src/runtime/config.
import { s } from "../../schema/schema.ts";

const BROKER_URL_TEXT = "an mqtt:// or mqtts:// URL with host and port (mqtt://127.0.0.1:1883)";
const BROKER_URL = /^mqtts?:\/\/[^\s/:@]+(?::[0-9]{1,5})?\/?$/;
const HTTP_URL_TEXT = "an http:// or https:// URL (http://127.0.0.1:8086)";
const HTTP_URL = /^https?:\/\/[^\s/@]+(?::[0-9]{1,5})?\/?$/;
const TOPIC_TEXT = "topic levels without '+', '#', spaces or empty levels";
const TOPIC = /^[^+#/\s]+(?:\/[^+#/\s]+)*$/;
const LISTEN_TEXT = "host:port, such as 127.0.0.1:9464";
const LISTEN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$/;
const NAME_TEXT = "a non-empty name without spaces or control characters";
// deno-lint-ignore no-control-regex
const NAME = /^[^\s\u0000-\u001f]+$/;

function text(description: string) {
  return s.string("a string").min(1, "a non-empty string").describe(description);
}

function queue() {
  return s.strictObject({
    size: s.int("an integer 1..1000000").min(1, "an integer 1..1000000")
      .max(1_000_000, "an integer 1..1000000")
      .meta({ description: "Snapshots that may wait for the sink.", default: 1000 }).optional(),
    drop: s.enum(["oldest", "newest"], "one of oldest, newest")
      .meta({ description: "Which snapshot a full queue drops.", default: "oldest" }).optional(),
  }, "a mapping with size and/or drop").describe("The sink's queue.").optional();
}

function mqttOptions() {
  return {
    broker: s.string(BROKER_URL_TEXT).regex(BROKER_URL, BROKER_URL_TEXT)
      .describe("The broker: mqtt://host:port or mqtts://host:port."),
    username: text("User name for the broker.").optional(),
    password: text("Password for the broker; use ${VAR} to keep it out of the file.").optional(),
    cert_file: text(
      "PKCS#12 client bundle (relative to the configuration file's folder), for mqtts:// brokers that want a client certificate.",
    ).optional(),
    cert_password: s.string("a string").describe("Password of the bundle; use ${VAR}.")
      .optional(),
    ca_file: text("Extra trusted CA, PEM (relative to the configuration file's folder).")
      .optional(),
    allow_insecure: s.boolean("true or false")
      .meta({ description: "Accept a broker certificate that does not verify.", default: false })
      .optional(),
    base_topic: s.string(TOPIC_TEXT).regex(TOPIC, TOPIC_TEXT)
      .meta({ description: "First topic levels of every state topic.", default: "power-sdk" })
      .optional(),
    retain: s.boolean("true or false")
      .meta({ description: "Publish states retained.", default: true }).optional(),
    qos: s.union([s.literal(0), s.literal(1), s.literal(2)], "0, 1 or 2")
      .meta({ description: "QoS of the state messages.", default: 0 }).optional(),
    offline_after: s.int("an integer 1..1000").min(1, "an integer 1..1000")
      .max(1000, "an integer 1..1000")
      .meta({ description: "Failed polls in a row before a device is offline.", default: 3 })
      .optional(),
  };
}

/** `type: mqtt`. */
export const MqttSinkSchema = s.strictObject({
  type: s.literal("mqtt").describe("Republish JSON states to an MQTT broker."),
  ...mqttOptions(),
  queue: queue(),
}, "an mqtt sink: a mapping with type and broker");

/** `type: homeassistant`. */
export const HomeAssistantSinkSchema = s.strictObject({
  type: s.literal("homeassistant").describe("Home Assistant MQTT discovery and states."),
  ...mqttOptions(),
  discovery_prefix: s.string(TOPIC_TEXT).regex(TOPIC, TOPIC_TEXT)
    .meta({ description: "Home Assistant's discovery prefix.", default: "homeassistant" })
    .optional(),
  controls: s.boolean("true or false").meta({
    description:
      "Offer switch/select/number entities for the controls of devices with write_enabled.",
    default: true,
  }).optional(),
  clear_removed: s.boolean("true or false").meta({
    description: "Clear the retained configs of devices that left the configuration.",
    default: true,
  }).optional(),
  queue: queue(),
}, "a homeassistant sink: a mapping with type and broker");

/** `type: prometheus`. */
export const PrometheusSinkSchema = s.strictObject({
  type: s.literal("prometheus").describe("Serve the values on an HTTP /metrics endpoint."),
  listen: s.string(LISTEN_TEXT).regex(LISTEN, LISTEN_TEXT)
    .meta({ description: "Address to listen on.", default: "127.0.0.1:9464" }).optional(),
  path: s.string("a path starting with /").regex(
    /^\/\S*$/,
    "a path starting with /",
  )
    .meta({ description: "Path of the metrics.", default: "/metrics" }).optional(),
  queue: queue(),
}, "a prometheus sink: a mapping with type");

/** `type: influxdb`. */
export const InfluxDbSinkSchema = s.strictObject({
  type: s.literal("influxdb").describe(
    "Write line protocol to InfluxDB: v1 with database, v2 with org, bucket and token.",
  ),
  url: s.string(HTTP_URL_TEXT).regex(HTTP_URL, HTTP_URL_TEXT)
    .describe("InfluxDB's base URL."),
  database: s.string(NAME_TEXT).regex(NAME, NAME_TEXT)
    .describe("v1: the database (POST /write).").optional(),
  retention_policy: s.string(NAME_TEXT).regex(NAME, NAME_TEXT)
    .describe("v1: the retention policy (default: the database's).").optional(),
  username: text("v1: user name.").optional(),
  password: text("v1: password; use ${VAR}.").optional(),
  org: text("v2: the organization (POST /api/v2/write).").optional(),
  bucket: text("v2: the bucket.").optional(),
  token: text("v2: an API token with write permission; use ${VAR}.").optional(),
  batch_size: s.int("an integer 1..100000").min(1, "an integer 1..100000")
    .max(100_000, "an integer 1..100000")
    .meta({ description: "Lines per write request.", default: 5000 }).optional(),
  flush_interval: s.number("a number of seconds 0.01..3600")
    .min(0.01, "a number of seconds 0.01..3600")
    .max(3600, "a number of seconds 0.01..3600")
    .meta({ description: "Seconds between writes of a batch that is not full.", default: 5 })
    .optional(),
  max_buffer: s.int("an integer 1..10000000").min(1, "an integer 1..10000000")
    .max(10_000_000, "an integer 1..10000000")
    .meta({
      description: "Lines kept while InfluxDB is unreachable; oldest dropped.",
      default: 100_000,
    })
    .optional(),
  queue: queue(),
}, "an influxdb sink: a mapping with type and url");

/** `type: record`: the raw frames of each poll, in the format of `read --record`. */
export const RecordSinkSchema = s.strictObject({
  type: s.literal("record").describe(
    "Append the raw frames of each poll (time, device, block, framing, hex) to a capture file that 'power-sdk decode --replay' reads; replies of blocks holding secrets are left out.",
  ),
  path: text("The capture file (relative to the configuration file's folder); written 0600."),
  queue: queue(),
}, "a record sink: a mapping with type and path");

/** The output sink schemas, for the sink union. */
export const OUTPUT_SINK_SCHEMAS = [
  MqttSinkSchema,
  HomeAssistantSinkSchema,
  PrometheusSinkSchema,
  InfluxDbSinkSchema,
  RecordSinkSchema,
] as const;

/** Their type names. */
export const OUTPUT_SINK_TYPES: readonly string[] = [
  "mqtt",
  "homeassistant",
  "prometheus",
  "influxdb",
  "record",
];
