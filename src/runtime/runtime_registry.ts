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
import type { SchemaRegistry } from "../parser/registry.ts";
import {
  BLUETTI_V2_CONTROL_REGISTERS,
  type ControlRegisterDef,
} from "../plugins/bluetti_v2/control_registers.ts";
import { createBluettiRegistry } from "../plugins/bluetti_v2/registry.ts";
import { loadTlsCredentials, type TlsCredentials } from "../transport/credentials.ts";
import type { ConnectSlots } from "../transport/connect_limiter.ts";
import { CredentialsError } from "../errors/errors.ts";
import { MqttTransport, type TransportLogger } from "../transport/mqtt_transport.ts";
import type { Transport } from "../transport/types.ts";
import { BUILTIN_PROFILES } from "../../profiles/mod.ts";
import type { ResolvedDevice } from "./types.ts";

/** A vendor protocol: its profiles, schemas and control registers. Data, no plumbing. */
export interface ProtocolPlugin {
  /** Vendor name as written in runtime.yaml (`bluetti`). */
  readonly vendor: string;
  /** Protocol name as written in runtime.yaml (`v2`). */
  readonly protocol: string;
  /** The profiles of its stations. */
  readonly profiles: readonly DeviceProfile[];
  /** The control registers writes may target. */
  readonly controlRegisters: readonly ControlRegisterDef[];
  /** A schema registry for a profile (with the profile's overrides). */
  createRegistry(profile: DeviceProfile): SchemaRegistry;
}

/** What a transport factory may use besides the device. */
export interface TransportContext {
  /** Reads a file given in the configuration (a certificate bundle, a CA). */
  readFile(path: string): Promise<Uint8Array>;
  /** The transport's log sink. */
  readonly logger: TransportLogger;
  /** The device's profile. */
  readonly profile: DeviceProfile;
  /**
   * What the factory's {@linkcode TransportFactory.prepare} returned for this device (checked
   * credentials, ...), when it has a `prepare`: files are opened once, not at every connect.
   */
  readonly prepared?: unknown;
  /**
   * Bounds the TLS and MQTT handshakes of every device of one runtime (concurrency and a
   * reconnect budget; a device's connection made again after a failure spends the budget);
   * absent, each transport connects at once.
   */
  readonly connectLimiter?: ConnectSlots;
}

/** What a transport factory's {@linkcode TransportFactory.prepare} may use. */
export interface PrepareContext {
  /** Reads a file given in the configuration (a certificate bundle, a CA). */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Shared by every device prepared together: devices that name the same files get the same
   * promise (one bundle used by a thousand devices is opened once).
   */
  readonly cache: Map<string, Promise<unknown>>;
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
  /**
   * Open and check what the device's options name (certificate bundles, CA files) before
   * anything connects: the runtime calls it once per device when the configuration is loaded
   * (`--dry-run` too) and hands the result to {@linkcode TransportFactory.create} as
   * {@linkcode TransportContext.prepared}. A failure is permanent for that device.
   *
   * @throws {ConfigError} With `path` set to the option at fault (`cert_file`,
   * `cert_password`, `ca_file`) and the precise problem as `cause` (a
   * {@linkcode CredentialsError} for a bundle that cannot be used).
   */
  prepare?(device: ResolvedDevice, context: PrepareContext): Promise<unknown>;
}

/**
 * The runtime's plugins and transports.
 *
 * @example The built-ins: BLUETTI V2 over MQTT
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
   * A registry with the built-ins: the BLUETTI V2 plugin and the MQTT transport.
   *
   * @returns A new registry.
   */
  static withBuiltins(): RuntimeRegistry {
    const registry = new RuntimeRegistry();
    registry.registerPlugin(BLUETTI_V2_PLUGIN);
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

/** The BLUETTI V2 plugin: the 45 blocks, the profiles, the control registers. */
export const BLUETTI_V2_PLUGIN: ProtocolPlugin = Object.freeze({
  vendor: "bluetti",
  protocol: "v2",
  profiles: BUILTIN_PROFILES,
  controlRegisters: BLUETTI_V2_CONTROL_REGISTERS,
  createRegistry: (profile: DeviceProfile) => createBluettiRegistry(profile.fieldOverrides),
});

/** The MQTT transport: credentials from `cert_file`/`cert_password`/`ca_file`, read once. */
export const MQTT_TRANSPORT_FACTORY: TransportFactory = Object.freeze({
  type: "mqtt",
  prepare(device: ResolvedDevice, context: PrepareContext): Promise<unknown> {
    return prepareMqtt(device, context);
  },
  async create(device: ResolvedDevice, context: TransportContext): Promise<Transport> {
    const t = device.transport;
    const { tls, ca } = isPreparedMqtt(context.prepared)
      ? context.prepared
      : await prepareMqtt(device, { readFile: context.readFile, cache: new Map() });
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
      ...(context.connectLimiter ? { connectLimiter: context.connectLimiter } : {}),
    });
  },
});

/** The checked files of an MQTT device. */
interface PreparedMqtt {
  readonly kind: "mqtt";
  readonly tls: TlsCredentials | undefined;
  readonly ca: string | undefined;
}

function isPreparedMqtt(value: unknown): value is PreparedMqtt {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "mqtt";
}

async function prepareMqtt(device: ResolvedDevice, context: PrepareContext): Promise<PreparedMqtt> {
  const t = device.transport;
  const tls = t.certFile === null
    ? undefined
    : await cached(context, `mqtt-tls\0${t.certFile}\0${t.certPassword ?? "\u0001"}`, () =>
      openBundle(t.certFile!, t.certPassword, context));
  const ca = t.caFile === null ? undefined : await cached(
    context,
    `mqtt-ca\0${t.caFile}`,
    async () =>
      new TextDecoder().decode(await readOption(context, "ca_file", t.caFile!, "CA file")),
  );
  return { kind: "mqtt", tls, ca };
}

async function openBundle(
  path: string,
  password: string | null,
  context: PrepareContext,
): Promise<TlsCredentials> {
  const pfx = await readOption(context, "cert_file", path, "certificate bundle");
  try {
    return loadTlsCredentials({ pfx, ...(password !== null ? { passphrase: password } : {}) });
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    // A wrong password is the password's fault; everything else is the bundle's.
    const option = error.problem === "wrong_password" && password !== null
      ? "cert_password"
      : "cert_file";
    throw new ConfigError(
      "CONFIG_INVALID",
      `${error.code}: ${
        error.message.replace("the PKCS#12 bundle", `the PKCS#12 bundle '${path}'`)
      }`,
      { path: option },
      { cause: error },
    );
  }
}

async function readOption(
  context: PrepareContext,
  option: string,
  path: string,
  what: string,
): Promise<Uint8Array> {
  try {
    return await context.readFile(path);
  } catch (error) {
    const message = error instanceof ConfigError
      ? error.message
      : `Cannot read the ${what} '${path}': ${error instanceof Error ? error.message : error}`;
    throw new ConfigError("CONFIG_INVALID", message, { path: option }, { cause: error });
  }
}

function cached<T>(context: PrepareContext, key: string, open: () => Promise<T>): Promise<T> {
  let entry = context.cache.get(key) as Promise<T> | undefined;
  if (entry === undefined) {
    entry = open();
    context.cache.set(key, entry);
  }
  return entry;
}
