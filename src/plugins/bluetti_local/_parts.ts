// The local Modbus TCP plugin's register maps (see `_definition.ts`). Private to src/plugins.
import { BLUETTI_LOCAL_MAPS } from "./models.ts";
import { listLocalProfiles } from "./registry.ts";
import { provideBluettiLocalParts } from "./_definition.ts";

provideBluettiLocalParts({ defs: BLUETTI_LOCAL_MAPS, maps: listLocalProfiles });
