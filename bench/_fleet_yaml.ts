// The runtime.yaml the benches poll a fleet with (bench/fleet.ts in-process and with --cli,
// bench/poll_allocation.ts): devices s0 … s<n-1> of one profile, reaching the stations
// `fleetSerial(profile, i)` through one broker, groups core, grid and battery, one sink.
import type { FleetPki } from "./_fleet_pki.ts";
import { fleetSerial } from "./_fleet_station_process.ts";

/** What varies between the benches' fleets. */
export interface FleetYamlOptions {
  /** How many devices. */
  readonly n: number;
  /** Their profile id. */
  readonly profile: string;
  /** `poll_interval` of every device, s; omitted: the runtime's default. */
  readonly intervalS?: number;
  /** The broker's port: plain at 127.0.0.1, or TLS at localhost with `pki`. */
  readonly port: number;
  /** TLS: the CA and every device's own bundle; null: plain. */
  readonly pki: FleetPki | null;
  /**
   * TLS: device `i`'s `cert_password` as written in the file (a `${VAR}` reference keeps it
   * out); default the password itself.
   */
  readonly password?: (i: number) => string;
  /** Plain: every device `share_connection: true`. */
  readonly shared?: boolean;
  /** Plain: `devices_per_connection`; null or omitted: the transport's default. */
  readonly perConnection?: number | null;
  /** The sink of every device: a jsonl file (sink `file`); omitted: memory (sink `bench`). */
  readonly jsonlPath?: string;
}

/** The runtime.yaml text, ending with a newline. */
export function fleetRuntimeYaml(o: FleetYamlOptions): string {
  const { pki } = o;
  const password = o.password ?? ((i: number) => pki!.password(i));
  const devices = Array.from(
    { length: o.n },
    (_, i) =>
      `  - { id: s${i}, pipeline: fleet, profile_id: ${o.profile}, transport: { opts: { device_sn: "${
        fleetSerial(o.profile, i)
      }"${
        pki === null ? "" : `, cert_file: "${pki.bundle(i)}", cert_password: "${password(i)}"`
      } } } }`,
  );
  const perConnection = o.perConnection ?? null;
  const transport = pki === null
    ? `{ broker: "mqtt://127.0.0.1", port: ${o.port}, allow_insecure: true${
      o.shared ? ", share_connection: true" : ""
    }${perConnection === null ? "" : `, devices_per_connection: ${perConnection}`} }`
    : `{ broker: "mqtts://localhost", port: ${o.port}, ca_file: "${pki.caCert}" }`;
  const sink = o.jsonlPath === undefined
    ? ["  sink: bench", "sinks: { bench: { type: memory, size: 1, queue: { size: 10000 } } }"]
    : ["  sink: file", `sinks: { file: { type: jsonl, path: "${o.jsonlPath}" } }`];
  return [
    "version: 1",
    "pipelines: { fleet: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 } }",
    "defaults:",
    sink[0],
    ...(o.intervalS === undefined ? [] : [`  poll_interval: ${o.intervalS}`]),
    "  groups: [core, grid, battery]",
    `  transport: { opts: ${transport} }`,
    sink[1],
    "devices:",
    ...devices,
    "",
  ].join("\n");
}
