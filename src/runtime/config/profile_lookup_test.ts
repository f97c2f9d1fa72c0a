// A profile_id is looked up plugin by plugin: the profiles of a plugin after the one that has
// it are never built (they may be built on first use, like the register-map plugins').
import assert from "node:assert/strict";
import "../../plugins/builtin.ts";
import { SchemaRegistry } from "../../parser/registry.ts";
import { definePlugin, type ProtocolPlugin } from "../../plugin/plugin.ts";
import { DEFAULT_PLUGIN } from "../../plugins/default_plugin.ts";
import { RuntimeRegistry } from "../runtime_registry.ts";
import { ConfigValidationError } from "./config_validation_error.ts";
import { loadRuntimeConfig } from "./load_config.ts";
import { resolveRuntime } from "./resolve.ts";

let built = 0;
const LAZY: ProtocolPlugin = definePlugin({
  id: "lookup_lazy",
  vendor: "lookup",
  protocol: "lazy",
  get profiles() {
    built++;
    return [];
  },
  controlRegisters: [],
  framings: [],
  identity: () => ({}),
  createRegistry: () => new SchemaRegistry([]),
});

function registry(): RuntimeRegistry {
  const registry = RuntimeRegistry.withBuiltins();
  // withBuiltins takes every defined plugin: the lazy one comes after the default one.
  const order = registry.plugins();
  assert.ok(order.indexOf(LAZY) > order.indexOf(DEFAULT_PLUGIN));
  return registry;
}

function yaml(profile: string): string {
  return `version: 1
pipelines: { p: { transport: mqtt, vendor: ${DEFAULT_PLUGIN.vendor}, protocol: ${DEFAULT_PLUGIN.protocol} } }
devices:
  - { id: a, pipeline: p, profile_id: ${profile}, transport: { opts: { device_sn: "2237000012345" } } }
`;
}

Deno.test("loading and resolving a profile of the first plugin builds no later plugin's profiles", () => {
  const config = loadRuntimeConfig(yaml(DEFAULT_PLUGIN.profiles[0]!.id), {
    registry: registry(),
    env: () => undefined,
  });
  assert.equal(resolveRuntime(config, { registry: registry() }).devices.length, 1);
  assert.equal(built, 0);
});

Deno.test("an unknown profile_id still lists every plugin's profiles", () => {
  const before = built;
  let error: unknown;
  try {
    loadRuntimeConfig(yaml("NOPE"), { registry: registry(), env: () => undefined });
  } catch (thrown) {
    error = thrown;
  }
  const known = registry().plugins().flatMap((p) => p.profiles).map((p) => p.id).join(", ");
  assert.ok(error instanceof ConfigValidationError, String(error));
  assert.ok(error.message.includes(`known profiles: ${known}`), error.message);
  assert.ok(built > before);
});
