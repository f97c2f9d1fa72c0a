// The schemas of runtime.yaml. Private to src/runtime/config: the public faces are
// loadRuntimeConfig() (validation) and runtimeConfigJsonSchema() (the JSON Schema export).
//
// Every schema carries its expectation as its error message ("an integer 1..65535"): the
// issue converter prints "expected <message>, got <value>". No `.default()` anywhere: the
// validated config is the file as written, and resolveRuntime() applies the precedence.
import {
  type ObjectSchema,
  OptionalSchema,
  s,
  type Schema,
  toJsonSchema,
} from "../../schema/schema.ts";
import type { ProtocolPlugin } from "../../plugin/plugin.ts";
import type { AnyTransportDefinition } from "../../transport/transport_definition.ts";
import { OUTPUT_SINK_SCHEMAS, OUTPUT_SINK_TYPES } from "./_output_sink_schemas.ts";

/** The sink types. */
export const SINK_TYPES: readonly string[] = [
  "stdout",
  "memory",
  "jsonl",
  "composite",
  ...OUTPUT_SINK_TYPES,
];

/** Names of pipelines, sinks and device ids. */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9_.-]+$/;

const NAME_TEXT = "a name of letters, digits, '_', '.' or '-'";

function name(description: string) {
  return s.string(NAME_TEXT).regex(NAME_PATTERN, NAME_TEXT).describe(description);
}

const SECONDS_TEXT = "a number of seconds from 0.1 to 86400";

function seconds(description: string) {
  return s.number(SECONDS_TEXT)
    .min(0.1, SECONDS_TEXT)
    .max(86_400, SECONDS_TEXT)
    .describe(description);
}

function integer(min: number, max: number, text: string, description: string) {
  return s.int(text).min(min, text).max(max, text).describe(description);
}

function boolean(description: string) {
  return s.boolean("true or false").describe(description);
}

function path(text: string, description: string) {
  return s.string(text).min(1, text).describe(description);
}

function profileFile(description: string) {
  return path(
    "a file path",
    `${description} Relative to the configuration file's folder; the pipeline's plugin must take register maps (generic/modbus does).`,
  ).optional();
}

/** What the schema is built from: the registered transports, plugins and framings. */
export interface SchemaSources {
  readonly transports: readonly AnyTransportDefinition[];
  readonly plugins: readonly ProtocolPlugin[];
  readonly framings: readonly string[];
}

function oneOf(names: readonly string[], what: string): string {
  if (names.length === 1) return `${names[0]} (the only ${what})`;
  return `one of ${names.join(", ")}`;
}

function choice(names: readonly string[], what: string) {
  const unique = [...new Set(names)];
  // An empty registry still builds a schema that refuses every value.
  return unique.length === 0
    ? s.never(`a ${what} (none is registered)`)
    : s.enum(unique, oneOf(unique, what));
}

/**
 * Transport options as every level of runtime.yaml takes them: every key of every registered
 * transport, plus `framing`. Which transport a device's options belong to is only known once
 * its pipeline is resolved: then each level is checked by that transport's own schema
 * (`_resolve.ts`). Here a key two transports define with the same constraints is checked by
 * either schema (so `port: \${PORT}` is still coerced to a number); a key they constrain
 * differently is left to the resolution (for JSON Schema: any of their schemas).
 *
 * @param forJsonSchema Describe every transport's meaning of a shared key, for editors.
 */
function transportOptsSchema(sources: SchemaSources, forJsonSchema = false) {
  const byKey = new Map<string, { transport: string; schema: Schema }[]>();
  for (const transport of sources.transports) {
    const shape = transport.options.shape as Record<string, Schema>;
    for (const [key, schema] of Object.entries(shape)) {
      const list = byKey.get(key) ?? [];
      if (!list.some((entry) => entry.schema === schema)) {
        list.push({ transport: transport.name, schema });
      }
      byKey.set(key, list);
    }
  }
  const shape: Record<string, Schema> = {};
  for (const [key, list] of byKey) {
    if (list.length === 1) {
      shape[key] = list[0]!.schema;
      continue;
    }
    const description = list.map((e) =>
      `${e.transport}: ${(descriptionOf(e.schema) ?? key).replace(/\.$/, "")}`
    )
      .join("; ");
    const constraints = new Set(list.map((e) => constraintsOf(e.schema)));
    if (constraints.size === 1) {
      shape[key] = list[0]!.schema.describe(description);
    } else if (forJsonSchema) {
      shape[key] = s.union(list.map((e) => e.schema)).describe(description).optional();
    } else {
      shape[key] = s.unknown().optional();
    }
  }
  const framings = sources.framings;
  shape.framing = framingSchema(framings);
  return s.strictObject(shape, "a mapping of transport options");
}

function framingSchema(framings: readonly string[]) {
  return s.enum(framings, `one of ${framings.join(", ")}`)
    .describe("Payload framing. Default: the profile's defaultFraming.").optional();
}

