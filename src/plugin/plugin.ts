/**
 * The plugin contract: everything vendor-specific arrives as one plugin value - its profiles,
 * schema registry, control registers, identity extraction, framings and the transport
 * defaults of its vendor. The generic rooms take these from the plugin a profile belongs to
 * and never name a vendor.
 *
 * @module
 */
import type { ControlRegisterDef } from "../device/control_register.ts";
import type { IdentityExtractor } from "../device/identity.ts";
import { type DeviceProfile, findProfile, profileNamed } from "../device/profile.ts";
import { ConfigError } from "../errors/errors.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import type { RegisterMap, RegisterMapDef } from "../parser/register_map.ts";
import type { BlockSchemaDef } from "../parser/types.ts";
import type { StationSimulation } from "./station_simulation.ts";
import type { RegisterMapSource } from "../parser/register_map_source.ts";
import type { BlockLabels } from "./field_labels.ts";
import { type Framing, registerFraming } from "../protocol/framing.ts";
import { DEFINED_PLUGINS } from "./_defined.ts";

/**
 * A vendor protocol as one value: what the client, the device state, the write gates, the
 * runtime and the simulator need to know about its stations. Make one with
 * {@linkcode definePlugin}.
 *
 * A member that is expensive to build (`profiles`, `controlRegisters`, `blocks`,
 * `simulation`, a registry) may be a getter or a function that builds it on first use and
 * keeps it: defining a plugin then costs little, and a command that needs only its profiles
 * does not pay for its block schemas. The built-in plugins do so; imported from their public
 * modules, every member is ready to read.
 *
 * @example A toy vendor with one block and one profile
 * ```ts
 * import { definePlugin, pluginOf } from "@power-sdk/sdk";
 * import { SchemaRegistry } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const profile = {
 *   id: "TOY1", name: "Toy 1", aliases: [], vendor: "Toy", protocol: "toy_doc",
 *   protocolVersion: null, defaultFraming: "rtu",
 *   groups: [{ name: "core", blocks: [1], pollIntervalMs: 1000 }],
 *   registerCounts: {}, fieldOverrides: [], writableRegisters: [],
 * };
 * const TOY = definePlugin({
 *   id: "toy_doc", vendor: "toy", protocol: "doc",
 *   profiles: [profile],
 *   controlRegisters: [],
 *   framings: [],
 *   identity: () => ({}),
 *   createRegistry: () => new SchemaRegistry([]),
 * });
 * assert.equal(pluginOf(profile), TOY);
 * ```
 */
