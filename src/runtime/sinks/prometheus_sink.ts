import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { ConfigError } from "../../errors/errors.ts";
import type { Sink, Snapshot } from "../types.ts";
import { groupOf, numericFields } from "./_fields.ts";
import { metricShape } from "./_prometheus_names.ts";
import { labelText, ValueFamilies } from "./_exposition.ts";
import type { OutputDevice } from "./output_device.ts";
import type { SinkQueueCounters } from "./sink_queue.ts";

/**
 * Options of a {@linkcode PrometheusSink}.
 *
 * @example
 * ```ts
 * import type { PrometheusSinkOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const options: PrometheusSinkOptions = { listen: "127.0.0.1:0" };
 * assert.equal(options.path ?? "/metrics", "/metrics");
 * ```
 */
export interface PrometheusSinkOptions {
  /** `host:port` to serve on; port 0 picks a free one (see {@linkcode PrometheusSink.port}). @default {"127.0.0.1:9464"} */
  readonly listen?: string;
  /** The path of the metrics. @default {"/metrics"} */
  readonly path?: string;
  /** The devices writing to the sink: their serial and model become labels. @default {[]} */
  readonly devices?: readonly OutputDevice[];
  /** The runtime's sink queue counters, exported as queue depth and drops. @default {none} */
  readonly queues?: () => Readonly<Record<string, SinkQueueCounters>>;
}

const PREFIX = "power_sdk";
const DEVICE_LABELS = ["device", "serial", "model"] as const;
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface Series {
  readonly name: string;
  readonly labels: string;
}

function parseListen(name: string, listen: string): { hostname: string; port: number } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(listen);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new TypeError(
      `Cannot create Prometheus sink '${name}' as 'listen' must be host:port: current value is ${
        JSON.stringify(listen)
      }`,
    );
  }
  return { hostname: match[1]!.replace(/^\[|\]$/g, ""), port };
}

/**
 * A sink that serves the latest values on an HTTP endpoint in the Prometheus text format
 * (0.0.4, through npm `prom-client`), for Prometheus to scrape and Grafana to chart:
 *
 * - every numeric field with a known unit as a metric in base units, named
 *   `power_sdk_<field>_<unit>` with labels `device`, `serial`, `model` and `block`:
 *   percentages as `_ratio` (0..1), power `_watts`, energy counters as
 *   `_joules_total` counters (kWh x 3.6e6), `_volts`, `_amperes`, `_hertz`, `_celsius`,
 *   durations `_seconds`; unitless values (codes, counts, flags) in one gauge family,
 *   `power_sdk_value`, with the field's name as label `field`;
 * - runtime health: `power_sdk_up` (1 while the device's polls succeed),
 *   `power_sdk_last_success_timestamp_seconds`, `power_sdk_polls_total{result}`,
 *   `power_sdk_poll_errors_total{code}`, `power_sdk_poll_duration_seconds` (histogram),
 *   `power_sdk_reconnects_total`, `power_sdk_device_info`, and per sink queue
 *   `power_sdk_sink_queue_depth`, `power_sdk_sink_dropped_total`, `power_sdk_sink_failed_total`.
 *
 * Values of a group whose last poll failed are withdrawn (no stale value is served as
 * current); `power_sdk_up` says why. The server starts when the sink is created.
 *
 * @example Serve a snapshot and scrape it
 * ```ts
 * import { PrometheusSink, type Snapshot } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const sink = new PrometheusSink("prom", { listen: "127.0.0.1:0" });
 * const snapshot: Snapshot = {
 *   deviceId: "garage", profile: "EL100V2", mode: "pull", group: "core",
 *   at: "2026-11-27T05:00:00.000Z", ok: true, errors: [],
 *   blocks: [{ blockId: 100, name: "APP_HOME_DATA", values: { soc: 55 }, units: { soc: "%" }, warnings: [] }],
 *   metrics: {
 *     ok: 1, errors: 0, consecutiveErrors: 0, lastSuccess: null, reconnects: 0,
 *     droppedSnapshots: 0, lastLatencyMs: 120, lastLatenessMs: 0,
 *   },
 * };
 * await sink.write(snapshot);
 * const text = await (await fetch(`http://127.0.0.1:${sink.port}/metrics`)).text();
 * assert.match(text, /power_sdk_soc_ratio\{device="garage",serial="",model="EL100V2",block="app_home_data"\} 0.55/);
 * await sink.close();
 * ```
 */
