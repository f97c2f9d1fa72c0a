// The zod schemas of runtime.yaml. Private to src/runtime/config: the public faces are
// loadRuntimeConfig() (validation) and runtimeConfigJsonSchema() (the JSON Schema export).
//
// Every schema carries its expectation as its error message ("an integer 1..65535"): the
// issue converter prints "expected <message>, got <value>". No `.default()` anywhere: the
// validated config is the file as written, and resolveRuntime() applies the precedence.
import { z } from "zod";

function expect(text: string): { error: string } {
  return { error: text };
}

/** Names of pipelines, sinks and device ids. */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9_.-]+$/;

const NAME_TEXT = "a name of letters, digits, '_', '.' or '-'";

function name(description: string) {
  return z.string(expect(NAME_TEXT)).regex(NAME_PATTERN, expect(NAME_TEXT)).describe(description);
}

const SECONDS_TEXT = "a number of seconds from 0.1 to 86400";

function seconds(description: string) {
  return z.number(expect(SECONDS_TEXT))
    .min(0.1, expect(SECONDS_TEXT))
    .max(86_400, expect(SECONDS_TEXT))
    .describe(description);
}

function integer(min: number, max: number, text: string, description: string) {
  return z.int(expect(text)).min(min, expect(text)).max(max, expect(text)).describe(description);
}

function boolean(description: string) {
  return z.boolean(expect("true or false")).describe(description);
}

function path(text: string, description: string) {
  return z.string(expect(text)).min(1, expect(text)).describe(description);
}

function nullablePath(text: string, description: string) {
  return z.string(expect(text)).min(1, expect(text)).nullable().meta({ description, default: null })
    .optional();
}