export interface ProtocolPlugin {
  /** The plugin's id: the `protocol` of its profiles (`bluetti_v2`). */
  readonly id: string;
  /** Vendor name as written in runtime.yaml (`bluetti`). */
  readonly vendor: string;
  /** Protocol name as written in runtime.yaml (`v2`). */
  readonly protocol: string;
  /** The profiles of its stations. */
  readonly profiles: readonly DeviceProfile[];
  /** The control registers writes may target. */
  readonly controlRegisters: readonly ControlRegisterDef[];
  /** Its payload envelopes, registered by name when the plugin is defined. */
  readonly framings: readonly Framing[];
  /** Where model, serial and firmware are found in its blocks. */
  readonly identity: IdentityExtractor;
  /** The documented meaning of status and mode codes, by block id and field path. */
  readonly labels?: BlockLabels;
  /**
   * Option values of a transport that its stations use unless runtime.yaml says otherwise,
   * by transport name (the vendor cloud's broker and topics for `mqtt`).
   */
  readonly transportDefaults?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * The block definitions it decodes, uncompiled, when they are the same for all its
   * profiles (the CLI lists them and compiles one on demand).
   */
  readonly blocks?: readonly BlockSchemaDef[];
  /**
   * How the station simulator plays its stations (`StationModel` in `./testing`): specs,
   * settings registers, block values. Without it the plugin cannot be simulated.
   */
  readonly simulation?: StationSimulation;
  /**
   * The register map a profile was built from, for plugins defined over register maps (local
   * Modbus TCP): the CLI describes it and `SimulatedModbusStation` serves it.
   *
   * @param profile One of its profiles.
   * @returns The map, or undefined when the profile has none.
   */
  registerMap?(profile: DeviceProfile): RegisterMap | undefined;
  /**
   * Every register map of a plugin defined over register maps, in the order of its profiles,
   * without building the profiles (read plans, block schemas, controls): what `profiles`
   * lists.
   *
   * @returns The maps.
   */
  registerMaps?(): readonly RegisterMap[];
  /**
   * The definitions of the maps {@linkcode ProtocolPlugin.registerMaps} gives, in the same
   * order, without compiling them: what listing the profiles needs (their ids, names, aliases
   * and groups).
   *
   * @returns The definitions.
   */
  registerMapDefs?(): readonly RegisterMapDef[];
  /**
   * A schema registry for a profile, with the profile's field overrides applied.
   *
   * @param profile The profile (one of the plugin's, or one of the user's with its `protocol`).
   * @returns A new registry.
   */
  createRegistry(profile: DeviceProfile): SchemaRegistry;
  /**
   * A device described by a file (runtime.yaml's `profile_file`, a register map): the plugin,
   * same id, vendor and protocol, with the one profile the file describes. The plugin returned
   * is not defined (registered): it belongs to the devices that name the file.
   * @default {none: the plugin's devices name one of its profiles}
   *
   * @param source The file, parsed (YAML or JSON), with where its values sit.
   * @returns The plugin of that one profile.
   * @throws {ConfigError} `CONFIG_INVALID` with the file's `line`, `column` and `path`.
   */
  loadProfileFile?(source: RegisterMapSource): ProtocolPlugin;
}

const PLUGINS: ProtocolPlugin[] = DEFINED_PLUGINS;

/**
 * Makes a plugin value: checks that its profiles belong to it, freezes it, registers its
 * framings by name and makes it known to {@linkcode pluginOf} and {@linkcode knownPlugins}
 * (and so to the runtime's built-ins).
 *
 * @param plugin The plugin.
 * @returns The same plugin, frozen.
 * @throws {TypeError} when a profile's `protocol` is not the plugin's id, or another plugin
 * has the same id or vendor/protocol. Profiles given by a getter (built on first use) are
 * checked when first read, and that read throws instead.
 *
 * @example See {@linkcode ProtocolPlugin}.
 * ```ts
 * import { definePlugin } from "@power-sdk/sdk";
 * import { SchemaRegistry } from "@power-sdk/sdk/parser";
 * import { knownPlugins } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const plugin = definePlugin({
 *   id: "empty_doc", vendor: "empty", protocol: "doc", profiles: [], controlRegisters: [],
 *   framings: [], identity: () => ({}), createRegistry: () => new SchemaRegistry([]),
 * });
 * assert.ok(knownPlugins().includes(plugin));
 * ```
 */
export function definePlugin<P extends ProtocolPlugin>(plugin: P): P {
  if (PLUGINS.includes(plugin)) return plugin;
  // Profiles given by a getter are built on first use (a plugin stays cheap to define): they
  // are checked then, once.
  const lazy = Object.getOwnPropertyDescriptor(plugin, "profiles")?.get;
  if (lazy === undefined) {
    checkProfiles(plugin, plugin.profiles);
  } else {
    let checked: readonly DeviceProfile[] | undefined;
    Object.defineProperty(plugin, "profiles", {
      get: () => checked ??= checkProfiles(plugin, lazy.call(plugin)),
      enumerable: true,
    });
  }
  const clash = PLUGINS.find((p) =>
    p.id === plugin.id || (p.vendor === plugin.vendor && p.protocol === plugin.protocol)
  );
  if (clash !== undefined) {
    throw new TypeError(
      `Cannot define plugin ${plugin.id} (${plugin.vendor}/${plugin.protocol}): plugin ${clash.id} (${clash.vendor}/${clash.protocol}) exists`,
    );
  }
  for (const framing of plugin.framings) registerFraming(framing);
  Object.freeze(plugin);
  PLUGINS.push(plugin);
  return plugin;
}

