import { basename } from "../../_shared/path.ts";
import type { DeviceProfile } from "../../device/profile.ts";
import { RuntimeRegistry } from "../runtime_registry.ts";
import type { ResolvedDevice } from "../types.ts";
import type { AdmissionOptions } from "../executor.ts";
import { positionIssues, sourceOf } from "./_source.ts";
import { ProfileFiles, profileFilesOf } from "./_profile_files.ts";
import { validateConfig } from "./_validate.ts";
import { ConfigValidationError } from "./config_validation_error.ts";
import type { RuntimeConfig } from "./runtime_config.ts";

/**
 * The queue in front of a sink, after defaults.
 *
 * @example The default queue
 * ```ts
 * import type { ResolvedSinkQueue } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const queue: ResolvedSinkQueue = { size: 1000, drop: "oldest" };
 * assert.equal(queue.drop, "oldest");
 * ```
 */
export interface ResolvedSinkQueue {
  /** Snapshots that may wait. */
  readonly size: number;
  /** Which snapshot a full queue drops. */
  readonly drop: "oldest" | "newest";
}

/**
 * A sink after defaults, told apart by `type`. `builtin` is true for the implicit `stdout` and
 * `memory` sinks (not redefined by the file).
 *
 * @example The built-in memory sink
 * ```ts
 * import type { ResolvedSinkConfig } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const sink: ResolvedSinkConfig = {
 *   name: "memory", type: "memory", builtin: true, size: 100, queue: { size: 1000, drop: "oldest" },
 * };
 * assert.equal(sink.type === "memory" ? sink.size : 0, 100);
 * ```
 */
export type ResolvedSinkConfig =
  | {
    readonly name: string;
    readonly type: "stdout";
    readonly builtin: boolean;
    readonly queue: ResolvedSinkQueue;
  }
  | {
    readonly name: string;
    readonly type: "memory";
    readonly builtin: boolean;
    /** Snapshots kept per device. */
    readonly size: number;
    readonly queue: ResolvedSinkQueue;
  }
  | {
    readonly name: string;
    readonly type: "jsonl";
    readonly builtin: boolean;
    /** The file (absolute when the configuration came from readRuntimeConfig). */
    readonly path: string;
    readonly queue: ResolvedSinkQueue;
  }
  | {
    readonly name: string;
    /** The raw frames of each poll, as `read --record` writes them (`decode --replay`). */
    readonly type: "record";
    readonly builtin: boolean;
    /** The capture file (absolute when the configuration came from readRuntimeConfig). */
    readonly path: string;
    readonly queue: ResolvedSinkQueue;
  }
  | {
    readonly name: string;
    readonly type: "composite";
    readonly builtin: boolean;
    /** The sinks every snapshot goes to; no cycles. */
    readonly sinks: readonly string[];
    readonly queue: ResolvedSinkQueue;
  }
  | {
    readonly name: string;
    /** An output sink (see `docs/runtime-yaml.md`). */
    readonly type: "mqtt" | "homeassistant" | "prometheus" | "influxdb";
    readonly builtin: boolean;
    /** Its options as validated, keys as written (snake_case), without `type` and `queue`. */
    readonly options: Readonly<Record<string, unknown>>;
    readonly queue: ResolvedSinkQueue;
  };

/**
 * A configuration as the runtime runs it: every device with precedence and defaults applied,
 * and every sink (the built-in `stdout` and `memory`, plus the file's).
 *
 * @example Devices and sinks
 * ```ts
 * import type { ResolvedRuntime } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const runtime: ResolvedRuntime = { devices: [], sinks: {} };
 * assert.equal(runtime.devices.length, 0);
 * ```
 */
export interface ResolvedRuntime {
  /** The devices, in file order. */
  readonly devices: readonly ResolvedDevice[];
  /** Every sink by name. */
  readonly sinks: Readonly<Record<string, ResolvedSinkConfig>>;
  /**
   * Admission by measured capacity from `limits.admission`: `false` off, thresholds in ms;
   * absent: the executor's defaults.
   */
  readonly admission?: AdmissionOptions | false;
}