const HOST = String
  .raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])`;
/** A host, or an mqtt:// or mqtts:// URL without port, credentials or path. */
export const BROKER_PATTERN: RegExp = new RegExp(`^(?:mqtts?://)?${HOST}/?$`);
const BROKER_TEXT =
  "a host name, or an mqtt:// or mqtts:// URL without port, path or credentials (set the port with 'port')";

const SN_TEXT = "a serial number without spaces, '+', '#', '/' or control characters";
// deno-lint-ignore no-control-regex
const SN_PATTERN = /^[^\s+#/\u0000-\u001f\u007f]{1,64}$/;

const TOPIC_TEXT =
  "an MQTT topic without '+', '#' or control characters; '{sn}' is the only placeholder";
// deno-lint-ignore no-control-regex
const TOPIC_PATTERN = /^(?:[^{}+#\u0000-\u001f\u007f]|\{sn\})+$/;

function topic(description: string) {
  return z.string(expect(TOPIC_TEXT)).regex(TOPIC_PATTERN, expect(TOPIC_TEXT)).describe(
    description,
  );
}

/** Transport options: the same keys at every level. */
export const TransportOptsSchema = z.strictObject({
  broker: z.string(expect(BROKER_TEXT)).regex(BROKER_PATTERN, expect(BROKER_TEXT))
    .meta({
      description:
        "MQTT broker: a host, or mqtt://host / mqtts://host. Built-in default iot.bluettipower.com.",
      default: "iot.bluettipower.com",
    })
    .optional(),
  port: integer(1, 65535, "an integer 1..65535", "Broker port.").meta({ default: 18760 })
    .optional(),
  device_sn: z.string(expect(SN_TEXT)).regex(SN_PATTERN, expect(SN_TEXT))
    .describe("The station's serial number; every device needs one at some level.")
    .optional(),
  cert_file: nullablePath(
    "a path to a PKCS#12 bundle (.p12/.pfx), or null",
    "Path of the PKCS#12 client bundle (relative to the configuration file's folder), or null.",
  ),
  cert_password: z.string(expect("a string, or null")).nullable().meta({
    description: "Password of the PKCS#12 bundle, or null; use ${VAR} to keep it out of the file.",
    default: null,
  }).optional(),
  ca_file: nullablePath(
    "a path to a PEM CA certificate, or null",
    "Path of an extra trusted CA (PEM, relative to the configuration file's folder), or null.",
  ),
  framing: z.enum(["rtu", "iot-v2", "v1"], expect("one of rtu, iot-v2, v1"))
    .describe("Payload framing. Default: the profile's defaultFraming.").optional(),
  topics: z.strictObject({
    request: topic("Topic the requests are published to.").meta({ default: "SUB/{sn}" })
      .optional(),
    response: topic("Topic the replies arrive on.").meta({ default: "PUB/{sn}" }).optional(),
  }, expect("a mapping with request and/or response"))
    .describe("Topic templates; {sn} stands for the serial number.").optional(),
  keepalive: integer(
    0,
    65535,
    "an integer number of seconds 0..65535",
    "MQTT keepalive, seconds (0 turns it off).",
  )
    .meta({ default: 60 }).optional(),
  allow_insecure: boolean("Allow plain MQTT or an unverified broker.").meta({ default: false })
    .optional(),
}, expect("a mapping of transport options"));

const GROUP_TEXT = "a group name";
const groupName = z.string(expect(GROUP_TEXT)).min(1, expect(GROUP_TEXT));

/** One pipeline. */
export const PipelineSchema = z.strictObject({
  mode: z.enum(["pull", "push"], expect("one of pull, push"))
    .meta({ description: "pull polls groups on their cadence; push listens.", default: "pull" })
    .optional(),
  transport: z.literal("mqtt", expect("mqtt (the only transport)")).describe("The transport."),
  vendor: z.literal("bluetti", expect("bluetti (the only vendor)")).describe("The vendor."),
  protocol: z.literal("v2", expect("v2 (the only protocol)")).describe("The protocol."),
  poll_interval: seconds("Seconds between polls of its devices' groups.").optional(),
  transport_opts: TransportOptsSchema.describe(
    "Transport options of its devices (device > pipeline > defaults).",
  ).optional(),
  sink: name("Sink of its devices.").optional(),
}, expect("a pipeline: a mapping with transport, vendor and protocol"));

/** The defaults section. */
export const DefaultsSchema = z.strictObject({
  poll_interval: seconds("Seconds between polls, unless a pipeline or device says otherwise.")
    .optional(),
  transport: z.strictObject({
    opts: TransportOptsSchema.describe("Transport options every device inherits.").optional(),
  }, expect("a mapping with opts")).describe("Transport defaults.").optional(),
  sink: name("Sink of every device that names none.").meta({ default: "stdout" }).optional(),
  groups: z.array(groupName, expect("a list of group names")).min(
    1,
    expect("a list of group names"),
  )
    .describe("Groups polled when a device lists none (names a profile lacks are skipped).")
    .optional(),
  write_enabled: boolean("Writes allowed.").meta({ default: false }).optional(),
}, expect("a mapping of defaults"));

const GROUPS_TEXT = "a list of group names, or a mapping of group names to seconds";

/** One device. */
export const DeviceSchema = z.strictObject({
  id: name("Unique id of the device."),
  pipeline: name("The pipeline's name."),
  profile_id: z.string(expect("a profile id, name or alias")).min(
    1,
    expect("a profile id, name or alias"),
  )
    .describe("A profile id, name or alias (EL100V2, Elite 100 V2)."),
  transport: z.strictObject({
    opts: TransportOptsSchema.describe("Transport options of this device (highest precedence).")
      .optional(),
  }, expect("a mapping with opts")).describe("Transport of this device.").optional(),
  poll_interval: seconds("Seconds between polls of its groups.").optional(),
  groups: z.union([
    z.array(groupName, expect(GROUPS_TEXT)).min(1, expect("at least one group name")),
    z.record(groupName, seconds("Seconds between polls of this group."), expect(GROUPS_TEXT)),
  ], expect(GROUPS_TEXT)).describe(
    "Groups polled: a list of names, or names with their own seconds.",
  ).optional(),
  sink: name("Sink of this device.").optional(),
  options: z.strictObject({
    device_address: integer(0, 247, "an integer 0..247", "Modbus device address.").optional(),
    protocol_version: integer(
      0,
      1_000_000,
      "a non-negative integer",
      "The station's protocol version.",
    )
      .optional(),
    write_enabled: boolean("Writes allowed for this device.").optional(),
  }, expect("a mapping of device options")).describe("Station options.").optional(),
}, expect("a device: a mapping with id, pipeline and profile_id"));

const QUEUE_SIZE_TEXT = "an integer 1..1000000";

const QueueSchema = z.strictObject({
  size: integer(1, 1_000_000, QUEUE_SIZE_TEXT, "Snapshots that may wait for the sink.")
    .meta({ default: 1000 }).optional(),
  drop: z.enum(["oldest", "newest"], expect("one of oldest, newest"))
    .meta({ description: "Which snapshot a full queue drops.", default: "oldest" }).optional(),
}, expect("a mapping with size and/or drop")).describe("The sink's queue.").optional();

/** The sink types. */
export const SINK_TYPES: readonly string[] = ["stdout", "memory", "jsonl", "composite"];

const SINK_TEXT = "a sink: a mapping with type stdout, memory, jsonl or composite";

/** One sink. */
export const SinkSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("stdout").describe("Print a line per snapshot."),
    queue: QueueSchema,
  }, expect(SINK_TEXT)),
  z.strictObject({
    type: z.literal("memory").describe("Keep the last snapshots in memory."),
    size: integer(1, 1_000_000, QUEUE_SIZE_TEXT, "Snapshots kept per device.")
      .meta({ default: 100 }).optional(),
    queue: QueueSchema,
  }, expect(SINK_TEXT)),
  z.strictObject({
    type: z.literal("jsonl").describe("Append one JSON line per snapshot to a file."),
    path: path("a file path", "The file (relative to the configuration file's folder)."),
    queue: QueueSchema,
  }, expect(SINK_TEXT)),
  z.strictObject({
    type: z.literal("composite").describe("Hand every snapshot to several sinks."),
    sinks: z.array(name("A sink's name."), expect("a list of sink names"))
      .min(1, expect("a list of sink names")).describe("The sinks."),
    queue: QueueSchema,
  }, expect(SINK_TEXT)),
], expect(SINK_TEXT));

/** The whole file. */
export const RuntimeConfigSchema = z.strictObject({
  version: z.literal(1, expect("1 (the only version)")).describe("Format version; only 1 exists."),
  pipelines: z.record(
    name("Pipeline name."),
    PipelineSchema,
    expect("a mapping of pipeline names to pipelines"),
  ).describe("Named pipelines: transport, vendor and protocol of their devices."),
  defaults: DefaultsSchema.describe("Values every device inherits.").optional(),
  devices: z.array(DeviceSchema, expect("a list of devices"))
    .min(1, expect("at least one device")).describe("The stations."),
  sinks: z.record(name("Sink name."), SinkSchema, expect("a mapping of sink names to sinks"))
    .describe("Named sinks, besides the built-in stdout and memory.").optional(),
}, expect("a mapping with version, pipelines and devices"));
