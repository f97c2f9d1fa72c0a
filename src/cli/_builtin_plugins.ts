// The built-in plugins besides the default one, for the commands that start with the default
// plugin alone (main.ts) and need the others only for some options. Private to src/cli.
import type { ProtocolPlugin } from "../plugin/plugin.ts";

/**
 * Define every built-in plugin (their profiles, controls and framings become known).
 *
 * @returns The built-in plugins.
 */
export async function loadBuiltinPlugins(): Promise<readonly ProtocolPlugin[]> {
  return (await import("../plugins/builtin.ts")).BUILTIN_PLUGINS;
}