export class PrometheusSink implements Sink {
  /** The sink's name. */
  readonly name: string;
  /** The path served. */
  readonly path: string;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #registry = new Registry();
  readonly #devices: ReadonlyMap<string, OutputDevice>;
  readonly #queues: (() => Readonly<Record<string, SinkQueueCounters>>) | undefined;
  /** `device\0group` -> the series its last snapshot set. */
  #series = new Map<string, Map<string, Series>>();
  /** Station values: many series, printed by a serializer of our own (see _exposition.ts). */
  #values = new ValueFamilies();
  #up: Gauge<string>;
  #lastSuccess: Gauge<string>;
  #polls: Counter<string>;
  #pollErrors: Counter<string>;
  #latency: Histogram<string>;
  #reconnects: Counter<string>;
  #info: Gauge<string>;
  #queueDepth: Gauge<string>;
  #queueDropped: Counter<string>;
  #queueFailed: Counter<string>;
  #closed = false;

  /**
   * Make the sink and start serving.
   *
   * @param name The sink's name.
   * @param options Address, path, devices, queue counters.
   * @throws {TypeError} for a bad `listen` or `path`.
   * @throws {ConfigError} `CONFIG_INVALID` when it cannot listen there (address in use).
   */
  constructor(name: string, options: PrometheusSinkOptions = {}) {
    this.name = name;
    const path = options.path ?? "/metrics";
    if (!/^\/\S*$/.test(path)) {
      throw new TypeError(
        `Cannot create Prometheus sink '${name}' as 'path' must start with '/': current value is ${
          JSON.stringify(path)
        }`,
      );
    }
    this.path = path;
    const { hostname, port } = parseListen(name, options.listen ?? "127.0.0.1:9464");
    this.#devices = new Map((options.devices ?? []).map((d) => [d.id, d]));
    this.#queues = options.queues;
    const registers = [this.#registry];
    this.#up = new Gauge({
      name: `${PREFIX}_up`,
      help: "1 while the device's last poll succeeded, 0 after a failed one",
      labelNames: DEVICE_LABELS,
      registers,
    });
    this.#lastSuccess = new Gauge({
      name: `${PREFIX}_last_success_timestamp_seconds`,
      help: "When the device's last successful poll ended, Unix seconds",
      labelNames: DEVICE_LABELS,
      registers,
    });
    this.#polls = new Counter({
      name: `${PREFIX}_polls_total`,
      help: "Polls of the device by result (ok, error), as counted by the runtime",
      labelNames: [...DEVICE_LABELS, "result"],
      registers,
    });
    this.#pollErrors = new Counter({
      name: `${PREFIX}_poll_errors_total`,
      help: "Errors in the device's snapshots, by stable error code",
      labelNames: [...DEVICE_LABELS, "code"],
      registers,
    });
    this.#latency = new Histogram({
      name: `${PREFIX}_poll_duration_seconds`,
      help: "How long a poll of a group took",
      labelNames: DEVICE_LABELS,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#reconnects = new Counter({
      name: `${PREFIX}_reconnects_total`,
      help: "Times the runtime re-made the device's connection",
      labelNames: DEVICE_LABELS,
      registers,
    });
    this.#info = new Gauge({
      name: `${PREFIX}_device_info`,
      help: "Always 1: the device's identity as labels",
      labelNames: [...DEVICE_LABELS, "model_id", "manufacturer"],
      registers,
    });
    this.#queueDepth = new Gauge({
      name: `${PREFIX}_sink_queue_depth`,
      help: "Snapshots waiting in the sink's queue",
      labelNames: ["sink"],
      registers,
    });
    this.#queueDropped = new Counter({
      name: `${PREFIX}_sink_dropped_total`,
      help: "Snapshots the sink's queue dropped",
      labelNames: ["sink"],
      registers,
    });
    this.#queueFailed = new Counter({
      name: `${PREFIX}_sink_failed_total`,
      help: "Snapshots the sink failed to take",
      labelNames: ["sink"],
      registers,
    });
    for (const device of this.#devices.values()) {
      this.#info.set({
        device: device.id,
        serial: device.serial,
        model: device.model,
        model_id: device.modelId,
        manufacturer: device.manufacturer,
      }, 1);
    }
    try {
      this.#server = Deno.serve({
        hostname,
        port,
        onListen: () => {},
        handler: (request) => this.#handle(request),
      });
    } catch (error) {
      const why = error instanceof Deno.errors.AddrInUse
        ? "the address is in use (another sink or program listens there)"
        : error instanceof Error
        ? error.message
        : String(error);
      throw new ConfigError(
        "CONFIG_INVALID",
        `Cannot serve Prometheus sink '${name}' on ${options.listen ?? "127.0.0.1:9464"}: ${why}`,
        { path: `sinks.${name}.listen` },
        { cause: error },
      );
    }
  }

  /** The port served on (useful with port 0). */
  get port(): number {
    return this.#server.addr.port;
  }

  /** The host served on. */
  get hostname(): string {
    return this.#server.addr.hostname;
  }

  /**
   * Take a snapshot: its fields replace the group's previous values, its counters update the
   * health metrics.
   *
   * @param snapshot The snapshot.
   * @returns A resolved promise.
   */
  write(snapshot: Snapshot): Promise<void> {
    const device = this.#devices.get(snapshot.deviceId);
    const labels = {
      device: snapshot.deviceId,
      serial: device?.serial ?? "",
      model: device?.model ?? snapshot.profile,
    };
    const key = `${snapshot.deviceId}\u0000${groupOf(snapshot)}`;
    // The group's series are replaced by this snapshot's: a field it lacks (or a failed poll)
    // withdraws the old value instead of serving it as current.
    const previous = this.#series.get(key) ?? new Map<string, Series>();
    const current = new Map<string, Series>();
    for (const field of numericFields(snapshot)) {
      if (field.value === null) continue;
      const shape = metricShape(PREFIX, field);
      if (shape === null) continue;
      const value = field.value * shape.factor;
      if (shape.kind === "counter" && value < 0) continue;
      const fieldLabels: Record<string, string> = { ...labels, block: field.block };
      if (shape.field !== undefined) fieldLabels.field = shape.field;
      const id = `${shape.name}\u0000${field.block}\u0000${shape.field ?? ""}`;
      const text = previous.get(id)?.labels ?? labelText(fieldLabels);
      this.#values.set(shape.name, shape.help, shape.kind, text, value);
      current.set(id, { name: shape.name, labels: text });
    }
    for (const [id, series] of previous) {
      if (!current.has(id)) this.#values.remove(series.name, series.labels);
    }
    if (current.size > 0) this.#series.set(key, current);
    else this.#series.delete(key);
    const m = snapshot.metrics;
    this.#up.set(labels, m.consecutiveErrors === 0 && snapshot.ok ? 1 : 0);
    if (m.lastSuccess !== null) this.#lastSuccess.set(labels, Date.parse(m.lastSuccess) / 1000);
    for (const [result, count] of [["ok", m.ok], ["error", m.errors]] as const) {
      this.#polls.remove({ ...labels, result });
      this.#polls.inc({ ...labels, result }, count);
    }
    this.#reconnects.remove(labels);
    this.#reconnects.inc(labels, m.reconnects);
    for (const error of snapshot.errors) this.#pollErrors.inc({ ...labels, code: error.code });
    if (snapshot.mode === "pull" && m.lastLatencyMs !== null) {
      this.#latency.observe(labels, m.lastLatencyMs / 1000);
    }
    return Promise.resolve();
  }

  /**
   * The metrics as text, as a scrape would get them.
   *
   * @returns The exposition text.
   */
  async metrics(): Promise<string> {
    this.#refresh();
    const health = await this.#registry.metrics();
    const values = this.#values.render();
    return values === "" ? health : `${health.trimEnd()}\n\n${values}`;
  }

  /**
   * Nothing to make durable.
   *
   * @returns A resolved promise.
   */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Stop serving.
   *
   * @returns A promise that resolves once the server is closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#server.shutdown();
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== this.path) {
      return new Response(`Not found: metrics are at ${this.path}\n`, { status: 404 });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    try {
      const body = await this.metrics();
      return new Response(request.method === "HEAD" ? null : body, {
        headers: { "content-type": this.#registry.contentType },
      });
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return new Response(`Cannot render metrics: ${text}\n`, { status: 500 });
    }
  }

  #refresh(): void {
    if (this.#queues) {
      this.#queueDepth.reset();
      this.#queueDropped.reset();
      this.#queueFailed.reset();
      for (const [sink, counters] of Object.entries(this.#queues())) {
        this.#queueDepth.set({ sink }, counters.queued);
        this.#queueDropped.inc({ sink }, counters.dropped);
        this.#queueFailed.inc({ sink }, counters.failed);
      }
    }
  }
}
