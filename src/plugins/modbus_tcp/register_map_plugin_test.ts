import assert from "node:assert/strict";
import { BUILTIN_PLUGINS } from "../builtin.ts";
import { compileRegisterMap, type RegisterMap } from "../../parser/register_map.ts";
import { definePlugin, findPluginProfile, pluginOf } from "../../plugin/plugin.ts";
import { SchemaRegistry } from "../../parser/registry.ts";
import { defineRegisterMapPlugin } from "./register_map_plugin.ts";

function meter(id: string): RegisterMap {
  return compileRegisterMap({
    id,
    served: [[0, 9]],
    max_span: 10,
    fields: [
      { name: "grid_power", address: 0, type: "int32", unit: "W" },
      { name: "limit", address: 2, type: "uint16", writable: { min: 0, max: 100 } },
    ],
    groups: { live: { fields: ["grid_power"] } },
    identity: { serial: "limit" },
  });
}

Deno.test("a register-map plugin given a function builds its maps on first use, once", () => {
  let calls = 0;
  const plugin = defineRegisterMapPlugin({
    id: "lazy_meter_test",
    vendor: "lazy",
    protocol: "meter",
    maps: () => {
      calls++;
      return [meter("LAZY_METER_TEST")];
    },
  });
  assert.equal(calls, 0);
  assert.equal(plugin.id, "lazy_meter_test");
  assert.deepEqual(plugin.framings.map((f) => f.name), ["mbap"]);
  assert.equal(calls, 0);
  assert.deepEqual(plugin.registerMaps?.().map((m) => m.id), ["LAZY_METER_TEST"]);
  assert.equal(calls, 1);
  assert.deepEqual(plugin.profiles.map((p) => p.id), ["LAZY_METER_TEST"]);
  assert.equal(plugin.registerMap?.(plugin.profiles[0]!), plugin.registerMaps?.()[0]);
  assert.equal(calls, 1);
  assert.deepEqual(plugin.controlRegisters.map((c) => [c.register, c.kind, c.max]), [
    [2, "number", 100],
  ]);
  const profile = plugin.profiles[0]!;
  assert.equal(plugin.profiles, plugin.profiles); // the same array every time
  assert.equal(plugin.registerMap?.(profile)?.id, "LAZY_METER_TEST");
  assert.equal(plugin.createRegistry(profile).require(0).fields.length, 2);
  assert.deepEqual(plugin.identity((block) => block === 0 ? { limit: 7 } : undefined), {
    model: undefined,
    serial: 7,
  });
  assert.equal(pluginOf(profile), plugin);
  assert.equal(findPluginProfile("lazy meter test"), profile);
  assert.equal(calls, 1);
});

Deno.test("finding a profile builds no later plugin's maps when an earlier plugin has it", () => {
  let calls = 0;
  defineRegisterMapPlugin({
    id: "lazy_unused_test",
    vendor: "lazy",
    protocol: "unused",
    maps: () => {
      calls++;
      return [meter("LAZY_UNUSED_TEST")];
    },
  });
  assert.equal(findPluginProfile("EL100V2").id, "EL100V2");
  assert.equal(calls, 0);
  assert.equal(findPluginProfile("lazy_unused_test").id, "LAZY_UNUSED_TEST");
  assert.equal(calls, 1);
  assert.throws(() => findPluginProfile("NO_SUCH_MODEL"), { code: "CONFIG_UNKNOWN_PROFILE" });
});

Deno.test("profiles given by a getter are checked against the plugin's id when first read", () => {
  const plugin = definePlugin({
    id: "lazy_wrong_test",
    vendor: "lazy",
    protocol: "wrong",
    get profiles() {
      return [{ ...findPluginProfile("EL100V2") }];
    },
    controlRegisters: [],
    framings: [],
    identity: () => ({}),
    createRegistry: () => new SchemaRegistry([]),
  });
  assert.throws(() => plugin.profiles, /profile EL100V2 has protocol 'bluetti_v2'/);
});

Deno.test("a register-map plugin given its maps' definitions lists them without compiling a map", () => {
  let calls = 0;
  const def = meter("DEFS_METER_TEST").def;
  const plugin = defineRegisterMapPlugin({
    id: "defs_meter_test",
    vendor: "defs",
    protocol: "meter",
    maps: () => {
      calls++;
      return [compileRegisterMap(def)];
    },
    defs: [def],
  });
  assert.deepEqual(plugin.registerMapDefs?.(), [def]);
  assert.equal(calls, 0);
  // Without `defs`, the compiled maps' own definitions.
  const compiled = meter("COMPILED_METER_TEST");
  const other = defineRegisterMapPlugin({
    id: "compiled_meter_test",
    vendor: "compiled",
    protocol: "meter",
    maps: [compiled],
  });
  assert.deepEqual(other.registerMapDefs?.(), [compiled.def]);
});

Deno.test("every built-in register-map plugin's definitions are those of its maps, in order", () => {
  const plugins = BUILTIN_PLUGINS.filter((p) => p.registerMapDefs !== undefined);
  assert.ok(plugins.some((p) => p.registerMapDefs!().length > 0));
  for (const plugin of plugins) {
    assert.deepEqual(
      plugin.registerMapDefs!(),
      plugin.registerMaps!().map((map) => map.def),
      plugin.id,
    );
  }
});
