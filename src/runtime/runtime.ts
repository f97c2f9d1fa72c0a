/**
 * The runtime as one object: from a resolved configuration to running stations - sinks built
 * and put behind bounded queues, the executor started, and a graceful stop that stops polling,
 * flushes the sinks and closes every connection.
 *
 * @module
 */
import { CompositeSink } from "./sinks/composite_sink.ts";
import { JsonlSink } from "./sinks/jsonl_sink.ts";
import { RecordSink } from "./sinks/record_sink.ts";
import { MemorySink } from "./sinks/memory_sink.ts";
import { SinkQueue, type SinkQueueCounters } from "./sinks/sink_queue.ts";
import { StdoutSink } from "./sinks/stdout_sink.ts";
import type { ResolvedRuntime, ResolvedSinkConfig } from "./config/resolve.ts";
import { type AdmissionStats, Executor, type ExecutorOptions } from "./executor.ts";
import type { DeviceMetrics, Sink, Snapshot } from "./types.ts";
import type { DeviceIdentity } from "../device/device_state.ts";
import { createOutputSink, isOutputSink } from "./_output_sinks.ts";
import { describeOutputDevice } from "./describe_output_device.ts";
import { RuntimeRegistry } from "./runtime_registry.ts";
import type {
  ControlWriteResult,
  DeviceController,
  OutputDevice,
  SinkContext,
} from "./sinks/output_device.ts";

/** Options of a {@linkcode Runtime}: the executor's, plus how the built-in sinks write. */
export interface RuntimeOptions extends Omit<ExecutorOptions, "devices" | "sinks"> {
  /** Where the `stdout` sink writes its lines. @default {standard output} */
  readonly stdoutWriter?: (line: string) => void;
  /** Called when a sink fails to take a snapshot (the runtime goes on). */
  readonly onSinkError?: (sink: string, error: unknown) => void;
}

/** Counters of the runtime. */
export interface RuntimeMetrics {
  /** Per device. */
  readonly devices: Readonly<Record<string, DeviceMetrics>>;
  /** Per sink queue (the sinks devices write to). */
  readonly sinks: Readonly<Record<string, SinkQueueCounters>>;
}

/**
 * Many stations from a resolved runtime.yaml.
 *
 * @example A station on the embedded broker, one cycle into the memory sink
 * ```ts
 * import { loadRuntimeConfig, resolveRuntime, Runtime } from "@power-sdk/sdk";
 * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * await using broker = await EmbeddedBroker.start();
 * await using _station = await SimulatedStation.start({ profile: "EL30V2", sn: "EL30V2042", brokerUrl: broker.url });
 * const yaml = `
 * version: 1
 * pipelines: { local: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 } }
 * defaults: { sink: memory, transport: { opts: { broker: "mqtt://127.0.0.1", port: ${broker.port}, allow_insecure: true } } }
 * devices:
 *   - { id: garage, pipeline: local, profile_id: EL30V2, transport: { opts: { device_sn: EL30V2042 } } }
 * `;
 * const runtime = new Runtime(resolveRuntime(loadRuntimeConfig(yaml)));
 * const snapshots = await runtime.runOnce();
 * await runtime.stop();
 * assert.ok(snapshots.length > 0 && snapshots.every((s) => s.ok));
 * assert.ok(runtime.memory("memory")?.latest("garage"));
 * ```
 */
export class Runtime implements AsyncDisposable, DeviceController {
  #executor: Executor;
  #queues = new Map<string, SinkQueue>();
  #sinks = new Map<string, Sink>();
  #stopping: Promise<void> | null = null;

