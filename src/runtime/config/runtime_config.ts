/**
 * The shape of a `runtime.yaml` file once it was parsed, interpolated and validated by
 * {@linkcode loadRuntimeConfig}: the keys exactly as written in the file (snake_case), no
 * defaults filled in. {@linkcode resolveRuntime} applies the precedence and the defaults.
 *
 * | key | type | default | notes |
 * |---|---|---|---|
 * | `version` | `1` | required | the only version |
 * | `pipelines.<name>.mode` | `pull` \| `push` | `pull` | pull polls groups; push listens |
 * | `pipelines.<name>.transport` | a registered transport (`mqtt`) | required | its options are checked by its schema |
 * | `pipelines.<name>.vendor` | a registered plugin's vendor (`bluetti`) | required | the plugin must hold the profile |
 * | `pipelines.<name>.protocol` | that plugin's protocol (`v2`) | required | |
 * | `pipelines.<name>.poll_interval` | seconds, 0.1..86400 | - | cadence for its devices |
 * | `pipelines.<name>.transport_opts` | transport opts | - | see below |
 * | `pipelines.<name>.sink` | sink name | - | |
 * | `pipelines.<name>.profile_file` | register-map file | - | for its devices without a profile |
 * | `defaults.poll_interval` | seconds, 0.1..86400 | - | |
 * | `defaults.transport.opts` | transport opts | - | |
 * | `defaults.sink` | sink name | `stdout` | |
 * | `defaults.groups` | list of group names | all of the profile's | names a profile lacks are skipped for its devices |
 * | `defaults.write_enabled` | boolean | `false` | |
 * | `devices[].id` | `[A-Za-z0-9_.-]+` | required | unique |
 * | `devices[].pipeline` | pipeline name | required | must exist |
 * | `devices[].profile_id` | profile id, name or alias | required (or a `profile_file`) | must be known |
 * | `devices[].profile_file` | register-map file (YAML or JSON) | the pipeline's | relative to the file's folder; instead of `profile_id` |
 * | `devices[].transport.opts` | transport opts | - | |
 * | `devices[].poll_interval` | seconds, 0.1..86400 | - | |
 * | `devices[].groups` | list of names, or `{ name: seconds }` | `defaults.groups` | groups of the profile; pull only |
 * | `devices[].sink` | sink name | - | |
 * | `devices[].options.device_address` | integer 0..247 | the framing's | Modbus address |
 * | `devices[].options.protocol_version` | integer >= 0 | the profile's | |
 * | `devices[].options.write_enabled` | boolean | `defaults.write_enabled` | |
 * | `sinks.<name>.type` | `stdout` \| `memory` \| `jsonl` \| `record` \| `composite` \| `mqtt` \| `homeassistant` \| `prometheus` \| `influxdb` | required | output sinks: see `docs/runtime-yaml.md` |
 * | `sinks.<name>.size` | integer 1..1000000 | `100` | memory: snapshots kept per device |
 * | `sinks.<name>.path` | file path | required | jsonl, record; relative to the file's folder |
 * | `sinks.<name>.sinks` | list of sink names | required | composite; no cycles |
 * | `sinks.<name>.queue.size` | integer 1..1000000 | `1000` | snapshots waiting for the sink |
 * | `sinks.<name>.queue.drop` | `oldest` \| `newest` | `oldest` | which one a full queue drops |
 * | `limits.admission` | `true` \| `false` \| thresholds | `true` | admission by measured capacity: see `docs/scaling.md` |
 *
 * Transport opts (in `defaults.transport.opts`, `pipelines.<name>.transport_opts` and
 * `devices[].transport.opts`; each key on its own: device > pipeline > defaults > the
 * plugin's `transportDefaults` > the transport's own). Those of the `mqtt` transport, with the
 * defaults the BLUETTI V2 plugin gives:
 *
 * | key | type | default |
 * |---|---|---|
 * | `broker` | host, or `mqtt://host` / `mqtts://host` (no port, path or credentials) | the plugin's (`iot.bluettipower.com`) |
 * | `port` | integer 1..65535 | the plugin's (`18760`) |
 * | `device_sn` | serial number, no spaces, `+`, `#`, `/` or control characters | required in the end |
 * | `cert_file` | path of a PKCS#12 bundle, or null | null |
 * | `cert_password` | string, or null | null |
 * | `ca_file` | path of a PEM CA, or null | null |
 * | `framing` (every transport) | `rtu`, or a framing a plugin registered (`iot-v2`, `v1`) | the profile's `defaultFraming` |
 * | `topics.request` / `topics.response` | MQTT topic, `{sn}` = serial | the plugin's (`SUB/{sn}` / `PUB/{sn}`) |
 * | `keepalive` | seconds, integer 0..65535 | `60` |
 * | `allow_insecure` | boolean | `false` |
 *
 * Group cadence: `devices[].groups` map value > `devices[].poll_interval` >
 * `pipelines.<name>.poll_interval` > `defaults.poll_interval` > the profile group's own.
 * Sink: device > pipeline > defaults > `stdout`. See `docs/runtime-yaml.md`.
 *
 * @example The seed configuration, as data
 * ```ts
 * import type { RuntimeConfig } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const config: RuntimeConfig = {
 *   version: 1,
 *   pipelines: { bluetti_pull: { mode: "pull", transport: "mqtt", vendor: "bluetti", protocol: "v2" } },
 *   defaults: { poll_interval: 30, transport: { opts: { broker: "iot.bluettipower.com", port: 18760 } } },
 *   devices: [{
 *     id: "living_room_battery",
 *     pipeline: "bluetti_pull",
 *     profile_id: "EL100V2",
 *     transport: { opts: { device_sn: "2237000012345", cert_password: "secret" } },
 *   }],
 * };
 * assert.equal(config.devices.length, 1);
 * ```
 */
