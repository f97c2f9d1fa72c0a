/**
 * The `mqtt` transport as runtime.yaml configures it: its options (broker, port, device_sn,
 * PKCS#12 bundle, CA, topics, keepalive), checked by their own schema, and its factory.
 * Vendor defaults (a cloud broker and its topics) come from the plugin, not from here.
 *
 * @module
 */
import {
  type NumberSchema,
  type ObjectSchema,
  type OptionalSchema,
  s,
  type StringSchema,
} from "../schema/schema.ts";
// The MQTT client (npm:mqtt) and the PKCS#12 reader (node-forge) load when a bundle is opened
// or a transport is created, not when runtime.yaml is only read.
import { ConfigError, CredentialsError } from "../errors/errors.ts";
import type { TlsCredentials } from "./credentials.ts";
import type { MqttTransport } from "./mqtt_transport.ts";
import type { MqttConnectionPool } from "./mqtt_connection_pool.ts";
import { SHARED_CONNECTION_DEVICES } from "./_mqtt_share_default.ts";
import {
  defineTransport,
  type PrepareContext,
  type TransportDefinition,
} from "./transport_definition.ts";

function integer(min: number, max: number, text: string, description: string): NumberSchema {
  return s.int(text).min(min, text).max(max, text).describe(description);
}

function nullablePath(
  text: string,
  description: string,
): OptionalSchema<string | null> {
  return s.string(text).min(1, text).nullable().meta({ description, default: null })
    .optional();
}

