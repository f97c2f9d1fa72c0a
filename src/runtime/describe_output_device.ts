import { RuntimeRegistry } from "./runtime_registry.ts";
import type { OutputControl, OutputDevice } from "./sinks/output_device.ts";
import type { ResolvedDevice } from "./types.ts";

/**
 * How output sinks describe a device: its identity from the configuration (id, serial) and its
 * profile (model, manufacturer), and the controls its profile allow-lists, dangerous ones left
 * out. The runtime hands these to the output sinks; use it to build sinks yourself.
 *
 * @param device The resolved device.
 * @param registry Plugins and profiles. @default {RuntimeRegistry.withBuiltins()}
 * @returns The description.
 * @throws {ConfigError} for an unknown plugin or profile.
 *
 * @example Describe a device of a runtime.yaml
 * ```ts
 * import { loadRuntimeConfig, resolveRuntime } from "@power-sdk/sdk"; // loads the built-in plugins
 * import { describeOutputDevice } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const { devices } = resolveRuntime(loadRuntimeConfig(`
 * version: 1
 * pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }
 * devices: [{ id: garage, pipeline: p, profile_id: EL100V2, transport: { opts: { device_sn: SN1 } } }]
 * `));
 * const described = describeOutputDevice(devices[0]!);
 * assert.equal(described.model, "Elite 100 V2");
 * assert.ok(described.controls.some((c) => c.name === "ac_output"));
 * assert.ok(!described.controls.some((c) => c.name === "factory_reset"));
 * ```
 */
export function describeOutputDevice(
  device: ResolvedDevice,
  registry: RuntimeRegistry = RuntimeRegistry.withBuiltins(),
): OutputDevice {
  const plugin = registry.pluginOf(device);
  const profile = registry.profileOf(device);
  const controls: OutputControl[] = plugin.controlRegisters
    .filter((r) => profile.writableRegisters.includes(r.register) && !r.dangerous)
    .map((r) => ({
      name: r.name,
      kind: r.kind,
      ...(r.min !== undefined ? { min: r.min } : {}),
      ...(r.max !== undefined ? { max: r.max } : {}),
      ...(r.unit !== undefined ? { unit: r.unit } : {}),
      ...(r.kind === "enum" && r.values
        ? { options: Object.entries(r.values).sort((a, b) => a[1] - b[1]).map(([k]) => k) }
        : {}),
      description: r.description,
    }));
  return {
    id: device.id,
    // The serial the transport addresses (device_sn); a transport without one: the device's id.
    serial: typeof device.transport.options.device_sn === "string"
      ? device.transport.options.device_sn
      : device.id,
    model: profile.name,
    modelId: profile.id,
    manufacturer: profile.vendor,
    controls,
    writeEnabled: device.writeEnabled,
  };
}