function descriptionOf(schema: Schema): string | undefined {
  if (schema.description !== undefined) return schema.description;
  return schema instanceof OptionalSchema ? descriptionOf(schema.unwrap()) : undefined;
}

/** What a schema accepts, without its words: two schemas with the same constraints match. */
function constraintsOf(schema: Schema): string {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== "object") return node;
    return Object.fromEntries(
      Object.entries(node).filter(([k]) => k !== "description" && k !== "default")
        .map(([k, v]) => [k, strip(v)]),
    );
  };
  try {
    return JSON.stringify(strip(toJsonSchema(schema)));
  } catch {
    return `unique:${Math.random()}`;
  }
}

/**
 * One transport's options (and `framing`), strict: what a pipeline of that transport takes in
 * `transport_opts` (the JSON Schema says so with if/then on `transport`).
 */
export function ownTransportOptsSchema(
  transport: SchemaSources["transports"][number],
  framings: readonly string[],
) {
  return (transport.options as ObjectSchema).extend({ framing: framingSchema(framings) });
}

const GROUP_TEXT = "a group name";
const groupName = s.string(GROUP_TEXT).min(1, GROUP_TEXT);

/**
 * The schema of runtime.yaml for what is registered: transport, vendor and protocol
 * names, the transports' options and the framings.
 */
