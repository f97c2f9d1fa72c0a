// The BLUETTI V2 plugin defined without its heavy parts: the block definitions (blocks.json,
// 138 KB, `_blocks_part.ts`), the block schema compiler its registries need and the
// simulator's mapping load with `_parts.ts`, which `plugin.ts` (the public entry) imports
// first. A command that needs
// the plugin's profiles alone (`runtime --dry-run`, `profiles`) imports this module and
// awaits `loadBluettiV2Parts()` before it uses the rest. Private to src/plugins.
import { definePlugin, type ProtocolPlugin } from "../../plugin/plugin.ts";
import { PluginPart } from "../_plugin_part.ts";
import type { FieldOverrideDef } from "../../device/profile.ts";
import type { SchemaRegistry } from "../../parser/registry.ts";
import type { BlockSchemaDef } from "../../parser/types.ts";
import type { StationSimulation } from "../../plugin/station_simulation.ts";
import { EL30V2_PROFILE } from "./profiles/el30v2.ts";
import { EL100V2_PROFILE } from "./profiles/el100v2.ts";
import { ELITE200V2_PROFILE } from "./profiles/elite200v2.ts";
import { GENERIC_V2_PROFILE } from "./profiles/generic_v2.ts";
import { BLUETTI_V2_CONTROL_REGISTERS } from "./control_registers.ts";
import { BLUETTI_IOT_V2_FRAMING, BLUETTI_V1_FRAMING } from "./framings.ts";
import { bluettiV2Identity } from "./identity.ts";
import { BLUETTI_V2_LABELS } from "./labels.ts";

/** What `_parts.ts` brings: the members of the plugin that are expensive to load. */
export interface BluettiV2Parts {
  /** How the simulator plays the stations. */
  readonly simulation: StationSimulation;
  /** A registry of the blocks with a profile's field overrides applied. */
  createRegistry(overrides: readonly FieldOverrideDef[]): SchemaRegistry;
}

const REMEDY =
  "import src/plugins/bluetti_v2/plugin.ts, or await loadBluettiV2Parts() before the first use";

/** The block definitions, provided by `_blocks_part.ts`: what listing its controls needs. */
export const BLUETTI_V2_BLOCKS_PART: PluginPart<readonly BlockSchemaDef[]> = new PluginPart(
  "bluetti_v2",
  REMEDY,
  () => import("./_blocks_part.ts"),
);

/** The blocks, registry compiler and simulation mapping, provided by `_parts.ts`. */
export const BLUETTI_V2_PARTS: PluginPart<BluettiV2Parts> = new PluginPart(
  "bluetti_v2",
  REMEDY,
  () => import("./_parts.ts"),
);

/**
 * Load the plugin's blocks, registry compiler and simulation mapping (once).
 *
 * @returns When they are loaded.
 */
export function loadBluettiV2Parts(): Promise<void> {
  return BLUETTI_V2_PARTS.load();
}

/** The plugin; see `plugin.ts` for its documentation. */
export const BLUETTI_V2: ProtocolPlugin = definePlugin({
  id: "bluetti_v2",
  vendor: "bluetti",
  protocol: "v2",
  profiles: [EL30V2_PROFILE, EL100V2_PROFILE, ELITE200V2_PROFILE, GENERIC_V2_PROFILE],
  controlRegisters: BLUETTI_V2_CONTROL_REGISTERS,
  framings: [BLUETTI_IOT_V2_FRAMING, BLUETTI_V1_FRAMING],
  identity: bluettiV2Identity,
  labels: BLUETTI_V2_LABELS,
  transportDefaults: {
    mqtt: {
      broker: "iot.bluettipower.com",
      port: 18760,
      topics: { request: "SUB/{sn}", response: "PUB/{sn}" },
    },
  },
  get blocks() {
    return BLUETTI_V2_BLOCKS_PART.get("blocks");
  },
  get simulation() {
    return BLUETTI_V2_PARTS.get("simulation").simulation;
  },
  createRegistry: (profile) =>
    BLUETTI_V2_PARTS.get("registry").createRegistry(profile.fieldOverrides),
});