  /**
   * Build the sinks the devices use (composites with their children), a bounded queue in
   * front of each, and the executor. Nothing connects until `start` or `runOnce`.
   *
   * @param resolved The resolved configuration.
   * @param options Executor options and sink wiring.
   * @throws {ConfigError} for an unknown plugin, transport, profile or sink.
   */
  constructor(resolved: ResolvedRuntime, options: RuntimeOptions = {}) {
    const registry = options.registry ?? RuntimeRegistry.withBuiltins();
    const outputDevices = new Map<string, OutputDevice>();
    const devicesOf = (sinkName: string): OutputDevice[] =>
      resolved.devices.filter((d) => reaches(resolved, d.sink, sinkName)).map((d) => {
        let described = outputDevices.get(d.id);
        if (!described) outputDevices.set(d.id, described = describeOutputDevice(d, registry));
        return described;
      });
    const build = (name: string, seen: readonly string[]): Sink => {
      const existing = this.#sinks.get(name);
      if (existing) return existing;
      const config: ResolvedSinkConfig | undefined = resolved.sinks[name];
      if (!config) throw new TypeError(`No sink named '${name}'`);
      if (seen.includes(name)) {
        throw new TypeError(`Sink cycle: ${[...seen, name].join(" \u2192 ")}`);
      }
      const sink = isOutputSink(config)
        ? createOutputSink(config, this.#sinkContext(devicesOf(name)), {
          onError: (sinkName, error) => options.onSinkError?.(sinkName, error),
        })
        : createSink(config, (child) => build(child, [...seen, name]), options);
      this.#sinks.set(name, sink);
      return sink;
    };
    const targets: Record<string, SinkQueue> = {};
    for (const name of new Set(resolved.devices.map((d) => d.sink))) {
      const config = resolved.sinks[name];
      const queue = new SinkQueue(build(name, []), {
        size: config?.queue.size ?? 1000,
        drop: config?.queue.drop ?? "oldest",
        onError: (error) => options.onSinkError?.(name, error),
      });
      this.#queues.set(name, queue);
      targets[name] = queue;
    }
    // Raw frames are kept only for the devices whose snapshots reach a record sink.
    const recorders = Object.values(resolved.sinks).filter((s) => s.type === "record");
    const recordFrames = new Set(
      resolved.devices.filter((d) => recorders.some((r) => reaches(resolved, d.sink, r.name)))
        .map((d) => d.id),
    );
    // Admission from runtime.yaml (`limits.admission`) unless the options say otherwise.
    const admission = options.admission ?? resolved.admission;
    this.#executor = new Executor({
      ...options,
      ...(admission === undefined ? {} : { admission }),
      registry,
      devices: resolved.devices,
      sinks: targets,
      recordFrames,
    });
  }

  #sinkContext(devices: readonly OutputDevice[]): SinkContext {
    return {
      devices,
      controller: this,
      identity: (deviceId) => this.#executor.identity(deviceId),
      queues: () => Object.fromEntries([...this.#queues].map(([name, q]) => [name, q.counters])),
    };
  }

  /**
   * Write a control of a device through its write gates (between its polls) and read it back;
   * the path Home Assistant commands take.
   *
   * @param deviceId The device's id.
   * @param control The control's name (`ac_output`).
   * @param value `on`/`off`, a label, or a number.
   * @returns The read-back (as a label when the control has labels).
   * @throws {ConfigError} for an unknown device; {WriteError} when a gate refuses;
   * {TransportError} or {ProtocolError} when the exchange fails.
   */
  writeControl(
    deviceId: string,
    control: string,
    value: string | number,
  ): Promise<ControlWriteResult> {
    return this.#executor.writeControl(deviceId, control, value);
  }

  /**
   * Read the current value of a device's controls (between its polls); the path Home
   * Assistant's control entities get their state from before any command.
   *
   * @param deviceId The device's id.
   * @param controls The controls' names (`ac_output`).
   * @returns Control -> value (a label for switch/enum controls); a control whose value
   * matches none of its labels is left out.
   * @throws {ConfigError} for an unknown device; {TransportError} or {ProtocolError} when a
   * read fails.
   */
  readControls(
    deviceId: string,
    controls: readonly string[],
  ): Promise<Record<string, string | number>> {
    return this.#executor.readControls(deviceId, controls);
  }

  /**
   * Who a device is, as its plugin's identity extraction found it in the blocks read so far
   * (firmware versions by module among them).
   *
   * @param deviceId The device's id.
   * @returns Model, serial, firmware and protocol version; null for an unknown device or
   * before its first read.
   */
  identity(deviceId: string): DeviceIdentity | null {
    return this.#executor.identity(deviceId);
  }

  /** The device ids. */
  get deviceIds(): string[] {
    return this.#executor.deviceIds;
  }

  /** Start every device; returns at once. */
  start(): void {
    this.#executor.start();
  }

  /**
   * One poll cycle of every pull device; waits until the sinks have taken the snapshots.
   *
   * @returns The snapshots.
   */
  async runOnce(): Promise<Snapshot[]> {
    const snapshots = await this.#executor.runOnce();
    await Promise.all([...this.#queues.values()].map((q) => q.drain()));
    return snapshots;
  }

  /**
   * A memory sink by name, to read what it holds.
   *
   * @param name The sink's name.
   * @returns The sink, or undefined when it is not a memory sink in use.
   */
  memory(name: string): MemorySink | undefined {
    const sink = this.#sinks.get(name);
    return sink instanceof MemorySink ? sink : undefined;
  }

  /**
   * A sink by name, as built from the configuration (to ask a Prometheus sink for its port,
   * for example).
   *
   * @param name The sink's name.
   * @returns The sink, or undefined when no device uses it.
   */
  sink(name: string): Sink | undefined {
    return this.#sinks.get(name);
  }

  /**
   * The counters of every device and sink queue.
   *
   * @returns The metrics.
   */
  metrics(): RuntimeMetrics {
    return {
      devices: this.#executor.metrics(),
      sinks: Object.fromEntries([...this.#queues].map(([name, q]) => [name, q.counters])),
    };
  }

  /**
   * Admission by measured capacity: devices admitted and held back now, the most held back at
   * once, the due polls of held-back devices skipped (see `docs/scaling.md`).
   *
   * @returns The counters; all zeros when admission is off.
   */
  admission(): AdmissionStats {
    return this.#executor.admission();
  }

  /**
   * Graceful stop: stop polling (running polls get `deadlineMs` to finish), close every
   * connection, then drain, flush and close the sinks.
   *
   * @param deadlineMs Longest wait for running polls and for draining. @default {3000}
   */
  stop(deadlineMs = 3_000): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#executor.stop(deadlineMs);
      await Promise.all([...this.#queues.values()].map((q) => q.close({ deadlineMs })));
      // Sinks only reachable through a composite were flushed and closed by it.
    })();
    return this.#stopping;
  }

  /** Same as {@linkcode Runtime.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Whether snapshots sent to sink `from` reach sink `to` (itself, or through composites). */
function reaches(
  resolved: ResolvedRuntime,
  from: string,
  to: string,
  seen = new Set<string>(),
): boolean {
  if (from === to) return true;
  if (seen.has(from)) return false;
  seen.add(from);
  const config = resolved.sinks[from];
  return config?.type === "composite" &&
    config.sinks.some((child) => reaches(resolved, child, to, seen));
}

function createSink(
  config: Exclude<ResolvedSinkConfig, { readonly options: unknown }>,
  child: (name: string) => Sink,
  options: RuntimeOptions,
): Sink {
  switch (config.type) {
    case "stdout":
      return new StdoutSink(
        config.name,
        options.stdoutWriter ? { writer: options.stdoutWriter } : {},
      );
    case "memory":
      return new MemorySink(config.name, { size: config.size });
    case "jsonl":
      return new JsonlSink(config.name, { path: config.path });
    case "record":
      return new RecordSink(config.name, { path: config.path });
    case "composite":
      return new CompositeSink(config.name, config.sinks.map(child), {
        onError: (sink, error) => options.onSinkError?.(sink.name, error),
      });
  }
}
