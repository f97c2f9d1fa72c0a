// The BLUETTI V2 plugin's block definitions, for the plugin defined in `_definition.ts`:
// `controls` lists the blocks' spans from them without the schema compiler `_parts.ts`
// brings. Private to src/plugins.
import { BLUETTI_V2_BLOCKS } from "./blocks.ts";
import { BLUETTI_V2_BLOCKS_PART } from "./_definition.ts";

BLUETTI_V2_BLOCKS_PART.provide(BLUETTI_V2_BLOCKS);
