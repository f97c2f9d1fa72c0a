// The local Modbus TCP plugin's register maps (see `_definition.ts`). Private to src/plugins.
import { BLUETTI_LOCAL_MAPS } from "./models.ts";
import { listLocalProfiles } from "./registry.ts";
import { BLUETTI_LOCAL_PARTS } from "./_definition.ts";

BLUETTI_LOCAL_PARTS.provide({ defs: BLUETTI_LOCAL_MAPS, maps: listLocalProfiles });
