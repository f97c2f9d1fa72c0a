// The built-in example of `power-sdk demo`: a runtime.yaml for three simulated stations on the
// embedded broker, and the faults each station is started with. Private to src/cli.
import { DEFAULT_PLUGIN } from "../plugins/builtin.ts";

/** The variable the demo configuration takes the embedded broker's port from. */
export const DEMO_PORT_VARIABLE = "DEMO_BROKER_PORT";

/**
 * The demo's runtime.yaml: one station of each model of the default plugin on the embedded
 * broker (plain MQTT on 127.0.0.1, hence `allow_insecure`), short cadences, every snapshot to
 * the `stdout` sink. The pipeline's vendor and protocol are the default plugin's. The stations
 * are started from what it resolves to (profile, serial, framing).
 *
 * @example It resolves to three devices on the given port
 * ```ts
 * import { DEMO_CONFIG, DEMO_PORT_VARIABLE } from "./_demo_config.ts";
 * import { loadRuntimeConfig, resolveRuntime } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const env = (name: string) => (name === DEMO_PORT_VARIABLE ? "1883" : undefined);
 * const { devices } = resolveRuntime(loadRuntimeConfig(DEMO_CONFIG, { env }));
 * assert.deepEqual(devices.map((d) => d.profileId), ["EL30V2", "EL100V2", "ELITE200V2"]);
 * assert.ok(devices.every((d) => d.transport.options.port === 1883 && d.sink === "stdout"));
 * ```
 */
export const DEMO_CONFIG = `# power-sdk demo: three simulated stations on the embedded broker.
version: 1

pipelines:
  demo:
    mode: pull
    transport: mqtt
    vendor: ${DEFAULT_PLUGIN.vendor}
    protocol: ${DEFAULT_PLUGIN.protocol}
    poll_interval: 5
    sink: stdout
    transport_opts:
      broker: "mqtt://127.0.0.1"
      port: "\${${DEMO_PORT_VARIABLE}}"
      allow_insecure: true # plain MQTT to the embedded broker on this machine

devices:
  - id: garage
    pipeline: demo
    profile_id: EL30V2
    groups: { core: 2, battery: 5 }
    transport: { opts: { device_sn: "EL30V2DEMO0001" } }
  - id: living_room
    pipeline: demo
    profile_id: EL100V2
    groups: { core: 2, grid: 4, battery: 5 }
    transport: { opts: { device_sn: "EL100V2DEMO0002" } }
  - id: cabin
    pipeline: demo
    profile_id: ELITE200V2
    groups: { core: 3, battery: 5 }
    transport: { opts: { device_sn: "ELITE200V2DEMO0003", framing: iot-v2 } }
`;

/**
 * The faults of the demo's stations, by device id (the station of a device not listed
 * behaves): a bad CRC now and then, a reply lost or a Modbus exception now and then, so that
 * error snapshots show next to good ones.
 *
 * @example Every entry is a device of the demo configuration
 * ```ts
 * import { DEMO_CONFIG, DEMO_FAULTS } from "./_demo_config.ts";
 * import assert from "node:assert/strict";
 *
 * for (const id of Object.keys(DEMO_FAULTS)) assert.match(DEMO_CONFIG, new RegExp(`- id: ${id}\\n`));
 * ```
 */
export const DEMO_FAULTS: Readonly<Record<string, string>> = Object.freeze({
  living_room: "crc:0.1",
  cabin: "silent:0.05,exception:0.05",
});

/**
 * Time allowed for each reply in the demo, ms: the stations are on this machine, so a lost
 * reply is noticed quickly.
 */
export const DEMO_TIMEOUT_MS = 1_000;
