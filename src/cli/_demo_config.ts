// The built-in example of `power-sdk demo`: a runtime.yaml for three simulated stations on the
// embedded broker, and the faults each station is started with. Private to src/cli.
import { BUILTIN_PLUGINS, DEFAULT_PLUGIN } from "../plugins/builtin.ts";
import { MBAP_FRAMING } from "../protocol/mbap_framing.ts";

/** The variable the demo configuration takes the embedded broker's port from. */
export const DEMO_PORT_VARIABLE = "DEMO_BROKER_PORT";

/** The variable the demo configuration takes the simulated Modbus TCP station's port from. */
export const DEMO_MODBUS_PORT_VARIABLE = "DEMO_MODBUS_PORT";

/** The plugin of the demo's local station: the first built-in one with Modbus TCP profiles. */
const LOCAL_PLUGIN = BUILTIN_PLUGINS.find((plugin) =>
  plugin.profiles.some((profile) => profile.defaultFraming === MBAP_FRAMING.name)
)!;

/**
 * The demo's runtime.yaml: one station of each model of the default plugin on the embedded
 * broker (plain MQTT on 127.0.0.1, hence `allow_insecure`), short cadences, every snapshot to
 * the `stdout` sink. The pipeline's vendor and protocol are the default plugin's. The stations
 * are started from what it resolves to (profile, serial, framing).
 *
 * A fourth device is a local station on a simulated Modbus TCP server, side by side with the
 * cloud ones: the first profile of the first built-in plugin with Modbus TCP profiles.
 *
 * @example It resolves to three cloud devices on the broker's port and a local one
 * ```ts
 * import { DEMO_CONFIG, DEMO_MODBUS_PORT_VARIABLE, DEMO_PORT_VARIABLE } from "./_demo_config.ts";
 * import { loadRuntimeConfig, resolveRuntime } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const ports: Record<string, string> = { [DEMO_PORT_VARIABLE]: "1883", [DEMO_MODBUS_PORT_VARIABLE]: "1502" };
 * const { devices } = resolveRuntime(loadRuntimeConfig(DEMO_CONFIG, { env: (name) => ports[name] }));
 * assert.deepEqual(devices.map((d) => d.transport.type), ["mqtt", "mqtt", "mqtt", "modbus_tcp"]);
 * assert.deepEqual(devices.map((d) => d.transport.options.port), [1883, 1883, 1883, 1502]);
 * assert.ok(devices.every((d) => d.sink === "stdout"));
 * ```
 */
export const DEMO_CONFIG =
  `# power-sdk demo: three simulated stations on the embedded broker, one on local Modbus TCP.
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
  local:
    transport: modbus_tcp
    vendor: ${LOCAL_PLUGIN.vendor}
    protocol: ${LOCAL_PLUGIN.protocol}
    sink: stdout
    transport_opts:
      host: 127.0.0.1
      port: "\${${DEMO_MODBUS_PORT_VARIABLE}}"
      pacing_ms: 100 # a station on this machine; a real one wants the default 500

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
  - id: shed
    pipeline: local
    profile_id: ${LOCAL_PLUGIN.profiles[0]!.id}
    groups: { live: 3, identity: 30 }
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

/** The profile of the demo's local (Modbus TCP) station. */
export const DEMO_LOCAL_PROFILE: string = LOCAL_PLUGIN.profiles[0]!.id;

/** What the demo's local (Modbus TCP) station shows, by field. */
export const DEMO_LOCAL_VALUES: Readonly<Record<string, number>> = Object.freeze({
  soc: 76,
  pack_voltage: 53.2,
  total_ac_power: 240,
  pv_power: 410,
  grid_power: 0,
});

/**
 * Time allowed for each reply in the demo, ms: the stations are on this machine, so a lost
 * reply is noticed quickly.
 */
export const DEMO_TIMEOUT_MS = 1_000;
