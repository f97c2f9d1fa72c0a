// The built-in plugin values, without the transports the plugins bring (those load npm
// packages): the CLI's offline commands import this; `mod.ts` re-exports it.
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import { BLUETTI_V2 } from "./bluetti_v2/plugin.ts";
import { BLUETTI_LOCAL } from "./bluetti_local/plugin.ts";

/** Every built-in plugin. */
export const BUILTIN_PLUGINS: readonly ProtocolPlugin[] = Object.freeze([
  BLUETTI_V2,
  BLUETTI_LOCAL,
]);
