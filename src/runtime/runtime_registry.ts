/**
 * What the runtime can run: protocol plugins (vendor + protocol → profiles, schemas, control
 * registers) and transport factories (type → a connected transport for a device). A new vendor
 * or transport is registered here; the executor never changes.
 *
 * @module
 */
import { ConfigError } from "../errors/errors.ts";
import type { DeviceProfile } from "../device/profile.ts";
import { findProfile } from "../device/profile.ts";
import { definePlugin, knownPlugins, type ProtocolPlugin } from "../plugin/plugin.ts";
import { loadTlsCredentials } from "../transport/credentials.ts";
import { MqttTransport, type TransportLogger } from "../transport/mqtt_transport.ts";
import type { Transport } from "../transport/types.ts";
import type { ResolvedDevice } from "./types.ts";

/** What a transport factory may use besides the device. */
export interface TransportContext {
  /** Reads a file given in the configuration (a certificate bundle, a CA). */
  readFile(path: string): Promise<Uint8Array>;
  /** The transport's log sink. */
  readonly logger: TransportLogger;
  /** The device's profile. */
  readonly profile: DeviceProfile;
}

/** Makes the transport of a device (not connected yet). */
export interface TransportFactory {
  /** Transport type as written in runtime.yaml (`mqtt`). */
  readonly type: string;
  /**
   * Create the device's transport.
   *
   * @throws {TransportError} for bad credentials or settings.
   */
  create(device: ResolvedDevice, context: TransportContext): Promise<Transport>;
}

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
 * assert.equal(registry.transport("mqtt").type, "mqtt");
 * assert.throws(() => registry.plugin("acme", "v1"), /known: bluetti\/v2/);
 * ```
 */
export class RuntimeRegistry {
  #plugins = new Map<string, ProtocolPlugin>();
  #transports = new Map<string, TransportFactory>();

  /**
   * A registry with every plugin defined so far ({@linkcode knownPlugins}: the built-in ones
   * once the package is imported) and the MQTT transport.
   *
   * @returns A new registry.
   */
  static withBuiltins(): RuntimeRegistry {
    const registry = new RuntimeRegistry();
    for (const plugin of knownPlugins()) registry.registerPlugin(plugin);
    registry.registerTransport(MQTT_TRANSPORT_FACTORY);
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
   * Add a transport factory.
   *
   * @param factory The factory.
   * @throws {TypeError} when that type is already registered.
   */
  registerTransport(factory: TransportFactory): void {
    if (this.#transports.has(factory.type)) {
      throw new TypeError(`Cannot register transport ${factory.type}: already registered`);
    }
    this.#transports.set(factory.type, factory);
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
   * The factory of a transport type.
   *
   * @param type Transport type.
   * @returns The factory.
   * @throws {ConfigError} `CONFIG_INVALID` listing what is known.
   */
  transport(type: string): TransportFactory {
    const factory = this.#transports.get(type);
    if (factory) return factory;
    throw new ConfigError(
      "CONFIG_INVALID",
      `No transport of type '${type}' (known: ${[...this.#transports.keys()].join(", ")})`,
    );
  }

  /**
   * The profile of a device, looked up in its plugin.
   *
   * @param device The device.
   * @returns The profile.
   * @throws {ConfigError} for an unknown plugin or profile.
   */
  profileOf(device: ResolvedDevice): DeviceProfile {
    return findProfile(this.plugin(device.vendor, device.protocol).profiles, device.profileId);
  }
}

/** The MQTT transport: credentials from `cert_file`/`cert_password`/`ca_file`, read once. */
export const MQTT_TRANSPORT_FACTORY: TransportFactory = Object.freeze({
  type: "mqtt",
  async create(device: ResolvedDevice, context: TransportContext): Promise<Transport> {
    const t = device.transport;
    const tls = t.certFile === null ? undefined : loadTlsCredentials({
      pfx: await context.readFile(t.certFile),
      ...(t.certPassword !== null ? { passphrase: t.certPassword } : {}),
    });
    const ca = t.caFile === null
      ? undefined
      : new TextDecoder().decode(await context.readFile(t.caFile));
    return new MqttTransport({
      broker: t.broker,
      port: t.port,
      deviceSn: t.deviceSn,
      model: context.profile.id,
      topics: t.topics,
      ...(tls ? { tls } : {}),
      ...(ca ? { ca } : {}),
      allowInsecure: t.allowInsecure,
      keepaliveSec: t.keepalive,
      logger: context.logger,
    });
  },
});