const HOST: string = String
  .raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])`;
const BROKER_PATTERN: RegExp = new RegExp(`^(?:mqtts?://)?${HOST}/?$`);
const BROKER_TEXT =
  "a host name, or an mqtt:// or mqtts:// URL without port, path or credentials (set the port with 'port')";

const SN_TEXT = "a serial number without spaces, '+', '#', '/' or control characters";
// deno-lint-ignore no-control-regex
const SN_PATTERN = /^[^\s+#/\u0000-\u001f\u007f]{1,64}$/;

const TOPIC_TEXT =
  "an MQTT topic without '+', '#' or control characters; '{sn}' is the only placeholder";
// deno-lint-ignore no-control-regex
const TOPIC_PATTERN = /^(?:[^{}+#\u0000-\u001f\u007f]|\{sn\})+$/;

function topic(description: string): StringSchema {
  return s.string(TOPIC_TEXT).regex(TOPIC_PATTERN, TOPIC_TEXT).describe(
    description,
  );
}

const MQTT_OPTIONS: ObjectSchema = s.strictObject({
  broker: s.string(BROKER_TEXT).regex(BROKER_PATTERN, BROKER_TEXT)
    .describe(
      "MQTT broker: a host, or mqtt://host / mqtts://host. Default: the plugin's (its vendor cloud).",
    )
    .optional(),
  port: integer(1, 65535, "an integer 1..65535", "Broker port. Default: the plugin's.")
    .optional(),
  device_sn: s.string(SN_TEXT).regex(SN_PATTERN, SN_TEXT)
    .describe("The station's serial number; every device needs one at some level.")
    .optional(),
  cert_file: nullablePath(
    "a path to a PKCS#12 bundle (.p12/.pfx), or null",
    "Path of the PKCS#12 client bundle (relative to the configuration file's folder), or null.",
  ),
  cert_password: s.string("a string, or null").nullable().meta({
    description: "Password of the PKCS#12 bundle, or null; use ${VAR} to keep it out of the file.",
    default: null,
  }).optional(),
  ca_file: nullablePath(
    "a path to a PEM CA certificate, or null",
    "Path of an extra trusted CA (PEM, relative to the configuration file's folder), or null.",
  ),
  topics: s.strictObject({
    request: topic("Topic the requests are published to.").optional(),
    response: topic("Topic the replies arrive on.").optional(),
  }, "a mapping with request and/or response")
    .describe("Topic templates; {sn} stands for the serial number. Default: the plugin's.")
    .optional(),
  keepalive: integer(
    0,
    65535,
    "an integer number of seconds 0..65535",
    "MQTT keepalive, seconds (0 turns it off).",
  )
    .meta({ default: 60 }).optional(),
  allow_insecure: s.boolean("true or false").describe(
    "Allow plain MQTT or an unverified broker.",
  ).meta({ default: false }).optional(),
  share_connection: s.boolean("true or false").describe(
    "One MQTT connection for the devices with the same broker and identity (bundle) that set it; replies are routed by each device's response topic. Not for a broker that takes one session per device.",
  ).meta({ default: false }).optional(),
  devices_per_connection: integer(
    1,
    65535,
    "an integer 1..65535",
    "With share_connection: at most this many devices on one shared connection; more devices of the same broker and identity get further connections. Each connection has its own broker-side queue and in-flight window for the replies it delivers.",
  ).meta({ default: SHARED_CONNECTION_DEVICES }).optional(),
}, "a mapping of transport options");

/**
 * The options of the `mqtt` transport, as resolved for one device (runtime.yaml's keys).
 *
 * @example
 * ```ts
 * import type { MqttTransportOptions } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * const options: MqttTransportOptions = { broker: "localhost", port: 1883, device_sn: "S1" };
 * assert.equal(options.cert_file, undefined);
 * ```
 */
export interface MqttTransportOptions {
  /** Host, or `mqtt://host` / `mqtts://host`. */
  readonly broker?: string;
  /** Port 1..65535. */
  readonly port?: number;
  /** The station's serial number. */
  readonly device_sn?: string;
  /** Path of the PKCS#12 client bundle, or null. */
  readonly cert_file?: string | null;
  /** The bundle's password, or null. */
  readonly cert_password?: string | null;
  /** Path of an extra trusted CA (PEM), or null. */
  readonly ca_file?: string | null;
  /** Topic templates; `{sn}` stands for the serial number. */
  readonly topics?: { readonly request?: string; readonly response?: string };
  /** MQTT keepalive, seconds (0 turns it off). */
  readonly keepalive?: number;
  /** Allow plain MQTT or an unverified broker. */
  readonly allow_insecure?: boolean;
  /** Share one connection with the devices of the same broker and identity that set it too. */
  readonly share_connection?: boolean;
  /** With `share_connection`: at most this many devices on one shared connection. */
  readonly devices_per_connection?: number;
}

/**
 * The `mqtt` transport: one {@linkcode MqttTransport} per device, with mutual TLS from a
 * PKCS#12 bundle (`cert_file` + `cert_password`, read once) and an optional extra CA.
 * Required after all levels: `broker`, `port`, `device_sn` and both topics (the plugin gives
 * the broker, port and topics of its vendor's cloud).
 *
 * @example
 * ```ts
 * import { MQTT_TRANSPORT } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MQTT_TRANSPORT.name, "mqtt");
 * assert.ok(MQTT_TRANSPORT.options.safeParse({ port: 8883 }).success);
 * assert.ok(!MQTT_TRANSPORT.options.safeParse({ port: 0 }).success);
 * assert.equal(
 *   MQTT_TRANSPORT.describe({ broker: "mqtts://h/", port: 8883, device_sn: "S1" }).endpoint,
 *   "mqtts://h:8883",
 * );
 * ```
 */
export const MQTT_TRANSPORT: TransportDefinition<MqttTransportOptions> = defineTransport<
  MqttTransportOptions
>({
  name: "mqtt",
  description: "MQTT (TLS with a PKCS#12 client bundle, or plain on request)",
  options: MQTT_OPTIONS,
  defaults: {
    keepalive: 60,
    allow_insecure: false,
    cert_file: null,
    cert_password: null,
    ca_file: null,
  },
  required: ["device_sn", "broker", "port", "topics.request", "topics.response"],
  pathOptions: ["cert_file", "ca_file"],
  unique: {
    option: "device_sn",
    noun: "serial",
    within: "broker",
    key: (o) => `${o.broker}\u0000${o.port}\u0000${o.device_sn}`,
  },
  describe: (o) => ({
    endpoint: `${(o.broker ?? "").replace(/\/$/, "")}:${o.port}`,
    details: [
      `sn ${o.device_sn}`,
      o.cert_file == null ? "no cert" : `cert ${o.cert_file}`,
      o.cert_password == null ? "password not set" : "password set",
      ...(o.ca_file == null ? [] : [`ca ${o.ca_file}`]),
      ...(o.allow_insecure === true ? ["insecure allowed"] : []),
      ...(o.share_connection === true
        ? [
          `shared connection (up to ${
            o.devices_per_connection ?? SHARED_CONNECTION_DEVICES
          } devices each)`,
        ]
        : []),
    ],
  }),
  prepare(o, context): Promise<unknown> {
    return prepareMqtt(o, context);
  },
  async create(o, context): Promise<MqttTransport> {
    const { MqttTransport } = await import("./mqtt_transport.ts");
    const connectionPool = o.share_connection === true && context.shared !== undefined
      ? await sharedPool(context.shared)
      : undefined;
    const { tls, ca } = isPreparedMqtt(context.prepared)
      ? context.prepared
      : await prepareMqtt(o, { readFile: context.readFile, cache: new Map() });
    return new MqttTransport({
      broker: o.broker!,
      port: o.port!,
      deviceSn: o.device_sn!,
      model: context.model,
      topics: { request: o.topics!.request!, response: o.topics!.response! },
      ...(tls ? { tls } : {}),
      ...(ca ? { ca } : {}),
      allowInsecure: o.allow_insecure === true,
      keepaliveSec: o.keepalive ?? 60,
      logger: context.logger,
      ...(context.connectLimiter ? { connectLimiter: context.connectLimiter } : {}),
      ...(connectionPool ? { connectionPool } : {}),
      ...(connectionPool && o.devices_per_connection !== undefined
        ? { devicesPerConnection: o.devices_per_connection }
        : {}),
    });
  },
});

/** The connection pool of the runtime's devices that share connections (one per runtime). */
async function sharedPool(shared: Map<string, unknown>): Promise<MqttConnectionPool> {
  const { MqttConnectionPool } = await import("./mqtt_connection_pool.ts");
  let pool = shared.get("mqtt.connection_pool");
  if (!(pool instanceof MqttConnectionPool)) {
    pool = new MqttConnectionPool();
    shared.set("mqtt.connection_pool", pool);
  }
  return pool as MqttConnectionPool;
}

/** The checked files of an MQTT device: its client credentials and extra CA, opened once. */
interface PreparedMqtt {
  readonly kind: "mqtt";
  readonly tls: TlsCredentials | undefined;
  readonly ca: string | undefined;
}

function isPreparedMqtt(value: unknown): value is PreparedMqtt {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "mqtt";
}

async function prepareMqtt(
  o: MqttTransportOptions,
  context: PrepareContext,
): Promise<PreparedMqtt> {
  const certFile = o.cert_file ?? null;
  const password = o.cert_password ?? null;
  const caFile = o.ca_file ?? null;
  const tls = certFile === null
    ? undefined
    : await cached(context, `mqtt-tls\0${certFile}\0${password ?? "\u0001"}`, () =>
      openBundle(certFile, password, context));
  const ca = caFile === null ? undefined : await cached(
    context,
    `mqtt-ca\0${caFile}`,
    async () => new TextDecoder().decode(await readOption(context, "ca_file", caFile, "CA file")),
  );
  return { kind: "mqtt", tls, ca };
}

async function openBundle(
  path: string,
  password: string | null,
  context: PrepareContext,
): Promise<TlsCredentials> {
  const pfx = await readOption(context, "cert_file", path, "certificate bundle");
  const { openTlsCredentials } = await import("./credentials.ts");
  try {
    return await openTlsCredentials({
      pfx,
      ...(password !== null ? { passphrase: password } : {}),
    });
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    // A wrong password is the password's fault; everything else is the bundle's.
    const option = error.problem === "wrong_password" && password !== null
      ? "cert_password"
      : "cert_file";
    throw new ConfigError(
      "CONFIG_INVALID",
      `${error.code}: ${
        error.message.replace("the PKCS#12 bundle", `the PKCS#12 bundle '${path}'`)
      }`,
      { path: option },
      { cause: error },
    );
  }
}

async function readOption(
  context: PrepareContext,
  option: string,
  path: string,
  what: string,
): Promise<Uint8Array> {
  try {
    return await context.readFile(path);
  } catch (error) {
    const message = error instanceof ConfigError
      ? error.message
      : `Cannot read the ${what} '${path}': ${error instanceof Error ? error.message : error}`;
    throw new ConfigError("CONFIG_INVALID", message, { path: option }, { cause: error });
  }
}

function cached<T>(context: PrepareContext, key: string, open: () => Promise<T>): Promise<T> {
  let entry = context.cache.get(key) as Promise<T> | undefined;
  if (entry === undefined) {
    entry = open();
    context.cache.set(key, entry);
  }
  return entry;
}