/** Options of {@linkcode resolveRuntime}. */
export interface ResolveRuntimeOptions {
  /** Profiles `profile_id` is looked up in. @default {the profiles of the registry's plugins} */
  readonly profiles?: readonly DeviceProfile[];
  /**
   * The plugins and transports vendor, protocol, transport and opts are checked against.
   * @default {RuntimeRegistry.withBuiltins()}
   */
  readonly registry?: RuntimeRegistry;
}

/**
 * Apply the precedence and the built-in defaults to a configuration and check its
 * cross-references: pipelines, sinks, profiles and their groups exist, device ids and serials
 * are unique, composite sinks have no cycle, every device has a `device_sn`.
 *
 * Transport opts, key by key: device > pipeline `transport_opts` > `defaults.transport.opts` >
 * built-in. Group cadence: `devices[].groups` map value > device `poll_interval` > pipeline
 * `poll_interval` > `defaults.poll_interval` > the profile group's own. Groups: device `groups`
 * > `defaults.groups` (those the profile has) > all of the profile's. Sink: device > pipeline >
 * defaults > `stdout`. Writes: device `options.write_enabled` > `defaults.write_enabled` > false.
 *
 * A configuration from {@linkcode loadRuntimeConfig} keeps its file positions, so issues here
 * name file, line and column too; one built in code (or copied) is checked against the schema
 * first and its issues have no position.
 *
 * @param config The configuration.
 * @param options The profiles.
 * @returns The devices and sinks.
 * @throws {ConfigValidationError} with every issue.
 *
 * @example The seed configuration resolves with built-in defaults
 * ```ts
 * import { loadRuntimeConfig, resolveRuntime } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const text = `
 * version: 1
 * pipelines:
 *   bluetti_pull: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 }
 * defaults:
 *   poll_interval: 30
 * devices:
 *   - id: living_room_battery
 *     pipeline: bluetti_pull
 *     profile_id: EL100V2
 *     transport: { opts: { device_sn: "\${SN}" } }
 * `;
 * const config = loadRuntimeConfig(text, { file: "runtime.yaml", env: () => "2237000012345" });
 * const [device] = resolveRuntime(config).devices;
 * assert.equal(device?.transport.options.broker, "iot.bluettipower.com"); // the plugin's
 * assert.equal(device?.transport.options.port, 18760);
 * assert.equal(device?.sink, "stdout");
 * assert.ok(device?.groups.every((group) => group.intervalMs === 30_000));
 * ```
 */
export function resolveRuntime(
  config: RuntimeConfig,
  options: ResolveRuntimeOptions = {},
): ResolvedRuntime {
  const source = sourceOf(config);
  const registry = options.registry ?? RuntimeRegistry.withBuiltins();
  const result = validateConfig({
    data: config,
    ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
    registry,
    // The register maps read when the file was loaded, not read again.
    profileFiles: profileFilesOf(config) ?? new ProfileFiles(undefined, source?.file),
  });
  if (result.issues.length > 0 || result.resolved === undefined) {
    throw new ConfigValidationError(
      positionIssues(result.issues, source),
      source?.file === undefined ? {} : { file: source.file },
    );
  }
  return result.resolved;
}

/**
 * One row of the `--dry-run` table: what a device will do, as text. Never contains a
 * password: `transport` says `password set` or `password not set`.
 *
 * @example
 * ```ts
 * import type { ResolutionRow } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const row: ResolutionRow = {
 *   device: "garage", vendor: "bluetti", protocol: "v2", profile: "EL30V2",
 *   transport: "mqtt pull, framing rtu, sn 1, no cert, password not set",
 *   broker: "iot.bluettipower.com:18760", interval: "30 s", groups: "core, battery",
 *   sink: "stdout", writeEnabled: "no",
 * };
 * assert.equal(row.device, "garage");
 * ```
 */