export interface RuntimeConfig {
  /** Format version; only `1` exists. */
  readonly version: 1;
  /** Named pipelines: how a kind of station is reached and spoken to. */
  readonly pipelines: Readonly<Record<string, RuntimePipelineConfig>>;
  /** Values every device inherits unless its pipeline or itself says otherwise. */
  readonly defaults?: RuntimeDefaultsConfig;
  /** The stations, at least one. */
  readonly devices: readonly RuntimeDeviceConfig[];
  /** Named sinks, besides the built-in `stdout` and `memory`. */
  readonly sinks?: Readonly<Record<string, RuntimeSinkConfig>>;
  /** Limits of the process as a whole. */
  readonly limits?: RuntimeLimitsConfig;
}

/**
 * The `limits` section of a {@linkcode RuntimeConfig}.
 *
 * @example Turn admission by measured capacity off
 * ```ts
 * import type { RuntimeLimitsConfig } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const limits: RuntimeLimitsConfig = { admission: false };
 * assert.equal(limits.admission, false);
 * ```
 */
export interface RuntimeLimitsConfig {
  /**
   * Admission by measured capacity: `false` turns it off, `true` keeps the defaults, a mapping
   * sets thresholds (durations in seconds). See `docs/scaling.md`.
   *
   * @default {true}
   */
  readonly admission?: boolean | RuntimeAdmissionConfig;
}

/**
 * The thresholds of admission by measured capacity in `limits.admission` (seconds).
 *
 * @example Judge every 2 s; a poll 0.5 s late is late
 * ```ts
 * import type { RuntimeAdmissionConfig } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const admission: RuntimeAdmissionConfig = { window: 2, late_after: 0.5 };
 * assert.equal(admission.window, 2);
 * ```
 */
export interface RuntimeAdmissionConfig {
  /** A poll starting this many seconds after it was due is late. */
  readonly late_after?: number;
  /** More than this share of late polls in a window is over capacity. @default {0.05} */
  readonly late_share?: number;
  /** Seconds between two judgements. */
  readonly window?: number;
  /** Windows over capacity in a row before devices are held back. @default {3} */
  readonly over_windows?: number;
  /** Connected devices held back per step; 0: automatic. @default {0} */
  readonly shed_step?: number;
  /** Seconds of headroom before a held-back device is admitted again. */
  readonly admit_after?: number;
}

/**
 * One pipeline of a {@linkcode RuntimeConfig}: transport, vendor and protocol of its devices.
 *
 * @example A pull pipeline that polls every 10 s
 * ```ts
 * import type { RuntimePipelineConfig } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const pipeline: RuntimePipelineConfig = { transport: "mqtt", vendor: "bluetti", protocol: "v2", poll_interval: 10 };
 * assert.equal(pipeline.mode, undefined); // pull by default
 * ```
 */
export interface RuntimePipelineConfig {
  /** `pull` polls groups on their cadence; `push` listens. @default {"pull"} */
  readonly mode?: "pull" | "push";
  /** A registered transport's name (`mqtt`). */
  readonly transport: string;
  /** A registered plugin's vendor (`bluetti`). */
  readonly vendor: string;
  /** That plugin's protocol (`v2`). */
  readonly protocol: string;
  /** Seconds between polls of its devices' groups. */
  readonly poll_interval?: number;
  /** Transport options of its devices (below the device's own, above the defaults). */
  readonly transport_opts?: RuntimeTransportOpts;
  /** Sink of its devices. */
  readonly sink?: string;
  /** The register-map file of its devices that name neither `profile_id` nor `profile_file`. */
  readonly profile_file?: string;
}

/**
 * The `defaults` section of a {@linkcode RuntimeConfig}.
 *
 * @example Poll every 30 s, write to a file sink
 * ```ts
 * import type { RuntimeDefaultsConfig } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const defaults: RuntimeDefaultsConfig = { poll_interval: 30, sink: "file" };
 * assert.equal(defaults.poll_interval, 30);
 * ```
 */
export interface RuntimeDefaultsConfig {
  /** Seconds between polls. */
  readonly poll_interval?: number;
  /** Transport options every device inherits. */
  readonly transport?: { readonly opts?: RuntimeTransportOpts };
  /** Sink. @default {"stdout"} */
  readonly sink?: string;
  /** Groups polled when a device does not list its own. @default {all of the profile's} */
  readonly groups?: readonly string[];
  /** Writes allowed. @default {false} */
  readonly write_enabled?: boolean;
}

