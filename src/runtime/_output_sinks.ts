// Building the output sinks (mqtt, homeassistant, prometheus, influxdb) from their resolved
// configuration, and describing the devices they serve. One entry per sink type. Private to
// src/runtime.
import { ConfigError } from "../errors/errors.ts";
import { loadTlsCredentials } from "../transport/credentials.ts";
import type { ResolvedSinkConfig } from "./config/resolve.ts";
import { HomeAssistantSink } from "./sinks/homeassistant_sink.ts";
import { InfluxDbSink } from "./sinks/influxdb_sink.ts";
import { MqttSink, type MqttSinkOptions } from "./sinks/mqtt_sink.ts";
import type { SinkContext } from "./sinks/output_device.ts";
import { PrometheusSink } from "./sinks/prometheus_sink.ts";
import type { Sink } from "./types.ts";

type OutputConfig = Extract<ResolvedSinkConfig, { readonly options: unknown }>;

/** Whether a resolved sink is an output sink built here. */
export function isOutputSink(config: ResolvedSinkConfig): config is OutputConfig {
  return "options" in config;
}

function readText(path: string, what: string): string {
  return new TextDecoder().decode(readBytes(path, what));
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable
      ? "permission denied"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ConfigError("CONFIG_INVALID", `Cannot read ${what} '${path}': ${why}`);
  }
}

function mqttOptions(o: Readonly<Record<string, unknown>>, context: SinkContext): MqttSinkOptions {
  const str = (key: string) => typeof o[key] === "string" ? o[key] as string : undefined;
  const certFile = str("cert_file");
  const caFile = str("ca_file");
  let tls: MqttSinkOptions["tls"];
  if (certFile !== undefined) {
    const password = str("cert_password");
    const pfx = readBytes(certFile, "certificate bundle");
    const credentials = loadTlsCredentials({
      pfx,
      ...(password !== undefined ? { passphrase: password } : {}),
    });
    tls = { cert: credentials.cert, key: credentials.key };
    if (credentials.ca.length > 0 && caFile === undefined) {
      return build(credentials.ca);
    }
  }
  return build(caFile === undefined ? [] : [readText(caFile, "CA file")]);

  function build(ca: readonly string[]): MqttSinkOptions {
    return {
      broker: str("broker") ?? "",
      ...(str("username") !== undefined ? { username: str("username")! } : {}),
      ...(str("password") !== undefined ? { password: str("password")! } : {}),
      ...(tls ? { tls } : {}),
      ...(ca.length > 0 ? { ca } : {}),
      ...(o.allow_insecure === true ? { allowInsecure: true } : {}),
      ...(str("base_topic") !== undefined ? { baseTopic: str("base_topic")! } : {}),
      ...(typeof o.retain === "boolean" ? { retain: o.retain } : {}),
      ...(o.qos === 0 || o.qos === 1 || o.qos === 2 ? { qos: o.qos } : {}),
      ...(typeof o.offline_after === "number" ? { offlineAfter: o.offline_after } : {}),
      devices: context.devices,
    };
  }
}

/** Options the runtime passes through to output sinks. */
export interface OutputSinkHooks {
  /** A sink reported a failure it handled itself (a refused command, a dropped batch). */
  readonly onError?: (sink: string, error: unknown) => void;
}

/** Build one output sink; connections and servers start now. */
export function createOutputSink(
  config: OutputConfig,
  context: SinkContext,
  hooks: OutputSinkHooks = {},
): Sink {
  const o = config.options;
  const report = (error: unknown) => hooks.onError?.(config.name, error);
  switch (config.type) {
    case "mqtt":
      return new MqttSink(config.name, mqttOptions(o, context));
    case "homeassistant":
      return new HomeAssistantSink(config.name, {
        ...mqttOptions(o, context),
        ...(typeof o.discovery_prefix === "string" ? { discoveryPrefix: o.discovery_prefix } : {}),
        ...(o.controls !== false && context.controller ? { controller: context.controller } : {}),
        ...(typeof o.clear_removed === "boolean" ? { clearRemoved: o.clear_removed } : {}),
        ...(context.identity ? { identity: context.identity } : {}),
        onCommandError: (_device, _control, error) => report(error),
      });
    case "prometheus":
      return new PrometheusSink(config.name, {
        ...(typeof o.listen === "string" ? { listen: o.listen } : {}),
        ...(typeof o.path === "string" ? { path: o.path } : {}),
        devices: context.devices,
        queues: context.queues,
      });
    case "influxdb": {
      const str = (key: string) => typeof o[key] === "string" ? o[key] as string : undefined;
      const num = (key: string) => typeof o[key] === "number" ? o[key] as number : undefined;
      const options: Record<string, unknown> = {
        url: str("url"),
        database: str("database"),
        retentionPolicy: str("retention_policy"),
        username: str("username"),
        password: str("password"),
        org: str("org"),
        bucket: str("bucket"),
        token: str("token"),
        batchSize: num("batch_size"),
        flushIntervalMs: num("flush_interval") === undefined
          ? undefined
          : num("flush_interval")! * 1000,
        maxBuffer: num("max_buffer"),
      };
      for (const key of Object.keys(options)) {
        if (options[key] === undefined) delete options[key];
      }
      return new InfluxDbSink(config.name, {
        ...(options as unknown as ConstructorParameters<typeof InfluxDbSink>[1]),
        devices: context.devices,
        onError: (error) => report(error),
      });
    }
  }
}
