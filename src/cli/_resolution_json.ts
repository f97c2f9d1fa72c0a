// One device of `runtime --dry-run --json`, as fields: in a module of its own, so that the
// redaction of the transport's options loads with --json only. Private to src/cli.
import type { ResolvedDevice } from "../runtime/types.ts";
import { RuntimeRegistry } from "../runtime/runtime_registry.ts";
import { redactDeep } from "../runtime/sinks/redact_deep.ts";

/**
 * One device of `--dry-run --json`, as fields: what the table says in words. The transport's
 * options are runtime.yaml's (snake_case, defaults and the plugin's filled in) with every secret
 * replaced by `[redacted]`: a certificate password is `[redacted]` when set, null when not.
 *
 * @example The row of a pull device
 * ```ts
 * import { resolutionJson } from "./_resolution_json.ts";
 * import { loadRuntimeConfig, resolveRuntime } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const text = `
 * version: 1
 * pipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }
 * devices:
 *   - { id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }
 * `;
 * const [device] = resolveRuntime(loadRuntimeConfig(text)).devices;
 * const row = resolutionJson(device!);
 * assert.equal(row.transport.options.port, 18760);
 * assert.equal(row.transport.endpoint, "iot.bluettipower.com:18760");
 * assert.deepEqual(row.intervalS, { min: 10, max: 30 });
 * assert.equal(row.transport.options.cert_password, null);
 * ```
 *
 * @param device A resolved device.
 * @param registry Where its transport is defined; default: every transport defined so far.
 * @returns The JSON object.
 */
export function resolutionJson(
  device: ResolvedDevice,
  registry: RuntimeRegistry = RuntimeRegistry.withBuiltins(),
): ResolutionJson {
  const t = device.transport;
  const intervals = device.groups.map((g) => g.intervalMs / 1000);
  const push = device.mode === "push" || intervals.length === 0;
  return {
    device: device.id,
    pipeline: device.pipeline,
    vendor: device.vendor,
    protocol: device.protocol,
    profile: device.profileId,
    ...(device.profileFile === undefined ? {} : { profileFile: device.profileFile }),
    mode: device.mode,
    transport: {
      type: t.type,
      framing: t.framing,
      endpoint: registry.transport(t.type).describe(t.options).endpoint,
      options: redactDeep(t.options) as Readonly<Record<string, unknown>>,
    },
    intervalS: push ? null : { min: Math.min(...intervals), max: Math.max(...intervals) },
    groups: push
      ? []
      : device.groups.map((g) => ({ name: g.name, intervalS: g.intervalMs / 1000 })),
    sink: device.sink,
    writeEnabled: device.writeEnabled,
  };
}

/**
 * The JSON shape of one device of `runtime --dry-run --json`.
 *
 * @example Read the broker of a row
 * ```ts
 * import type { ResolutionJson } from "./_resolution_json.ts";
 * import assert from "node:assert/strict";
 *
 * const broker = (row: ResolutionJson) => `${row.transport.options.broker}`;
 * assert.equal(typeof broker, "function");
 * ```
 */
export interface ResolutionJson {
  /** The device id. */
  readonly device: string;
  /** The pipeline it belongs to. */
  readonly pipeline: string;
  /** The vendor of its pipeline. */
  readonly vendor: string;
  /** The protocol of its pipeline. */
  readonly protocol: string;
  /** The profile id. */
  readonly profile: string;
  /** The register-map file the profile came from (`profile_file`), absolute; absent otherwise. */
  readonly profileFile?: string;
  /** `pull` (polled on a schedule) or `push` (listens to what the station sends). */
  readonly mode: "pull" | "push";
  /** Where and how it connects. */
  readonly transport: {
    /** The transport's name (`mqtt`). */
    readonly type: string;
    /** The envelope of the frames. */
    readonly framing: string;
    /** Where it connects, as the transport describes it (`host:port` for `mqtt`). */
    readonly endpoint: string;
    /** The transport's options as in runtime.yaml; secrets `[redacted]`, unset ones null. */
    readonly options: Readonly<Record<string, unknown>>;
  };
  /** Shortest and longest poll interval in seconds; null for a push device. */
  readonly intervalS: { readonly min: number; readonly max: number } | null;
  /** The groups it polls, with their interval in seconds; empty for a push device. */
  readonly groups: readonly { readonly name: string; readonly intervalS: number }[];
  /** The sink's name. */
  readonly sink: string;
  /** Whether writes are enabled. */
  readonly writeEnabled: boolean;
}
