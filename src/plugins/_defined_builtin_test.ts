// The built-in plugins defined without their parts (what `runtime` and `profiles` start
// with): the same plugin values as the public modules give, whose parts load on request. Its
// own test module (own module instances), so that nothing else has loaded the parts first.
import assert from "node:assert/strict";
import {
  DEFINED_BUILTIN_PLUGINS,
  DEFINED_DEFAULT_PLUGIN,
  loadBuiltinParts,
  loadBuiltinProfileLists,
} from "./_defined_builtin.ts";
import { findPluginProfile, pluginProfileNamed } from "../plugin/plugin.ts";

Deno.test("the defined plugins give profiles, and say what is missing until their parts load", async () => {
  const plugin = DEFINED_DEFAULT_PLUGIN;
  // What a dry-run reads is there.
  assert.equal(findPluginProfile("EL30V2").protocol, plugin.id);
  assert.ok(plugin.controlRegisters.length > 0);
  assert.ok(plugin.transportDefaults?.mqtt !== undefined);
  // What it does not read throws, naming the plugin and the way out.
  const profile = plugin.profiles[0]!;
  const missing = {
    name: "PluginPartsNotLoadedError",
    message: /bluetti_v2's \w+: not loaded yet .*loadBluettiV2Parts/,
  };
  assert.throws(() => plugin.blocks, missing);
  assert.throws(() => plugin.simulation, missing);
  assert.throws(() => plugin.createRegistry(profile), missing);
  // The local plugin's profiles come from its register maps.
  assert.throws(() => pluginProfileNamed(DEFINED_BUILTIN_PLUGINS, "ac500"), {
    name: "PluginPartsNotLoadedError",
    code: "PLUGIN_PARTS_NOT_LOADED",
    message: /plugin bluetti_local's register maps: not loaded yet/,
  });

  await loadBuiltinProfileLists();
  const local = findPluginProfile("AC500");
  const registryOf = DEFINED_BUILTIN_PLUGINS[1]!;
  assert.equal(pluginProfileNamed(DEFINED_BUILTIN_PLUGINS, "ac500"), local);
  assert.throws(() => registryOf.createRegistry(local), {
    name: "PluginPartsNotLoadedError",
    message: /plugin bluetti_local's registry: not loaded yet/,
  });
  assert.throws(() => plugin.blocks, missing);

  await loadBuiltinParts();
  assert.equal(plugin.blocks?.length, 45);
  assert.equal(plugin.createRegistry(profile).size, 45);
  assert.ok(plugin.simulation !== undefined);
  assert.ok(registryOf.createRegistry(local).size > 0);
  // The public modules give the same values.
  const { BUILTIN_PLUGINS, DEFAULT_PLUGIN } = await import("./builtin.ts");
  assert.equal(DEFAULT_PLUGIN, plugin);
  assert.deepEqual(BUILTIN_PLUGINS, DEFINED_BUILTIN_PLUGINS);
  // Defined in that order: the order of the known plugins and of the framings' names.
  const { knownPlugins } = await import("../plugin/known_plugins.ts");
  const { framingNames } = await import("../protocol/framing.ts");
  assert.deepEqual(knownPlugins(), [...DEFINED_BUILTIN_PLUGINS]);
  assert.deepEqual(framingNames(), ["rtu", "iot-v2", "v1", "mbap"]);
  await loadBuiltinParts(); // once only: a second call changes nothing
  assert.equal(plugin.blocks, DEFAULT_PLUGIN.blocks);
});