/**
 * One entry of `devices` in a {@linkcode RuntimeConfig}.
 *
 * @example A device polling two groups at their own cadence
 * ```ts
 * import type { RuntimeDeviceConfig } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const device: RuntimeDeviceConfig = {
 *   id: "garage",
 *   pipeline: "bluetti_pull",
 *   profile_id: "EL30V2",
 *   groups: { core: 10, battery: 60 },
 * };
 * assert.equal(device.id, "garage");
 * ```
 */
export interface RuntimeDeviceConfig {
  /** Unique id, `[A-Za-z0-9_.-]+`. */
  readonly id: string;
  /** The pipeline's name. */
  readonly pipeline: string;
  /**
   * A profile id, name or alias (`EL100V2`, `Elite 100 V2`). Required unless `profile_file`
   * (here or on the pipeline) names a register map.
   */
  readonly profile_id?: string;
  /**
   * A register-map file (YAML or JSON) describing the device, relative to the configuration
   * file's folder; instead of `profile_id`. The pipeline's plugin must take register maps.
   */
  readonly profile_file?: string;
  /** Transport options of this device (highest precedence). */
  readonly transport?: { readonly opts?: RuntimeTransportOpts };
  /** Seconds between polls of its groups. */
  readonly poll_interval?: number;
  /** Groups polled: names, or names with their own seconds. */
  readonly groups?: readonly string[] | Readonly<Record<string, number>>;
  /** Sink. */
  readonly sink?: string;
  /** Station options. */
  readonly options?: RuntimeDeviceOptions;
}

/**
 * `devices[].options` of a {@linkcode RuntimeConfig}.
 *
 * @example Address 1, writes on
 * ```ts
 * import type { RuntimeDeviceOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const options: RuntimeDeviceOptions = { device_address: 1, write_enabled: true };
 * assert.equal(options.device_address, 1);
 * ```
 */
export interface RuntimeDeviceOptions {
  /** Modbus device address 0..247. @default {the framing's default} */
  readonly device_address?: number;
  /** The station's protocol version. @default {the profile's} */
  readonly protocol_version?: number;
  /** Writes allowed for this device. @default {defaults.write_enabled, else false} */
  readonly write_enabled?: boolean;
}

/**
 * Transport options, at any of the three levels (device > pipeline > defaults > the plugin's >
 * the transport's own, each key on its own; nested mappings such as `topics` key by key too).
 * `framing` is common to every transport; the other keys are the transport's own, checked by
 * its schema (the `mqtt` transport's: {@linkcode MqttTransportOptions}).
 *
 * @example The cloud broker with a PKCS#12 bundle
 * ```ts
 * import type { RuntimeTransportOpts } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const opts: RuntimeTransportOpts = { device_sn: "2237000012345", cert_file: "station.p12" };
 * assert.equal(opts.port, undefined); // the plugin's after resolution
 * ```
 */
export interface RuntimeTransportOpts {
  /** Payload framing (`rtu`, or one a plugin registered). @default {the profile's defaultFraming} */
  readonly framing?: string;
  /** The transport's own options. */
  readonly [option: string]: unknown;
}

/**
 * A bounded queue in front of a sink.
 *
 * @example Keep the newest 500
 * ```ts
 * import type { RuntimeQueueConfig } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const queue: RuntimeQueueConfig = { size: 500, drop: "oldest" };
 * assert.equal(queue.size, 500);
 * ```
 */
export interface RuntimeQueueConfig {
  /** Snapshots that may wait, 1..1000000. @default {1000} */
  readonly size?: number;
  /** Which snapshot a full queue drops. @default {"oldest"} */
  readonly drop?: "oldest" | "newest";
}

/**
 * One entry of `sinks` in a {@linkcode RuntimeConfig}, told apart by `type`.
 *
 * @example A JSON Lines file and a composite of it and stdout
 * ```ts
 * import type { RuntimeSinkConfig } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const sinks: Record<string, RuntimeSinkConfig> = {
 *   file: { type: "jsonl", path: "data/snapshots.jsonl" },
 *   both: { type: "composite", sinks: ["file", "stdout"] },
 * };
 * assert.equal(sinks.both?.type, "composite");
 * ```
 */
export type RuntimeSinkConfig =
  | { readonly type: "stdout"; readonly queue?: RuntimeQueueConfig }
  | { readonly type: "memory"; readonly size?: number; readonly queue?: RuntimeQueueConfig }
  | { readonly type: "jsonl"; readonly path: string; readonly queue?: RuntimeQueueConfig }
  | { readonly type: "record"; readonly path: string; readonly queue?: RuntimeQueueConfig }
  | {
    readonly type: "composite";
    readonly sinks: readonly string[];
    readonly queue?: RuntimeQueueConfig;
  }
  | {
    /** An output sink; its options as written (see `docs/runtime-yaml.md`). */
    readonly type: "mqtt" | "homeassistant" | "prometheus" | "influxdb";
    readonly queue?: RuntimeQueueConfig;
    readonly [option: string]: unknown;
  };