export interface ResolutionRow {
  /** The device id, never truncated. */
  readonly device: string;
  /** Vendor (`bluetti`). */
  readonly vendor: string;
  /** Protocol (`v2`). */
  readonly protocol: string;
  /** Profile id; with the register-map file it came from: `ENERGY_METER (meter.yaml)`. */
  readonly profile: string;
  /** `mqtt pull, framing rtu, sn 2237000012345, cert station.p12, password set`. */
  readonly transport: string;
  /** Where the transport connects: `host:port` or `mqtts://host:port` for MQTT. */
  readonly broker: string;
  /** `30 s` when every group has that cadence, `10-60 s` otherwise, `push` for push. */
  readonly interval: string;
  /** Group names (with their cadence when they differ), `-` for push. */
  readonly groups: string;
  /** The sink's name. */
  readonly sink: string;
  /** `yes` or `no`. */
  readonly writeEnabled: string;
}

/**
 * Describe a resolution as rows for the `--dry-run` table: one per device, in order. The
 * certificate password is shown as `set` or `not set`, never its value.
 *
 * @param resolved What {@linkcode resolveRuntime} returned.
 * @param registry The transports that describe their options. @default {RuntimeRegistry.withBuiltins()}
 * @returns One row per device.
 *
 * @example The rows of the seed configuration
 * ```ts
 * import { describeResolution, loadRuntimeConfig, resolveRuntime } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const text = `
 * version: 1
 * pipelines: { bluetti_pull: { transport: mqtt, vendor: bluetti, protocol: v2 } }
 * defaults: { poll_interval: 30 }
 * devices:
 *   - id: living_room_battery
 *     pipeline: bluetti_pull
 *     profile_id: EL100V2
 *     transport: { opts: { device_sn: "2237000012345", cert_password: "\${PW}" } }
 * `;
 * const env = (name: string) => (name === "PW" ? "secret" : undefined);
 * const [row] = describeResolution(resolveRuntime(loadRuntimeConfig(text, { env })));
 * assert.equal(row?.device, "living_room_battery");
 * assert.equal(row?.broker, "iot.bluettipower.com:18760");
 * assert.equal(row?.interval, "30 s");
 * assert.equal(row?.transport, "mqtt pull, framing rtu, sn 2237000012345, no cert, password set");
 * assert.ok(!JSON.stringify(row).includes("secret"));
 * ```
 */
export function describeResolution(
  resolved: ResolvedRuntime,
  registry: RuntimeRegistry = RuntimeRegistry.withBuiltins(),
): ResolutionRow[] {
  return resolved.devices.map((device) => {
    const t = device.transport;
    const described = registry.transport(t.type).describe(t.options);
    const intervals = device.groups.map((g) => g.intervalMs);
    const min = Math.min(...intervals);
    const max = Math.max(...intervals);
    const uniform = min === max;
    const push = device.mode === "push";
    return {
      device: device.id,
      vendor: device.vendor,
      protocol: device.protocol,
      profile: device.profileFile === undefined
        ? device.profileId
        : `${device.profileId} (${basename(device.profileFile)})`,
      transport: [
        `${t.type} ${device.mode}`,
        `framing ${t.framing}`,
        ...described.details,
      ].join(", "),
      broker: described.endpoint,
      interval: push || intervals.length === 0
        ? "push"
        : uniform
        ? `${seconds(min)} s`
        : `${seconds(min)}-${seconds(max)} s`,
      groups: push ? "-" : device.groups
        .map((g) => (uniform ? g.name : `${g.name} ${seconds(g.intervalMs)} s`))
        .join(", "),
      sink: device.sink,
      writeEnabled: device.writeEnabled ? "yes" : "no",
    };
  });
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}
