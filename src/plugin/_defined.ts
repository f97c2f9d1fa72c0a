// The defined plugins, in definition order: definePlugin (plugin.ts) adds to this list,
// knownPlugins (known_plugins.ts) copies it. Private to src/plugin.
import type { ProtocolPlugin } from "./plugin.ts";

/** Every plugin defined so far. */
export const DEFINED_PLUGINS: ProtocolPlugin[] = [];
