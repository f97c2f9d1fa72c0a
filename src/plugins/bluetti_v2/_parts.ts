// The BLUETTI V2 plugin's heavy parts: its block definitions, the registry (and with it the
// block schema compiler) and the simulator's mapping. Loading this module hands them to the
// plugin defined in `_definition.ts`; `plugin.ts` imports it first, so that the public plugin
// is whole. Private to src/plugins.
import "./_blocks_part.ts";
import { createBluettiRegistry } from "./registry.ts";
import { BLUETTI_V2_SIMULATION } from "./sim_mapping.ts";
import { BLUETTI_V2_PARTS } from "./_definition.ts";

BLUETTI_V2_PARTS.provide({
  simulation: BLUETTI_V2_SIMULATION,
  createRegistry: createBluettiRegistry,
});
