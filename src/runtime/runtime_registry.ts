/**
 * What the runtime can run: protocol plugins (vendor + protocol -> profiles, schemas, control
 * registers) and transports (name -> option schema and factory). A new vendor or transport is
 * defined in its own folder and registered here; the executor never changes.
 *
 * @module
 */
import { ConfigError } from "../errors/errors.ts";
import type { DeviceProfile } from "../device/profile.ts";
import { findProfile } from "../device/profile.ts";
import { definePlugin, knownPlugins, type ProtocolPlugin } from "../plugin/plugin.ts";
import { type AnyTransportDefinition, knownTransports } from "../transport/transport_definition.ts";
// The built-in transport: defining it registers it (a transport is no vendor).
import "../transport/mqtt_definition.ts";
import type { ResolvedDevice } from "./types.ts";

/**
 * The runtime's plugins and transports.
 *
 * @example The built-ins: the BLUETTI V2 plugin and MQTT
 * ```ts
 * import { RuntimeRegistry } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const registry = RuntimeRegistry.withBuiltins();
 * assert.equal(registry.plugin("bluetti", "v2").profiles.length, 4);
 * assert.equal(registry.transport("mqtt").name, "mqtt");
 * assert.throws(() => registry.plugin("acme", "v1"), /known: bluetti\/v2/);
 * ```
 */
export class RuntimeRegistry {
  #plugins = new Map<string, ProtocolPlugin>();
  #transports = new Map<string, AnyTransportDefinition>();

  /**
   * A registry with every plugin and transport defined so far ({@linkcode knownPlugins},
   * {@linkcode knownTransports}: the built-in ones once the package is imported).
   *
   * @returns A new registry.
   */
  static withBuiltins(): RuntimeRegistry {
    const registry = new RuntimeRegistry();
    for (const plugin of knownPlugins()) registry.registerPlugin(plugin);
    for (const transport of knownTransports()) registry.registerTransport(transport);
    return registry;
  }

  /**
   * Add a protocol plugin.
   *
   * @param plugin The plugin.
   * @throws {TypeError} when that vendor/protocol is already registered.
   */
  registerPlugin(plugin: ProtocolPlugin): void {
    definePlugin(plugin);
    const key = `${plugin.vendor}/${plugin.protocol}`;
    if (this.#plugins.has(key)) {
      throw new TypeError(`Cannot register plugin ${key}: already registered`);
    }
    this.#plugins.set(key, plugin);
  }

  /**
   * Add a transport.
   *
   * @param definition The transport's definition.
   * @throws {TypeError} when that name is already registered.
   */
  registerTransport(definition: AnyTransportDefinition): void {
    if (this.#transports.has(definition.name)) {
      throw new TypeError(`Cannot register transport ${definition.name}: already registered`);
    }
    this.#transports.set(definition.name, definition);
  }

  /**
   * The plugin of a vendor and protocol.
   *
   * @param vendor Vendor name.
   * @param protocol Protocol name.
   * @returns The plugin.
   * @throws {ConfigError} `CONFIG_INVALID` listing what is known.
   */
  plugin(vendor: string, protocol: string): ProtocolPlugin {
    const plugin = this.#plugins.get(`${vendor}/${protocol}`);
    if (plugin) return plugin;
    throw new ConfigError(
      "CONFIG_INVALID",
      `No plugin for vendor '${vendor}' and protocol '${protocol}' (known: ${
        [...this.#plugins.keys()].join(", ")
      })`,
    );
  }

  /**
   * The transport of a name.
   *
   * @param name Transport name (`mqtt`).
   * @returns Its definition.
   * @throws {ConfigError} `CONFIG_INVALID` listing what is known.
   */
  transport(name: string): AnyTransportDefinition {
    const definition = this.#transports.get(name);
    if (definition) return definition;
    throw new ConfigError(
      "CONFIG_INVALID",
      `No transport of type '${name}' (known: ${[...this.#transports.keys()].join(", ")})`,
    );
  }

  /**
   * Every registered plugin, in registration order.
   *
   * @returns The plugins.
   */
  plugins(): ProtocolPlugin[] {
    return [...this.#plugins.values()];
  }

  /**
   * Every registered transport, in registration order.
   *
   * @returns The definitions.
   */
  transports(): AnyTransportDefinition[] {
    return [...this.#transports.values()];
  }

  /**
   * The plugin of a device: its own (a profile from a register-map file), else the one of its
   * vendor and protocol.
   *
   * @param device The device.
   * @returns The plugin.
   * @throws {ConfigError} for an unknown plugin.
   */
  pluginOf(device: ResolvedDevice): ProtocolPlugin {
    return device.plugin ?? this.plugin(device.vendor, device.protocol);
  }

  /**
   * The profile of a device, looked up in its plugin ({@linkcode RuntimeRegistry.pluginOf}).
   *
   * @param device The device.
   * @returns The profile.
   * @throws {ConfigError} for an unknown plugin or profile.
   */
  profileOf(device: ResolvedDevice): DeviceProfile {
    return findProfile(this.pluginOf(device).profiles, device.profileId);
  }
}