function checkProfiles(
  plugin: ProtocolPlugin,
  profiles: readonly DeviceProfile[],
): readonly DeviceProfile[] {
  for (const profile of profiles) {
    if (profile.protocol !== plugin.id) {
      throw new TypeError(
        `Cannot define plugin ${plugin.id}: profile ${profile.id} has protocol '${profile.protocol}'`,
      );
    }
  }
  return profiles;
}

export { knownPlugins } from "./known_plugins.ts";

/**
 * The plugin a profile belongs to: the one that lists it, else the one whose id is the
 * profile's `protocol` (a profile of one's own).
 *
 * @param profile The profile.
 * @returns The plugin.
 * @throws {ConfigError} `CONFIG_INVALID` when no defined plugin has the profile's protocol.
 *
 * @example
 * ```ts
 * import { BLUETTI_V2, getProfile, pluginOf } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pluginOf(getProfile("EL100V2")), BLUETTI_V2);
 * ```
 */
export function pluginOf(profile: DeviceProfile): ProtocolPlugin {
  const found = PLUGINS.find((p) => p.profiles.includes(profile)) ??
    PLUGINS.find((p) => p.id === profile.protocol);
  if (found !== undefined) return found;
  const known = PLUGINS.map((p) => p.id).join(", ") || "none";
  throw new ConfigError(
    "CONFIG_INVALID",
    `No plugin for profile ${profile.id} (protocol '${profile.protocol}'; known plugins: ${known}): import the plugin that defines it`,
    { path: "profile" },
  );
}

/**
 * A profile of the defined plugins by id, name or alias (case, spaces, dashes and underscores
 * do not matter), among the plugins `accept` takes.
 *
 * @param nameOrAlias What the user typed.
 * @param accept Which plugins to search. @default {every defined plugin}
 * @returns The profile.
 * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` naming the known profiles and the closest.
 *
 * @example Only the plugins that can be simulated
 * ```ts
 * import { findPluginProfile } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.equal(findPluginProfile("Elite 100 V2").id, "EL100V2");
 * assert.equal(findPluginProfile("ac500").id, "AC500");
 * assert.throws(() => findPluginProfile("AC500", (p) => p.simulation !== undefined), {
 *   code: "CONFIG_UNKNOWN_PROFILE",
 * });
 * ```
 */
export function findPluginProfile(
  nameOrAlias: string,
  accept: (plugin: ProtocolPlugin) => boolean = () => true,
): DeviceProfile {
  const plugins = PLUGINS.filter(accept);
  return pluginProfileNamed(plugins, nameOrAlias) ??
    findProfile(plugins.flatMap((p) => p.profiles), nameOrAlias); // throws, naming them all
}

/**
 * The first profile of `plugins` that `nameOrAlias` names, or undefined. Plugin by plugin, in
 * order - the same first match as over all their profiles at once - so that a later plugin's
 * profiles, which may be built on first use, are built only when no earlier plugin has a match.
 *
 * @param plugins The plugins to search, in priority order.
 * @param nameOrAlias The id, name or alias to look for.
 * @returns The profile, or undefined.
 *
 * @example
 * ```ts
 * import { BUILTIN_PLUGINS, pluginProfileNamed } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pluginProfileNamed(BUILTIN_PLUGINS, "el100v2")?.id, "EL100V2");
 * assert.equal(pluginProfileNamed(BUILTIN_PLUGINS, "no such model"), undefined);
 * ```
 */
export function pluginProfileNamed(
  plugins: readonly ProtocolPlugin[],
  nameOrAlias: string,
): DeviceProfile | undefined {
  for (const plugin of plugins) {
    const found = profileNamed(plugin.profiles, nameOrAlias);
    if (found !== undefined) return found;
  }
  return undefined;
}
