/**
 * Shared types of the runtime: what a poll produces (a {@linkcode Snapshot}), where snapshots
 * go (a {@linkcode Sink}), and a device as the runtime runs it after configuration was
 * resolved ({@linkcode ResolvedDevice}).
 *
 * @module
 */
import type { ProtocolPlugin } from "../plugin/plugin.ts";

/** One block of a snapshot: the decoded values, secrets already redacted. */
export interface SnapshotBlock {
  /** Block id. */
  readonly blockId: number;
  /** Block name. */
  readonly name: string;
  /** Field name -> value (groups nested). */
  readonly values: Readonly<Record<string, unknown>>;
  /** Field path -> unit. */
  readonly units: Readonly<Record<string, string>>;
  /** Decode and plausibility warnings. */
  readonly warnings: readonly string[];
  /**
   * Present (true) when a value cannot be true: the block is shown but was not merged and the
   * snapshot is not ok (docs/reliability.md).
   */
  readonly suspect?: true;
}

/** One failure inside a snapshot. */
export interface SnapshotError {
  /** The block, when the failure concerns one. */
  readonly blockId: number | null;
  /** The stable error code (`TRANSPORT_TIMEOUT`, `PROTOCOL_CRC`, ...). */
  readonly code: string;
  /** What failed. */
  readonly message: string;
}

/** The counters of one device, as of a snapshot. */
export interface DeviceMetrics {
  /** Polls (or pushes) that produced at least one block and no error. */
  readonly ok: number;
  /** Polls with at least one error. */
  readonly errors: number;
  /** Errors in a row, 0 after a success. */
  readonly consecutiveErrors: number;
  /** When the last successful poll ended (ISO 8601), or null. */
  readonly lastSuccess: string | null;
  /** Times the device's connection was re-made by the runtime. */
  readonly reconnects: number;
  /** Snapshots a full sink queue dropped. */
  readonly droppedSnapshots: number;
  /** Duration of the last poll, ms, or null. */
  readonly lastLatencyMs: number | null;
  /** How late the last poll started against its schedule, ms, or null. */
  readonly lastLatenessMs: number | null;
  /**
   * Polls not made because the group's previous poll was still queued or running when the
   * group came due again; each gets an error snapshot (`POLL_SKIPPED`) when its timeout
   * expires, except while the device waits for its connection (counted only). Always set by
   * the runtime. @default {0}
   */
  readonly skippedPolls?: number;
  /**
   * Polls that waited behind another request to the station (one request in flight per
   * station) until their timeout expired; each got an error snapshot (`POLL_MISSED`) then
   * and was dropped. Always set by the runtime. @default {0}
   */
  readonly missedPolls?: number;
}

/** What one poll of a group (or one push) of one device produced. */
export interface Snapshot {
  /** The device's id from the configuration. */
  readonly deviceId: string;
  /** The profile id. */
  readonly profile: string;
  /** `pull` for a poll, `push` for an unsolicited frame. */
  readonly mode: "pull" | "push";
  /** The group polled; null for a push. */
  readonly group: string | null;
  /** When the poll ended (ISO 8601). */
  readonly at: string;
  /** True when every block was read and none is suspect: never true with zero blocks. */
  readonly ok: boolean;
  /** The blocks read. */
  readonly blocks: readonly SnapshotBlock[];
  /** What failed. */
  readonly errors: readonly SnapshotError[];
  /** The device's counters after this poll. */
  readonly metrics: DeviceMetrics;
}

/**
 * Where snapshots go. `write` is awaited one snapshot at a time per sink; a sink that throws
 * does not stop the runtime or other sinks (the error is counted and logged).
 */
export interface Sink {
  /** The sink's name from the configuration. */
  readonly name: string;
  /**
   * Take one snapshot.
   *
   * @throws when the snapshot could not be stored; the runtime counts it and goes on.
   */
  write(snapshot: Snapshot): Promise<void>;
  /**
   * Take several snapshots at once, in order (optional). A sink that can store many as cheaply
   * as one (one file write for many lines) offers it; its queue then hands over everything that
   * waited while the previous write ran, instead of one snapshot per call.
   *
   * @throws when the snapshots could not be stored; the runtime counts each and goes on.
   */
  writeMany?(snapshots: readonly Snapshot[]): Promise<void>;
  /** Make everything written so far durable (called on shutdown). */
  flush(): Promise<void>;
  /** Release resources; no write follows. */
  close(): Promise<void>;
}

/**
 * How a device connects, after precedence and interpolation: the transport's name, the payload
 * framing and the transport's own options (device > pipeline > defaults > the plugin's
 * `transportDefaults` > the transport's `defaults`), checked by the transport's schema.
 *
 * @example An MQTT device
 * ```ts
 * import type { ResolvedTransport } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const transport: ResolvedTransport = {
 *   type: "mqtt",
 *   framing: "rtu",
 *   options: { broker: "localhost", port: 1883, device_sn: "S1" },
 * };
 * assert.equal(transport.options.device_sn, "S1");
 * ```
 */
export interface ResolvedTransport {
  /** Transport name (`mqtt`). */
  readonly type: string;
  /** Payload framing (`rtu`, or one a plugin registered). */
  readonly framing: string;
  /** The transport's options, snake_case as in runtime.yaml (secrets included: never print them). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** One group a device polls, at its cadence. */
export interface ResolvedGroup {
  /** Group name from the profile. */
  readonly name: string;
  /** Milliseconds between polls. */
  readonly intervalMs: number;
}

/** A device as the runtime runs it. */
export interface ResolvedDevice {
  /** Unique id from the configuration. */
  readonly id: string;
  /** The pipeline's name. */
  readonly pipeline: string;
  /** `pull` polls groups on their cadence; `push` listens to what the station sends. */
  readonly mode: "pull" | "push";
  /** Vendor (`bluetti`). */
  readonly vendor: string;
  /** Protocol (`v2`). */
  readonly protocol: string;
  /** Profile id (`EL100V2`). */
  readonly profileId: string;
  /** The connection. */
  readonly transport: ResolvedTransport;
  /** The groups polled (pull mode). */
  readonly groups: readonly ResolvedGroup[];
  /** The sink's name. */
  readonly sink: string;
  /** Modbus device address, or null for the framing's default. */
  readonly deviceAddress: number | null;
  /** Station protocol version, or null when unknown. */
  readonly protocolVersion: number | null;
  /** Writes allowed for this device. */
  readonly writeEnabled: boolean;
  /**
   * The register-map file its profile came from (runtime.yaml's `profile_file`; absolute when
   * the configuration was read from a file). Unset: a profile of the plugin.
   */
  readonly profileFile?: string;
  /**
   * With `profileFile`: the pipeline's plugin holding that one profile (vendor and protocol
   * as the pipeline's). Unset: the registry's plugin of `vendor` and `protocol`.
   */
  readonly plugin?: ProtocolPlugin;
}