export function buildRuntimeConfigSchema(sources: SchemaSources, forJsonSchema = false) {
  const TransportOptsSchema = transportOptsSchema(sources, forJsonSchema);
  const transports = sources.transports.map((t) => t.name);
  const descriptions = sources.transports.map((t) => `${t.name}: ${t.description}`).join("; ");
  /** One pipeline. */
  const PipelineSchema = s.strictObject({
    mode: s.enum(["pull", "push"], "one of pull, push")
      .meta({ description: "pull polls groups on their cadence; push listens.", default: "pull" })
      .optional(),
    transport: choice(transports, "transport").describe(`The transport (${descriptions}).`),
    vendor: choice(sources.plugins.map((p) => p.vendor), "vendor").describe(
      "The vendor of a registered plugin.",
    ),
    protocol: choice(sources.plugins.map((p) => p.protocol), "protocol").describe(
      "The protocol of a registered plugin.",
    ),
    poll_interval: seconds("Seconds between polls of its devices' groups.").optional(),
    transport_opts: TransportOptsSchema.describe(
      "Transport options of its devices (device > pipeline > defaults).",
    ).optional(),
    sink: name("Sink of its devices.").optional(),
    profile_file: profileFile(
      "The register-map file of its devices that name no profile_id or profile_file.",
    ),
  }, "a pipeline: a mapping with transport, vendor and protocol");

  /** The defaults section. */
  const DefaultsSchema = s.strictObject({
    poll_interval: seconds("Seconds between polls, unless a pipeline or device says otherwise.")
      .optional(),
    transport: s.strictObject({
      opts: TransportOptsSchema.describe("Transport options every device inherits.").optional(),
    }, "a mapping with opts").describe("Transport defaults.").optional(),
    sink: name("Sink of every device that names none.").meta({ default: "stdout" }).optional(),
    groups: s.array(groupName, "a list of group names").min(
      1,
      "a list of group names",
    )
      .describe("Groups polled when a device lists none (names a profile lacks are skipped).")
      .optional(),
    write_enabled: boolean("Writes allowed.").meta({ default: false }).optional(),
  }, "a mapping of defaults");

  const GROUPS_TEXT = "a list of group names, or a mapping of group names to seconds";

  /** One device. */
  const DeviceSchema = s.strictObject({
    id: name("Unique id of the device."),
    pipeline: name("The pipeline's name."),
    profile_id: s.string("a profile id, name or alias").min(
      1,
      "a profile id, name or alias",
    )
      .describe("A profile id, name or alias (EL100V2, Elite 100 V2); or give profile_file.")
      .optional(),
    profile_file: profileFile("Or a register-map file (YAML or JSON) describing the device."),
    transport: s.strictObject({
      opts: TransportOptsSchema.describe("Transport options of this device (highest precedence).")
        .optional(),
    }, "a mapping with opts").describe("Transport of this device.").optional(),
    poll_interval: seconds("Seconds between polls of its groups.").optional(),
    groups: s.union([
      s.array(groupName, GROUPS_TEXT).min(1, "at least one group name"),
      s.record(groupName, seconds("Seconds between polls of this group."), GROUPS_TEXT),
    ], GROUPS_TEXT).describe(
      "Groups polled: a list of names, or names with their own seconds.",
    ).optional(),
    sink: name("Sink of this device.").optional(),
    options: s.strictObject({
      device_address: integer(0, 247, "an integer 0..247", "Modbus device address.").optional(),
      protocol_version: integer(
        0,
        1_000_000,
        "a non-negative integer",
        "The station's protocol version.",
      )
        .optional(),
      write_enabled: boolean("Writes allowed for this device.").optional(),
    }, "a mapping of device options").describe("Station options.").optional(),
  }, "a device: a mapping with id, pipeline and profile_id (or profile_file)");

  const LATE_TEXT = "a number of seconds from 0 to 60";
  const SHARE_TEXT = "a number from 0 to 1";
  const ADMISSION_TEXT = "false (off), true (on, the defaults) or a mapping of thresholds";

  /** Admission by measured capacity: on, off, or its thresholds. */
  const AdmissionSchema = s.union([
    s.boolean(ADMISSION_TEXT),
    s.strictObject({
      late_after: s.number(LATE_TEXT).min(0, LATE_TEXT).max(60, LATE_TEXT).describe(
        "A poll starting this many seconds after it was due counts as late (default: a tenth of the shortest poll interval, 0.2 to 1).",
      ).optional(),
      late_share: s.number(SHARE_TEXT).min(0, SHARE_TEXT).max(1, SHARE_TEXT).describe(
        "A window in which more than this share of the polls started late is over capacity.",
      ).meta({ default: 0.05 }).optional(),
      window: seconds(
        "Seconds between two judgements (default: the shortest poll interval, 1 to 5).",
      ).optional(),
      over_windows: integer(
        1,
        1_000,
        "an integer 1..1000",
        "Windows over capacity in a row before devices are held back.",
      ).meta({ default: 3 }).optional(),
      shed_step: integer(
        0,
        1_000_000,
        "an integer 0..1000000",
        "Connected devices held back per step; 0: a twentieth of them, up to a tenth.",
      ).meta({ default: 0 }).optional(),
      admit_after: seconds(
        "Seconds of headroom before a held-back device is admitted again (default: five windows).",
      ).optional(),
    }, ADMISSION_TEXT),
  ], ADMISSION_TEXT).describe(
    "Admission by measured capacity: past capacity the last devices are held back (no polls, no connection) and admitted again with headroom.",
  );

  const QUEUE_SIZE_TEXT = "an integer 1..1000000";

  const QueueSchema = s.strictObject({
    size: integer(1, 1_000_000, QUEUE_SIZE_TEXT, "Snapshots that may wait for the sink.")
      .meta({ default: 1000 }).optional(),
    drop: s.enum(["oldest", "newest"], "one of oldest, newest")
      .meta({ description: "Which snapshot a full queue drops.", default: "oldest" }).optional(),
  }, "a mapping with size and/or drop").describe("The sink's queue.").optional();

  const SINK_TEXT = `a sink: a mapping with type ${SINK_TYPES.slice(0, -1).join(", ")} or ${
    SINK_TYPES.at(-1)
  }`;

  /** One sink. */
  const SinkSchema = s.discriminatedUnion("type", [
    s.strictObject({
      type: s.literal("stdout").describe("Print a line per snapshot."),
      queue: QueueSchema,
    }, SINK_TEXT),
    s.strictObject({
      type: s.literal("memory").describe("Keep the last snapshots in memory."),
      size: integer(1, 1_000_000, QUEUE_SIZE_TEXT, "Snapshots kept per device.")
        .meta({ default: 100 }).optional(),
      queue: QueueSchema,
    }, SINK_TEXT),
    s.strictObject({
      type: s.literal("jsonl").describe("Append one JSON line per snapshot to a file."),
      path: path("a file path", "The file (relative to the configuration file's folder)."),
      queue: QueueSchema,
    }, SINK_TEXT),
    s.strictObject({
      type: s.literal("composite").describe("Hand every snapshot to several sinks."),
      sinks: s.array(name("A sink's name."), "a list of sink names")
        .min(1, "a list of sink names").describe("The sinks."),
      queue: QueueSchema,
    }, SINK_TEXT),
    ...OUTPUT_SINK_SCHEMAS,
  ], SINK_TEXT);

  /** The whole file. */
  return s.strictObject({
    version: s.literal(1, "1 (the only version)").describe(
      "Format version; only 1 exists.",
    ),
    pipelines: s.record(
      name("Pipeline name."),
      PipelineSchema,
      "a mapping of pipeline names to pipelines",
    ).describe("Named pipelines: transport, vendor and protocol of their devices."),
    defaults: DefaultsSchema.describe("Values every device inherits.").optional(),
    devices: s.array(DeviceSchema, "a list of devices")
      .min(1, "at least one device").describe("The stations."),
    sinks: s.record(name("Sink name."), SinkSchema, "a mapping of sink names to sinks")
      .describe("Named sinks, besides the built-in stdout and memory.").optional(),
    limits: s.strictObject({
      admission: AdmissionSchema.meta({ default: true }).optional(),
    }, "a mapping with admission").describe("Limits of the process as a whole.").optional(),
  }, "a mapping with version, pipelines and devices");
}
