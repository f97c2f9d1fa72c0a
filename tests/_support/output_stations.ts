/**
 * The set-up the output sink tests share: the two simulated stations they read (a write-enabled
 * Elite 100 V2 "garage" and an Elite 30 V2 "shed"), started on one broker, and the runtime.yaml
 * that polls them into one sink.
 *
 * @module
 */
import { SimulatedStation } from "../../testing.ts";

/** The garage: an Elite 100 V2 whose writes are enabled. */
export const GARAGE = { profile: "EL100V2", sn: "EL100V2042" } as const;
/** The shed: an Elite 30 V2, writes off. */
export const SHED = { profile: "EL30V2", sn: "EL30V2077" } as const;

/** Both devices, in the `devices:` list of a runtime.yaml (garage groups `core`, `battery`). */
export const TWO_DEVICES = `
  - id: garage
    pipeline: local
    profile_id: EL100V2
    groups: [core, battery]
    transport: { opts: { device_sn: EL100V2042 } }
    options: { write_enabled: true }
  - id: shed
    pipeline: local
    profile_id: EL30V2
    groups: [core]
    transport: { opts: { device_sn: EL30V2077 } }
`;

/**
 * A runtime.yaml whose devices reach their stations on a plain broker at 127.0.0.1:`port`, all
 * into the sink `out`.
 *
 * @param port The stations' broker port.
 * @param sink The sink's flow mapping (`{ type: mqtt, broker: "…" }`).
 * @param devices The `devices:` entries.
 * @returns The YAML.
 */
export function runtimeYaml(port: number, sink: string, devices: string = TWO_DEVICES): string {
  return `
version: 1
pipelines:
  local: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 }
defaults:
  sink: out
  transport: { opts: { broker: "mqtt://127.0.0.1", port: ${port}, allow_insecure: true } }
devices:
${devices}
sinks:
  out: ${sink}
`;
}

/** Simulated stations on one broker; disposing of it stops them all. */
export interface Stations extends AsyncDisposable {
  /** The station of a serial. */
  get(sn: string): SimulatedStation;
}

/**
 * Start simulated stations on a broker.
 *
 * @param brokerUrl The broker (`mqtt://127.0.0.1:<port>`).
 * @param specs Profile and serial of each (default: {@linkcode GARAGE} and {@linkcode SHED}).
 * @returns The running stations.
 */
export async function startStations(
  brokerUrl: string,
  specs: readonly { readonly profile: string; readonly sn: string }[] = [GARAGE, SHED],
): Promise<Stations> {
  const started = new Map<string, SimulatedStation>();
  const stopAll = async () => {
    await Promise.all([...started.values()].map((station) => station[Symbol.asyncDispose]()));
  };
  try {
    for (const spec of specs) {
      started.set(spec.sn, await SimulatedStation.start({ ...spec, brokerUrl }));
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    get(sn: string): SimulatedStation {
      const station = started.get(sn);
      if (!station) throw new RangeError(`No simulated station ${sn}`);
      return station;
    },
    [Symbol.asyncDispose]: stopAll,
  };
}
