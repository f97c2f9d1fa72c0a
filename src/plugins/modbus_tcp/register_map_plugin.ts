import type { ControlRegisterDef } from "../../device/control_register.ts";
import type { DeviceProfile } from "../../device/profile.ts";
import { definePlugin, type ProtocolPlugin } from "../../plugin/plugin.ts";
import { MBAP_FRAMING } from "../../protocol/mbap_framing.ts";
import { planReads, type ReadStep } from "../../parser/read_plan.ts";
import type { RegisterMap, RegisterMapDef } from "../../parser/register_map.ts";
import type { SchemaRegistry } from "../../parser/registry.ts";
import { REGISTER_MAP_COMPILERS } from "./_registry_factory.ts";
import type { BlockSchemaDef, FieldDef } from "../../parser/types.ts";

/** A register map as the block machinery sees it; see {@linkcode registerMapProfile}. */
export interface RegisterMapProfile {
  /** The profile: groups of blocks (one block per read of the map's plan), cadences. */
  readonly profile: DeviceProfile;
  /** One block schema per read of the plan: id = first register. */
  readonly schemas: readonly BlockSchemaDef[];
  /** The reads of the plan. */
  readonly plan: readonly ReadStep[];
}

/**
 * Turns a register map into what the block-reading `Client` and the runtime use: the map's
 * read plan over **all** its fields (so every read is one that never crosses an unserved
 * address), each read a block whose id is its first register, groups as the blocks holding
 * their fields, `registerCounts` the reads' lengths, the writable fields as the allow-list.
 *
 * @param map The register map.
 * @param pluginId The plugin the profile belongs to (its `protocol`).
 * @returns Profile, block schemas and plan.
 *
 * @example An AC500 becomes 14 one-field blocks
 * ```ts
 * import { getLocalProfile } from "@power-sdk/sdk";
 * import { registerMapProfile } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const { profile, schemas } = registerMapProfile(getLocalProfile("AC500"), "bluetti_local");
 * assert.equal(profile.defaultFraming, "mbap");
 * assert.deepEqual(profile.groups.find((g) => g.name === "live")?.blocks, [50002, 50004, 50006, 51002, 51004]);
 * assert.equal(schemas.find((s) => s.id === 51004)?.fields[0]?.name, "soc");
 * ```
 */
export function registerMapProfile(map: RegisterMap, pluginId: string): RegisterMapProfile {
  const plan = planReads(map, map.fields.map((f) => f.name));
  const stepOf = new Map<string, ReadStep>();
  for (const step of plan) for (const f of step.fields) stepOf.set(f.name, step);
  const schemas: BlockSchemaDef[] = plan.map((step) => {
    const unverified = step.fields.some((f) => map.field(f.name).def.writable?.verified === false);
    return {
      id: step.start,
      name: `${map.id}_${step.start}`,
      description: `${map.def.name ?? map.id}: registers ${step.start}..${
        step.start + step.quantity - 1
      }`,
      minLength: step.quantity * 2,
      verificationStatus: unverified ? "partial" : "verified_reference",
      fields: step.fields.map(({ name, offset }): FieldDef => {
        const field = map.field(name);
        return {
          name,
          offset: offset * 2,
          type: field.datatype.text,
          ...(field.scale === 1 ? {} : { transforms: [`scale:${field.scale}`] }),
          ...(field.def.unit === undefined ? {} : { unit: field.def.unit }),
          ...(field.def.description === undefined ? {} : { description: field.def.description }),
        };
      }),
    };
  });
  const profile: DeviceProfile = {
    id: map.id,
    name: map.def.name ?? map.id,
    aliases: map.def.aliases ?? [],
    vendor: map.def.vendor ?? "generic",
    protocol: pluginId,
    protocolVersion: null,
    defaultFraming: MBAP_FRAMING.name,
    groups: Object.entries(map.def.groups).map(([name, group]) => ({
      name,
      blocks: [...new Set(group.fields.map((f) => stepOf.get(f)!.start))].sort((a, b) => a - b),
      pollIntervalMs: Math.round((group.cadence_s ?? 30) * 1000),
    })),
    registerCounts: Object.fromEntries(plan.map((s) => [String(s.start), s.quantity])),
    fieldOverrides: [],
    writableRegisters: map.fields.filter((f) => f.def.writable !== undefined).map((f) => f.address),
  };
  return { profile, schemas, plan };
}

/** What {@linkcode defineRegisterMapPlugin} needs. */
export interface RegisterMapPluginOptions {
  /** Plugin id, also each profile's `protocol` (`bluetti_local`). */
  readonly id: string;
  /** runtime.yaml's `vendor:` (`bluetti`). */
  readonly vendor: string;
  /** runtime.yaml's `protocol:` (`local`). */
  readonly protocol: string;
  /**
   * The devices, or a function returning them: then the maps, profiles and controls are built
   * when first asked for, not when the plugin is defined (a command that needs none of them
   * does not pay for them).
   */
  readonly maps: readonly RegisterMap[] | (() => readonly RegisterMap[]);
  /**
   * The definitions of the maps `maps` gives, in the same order: listing the profiles reads
   * these, and does not compile the maps. Default: the compiled maps' own.
   */
  readonly defs?: readonly RegisterMapDef[];
}

/**
 * Defines a plugin whose profiles are register maps read over Modbus TCP (`transport:
 * modbus_tcp`, framing `mbap`): profiles and block schemas from {@linkcode registerMapProfile},
 * control registers from the maps' one-register fields (switches and ranges from `writable`),
 * identity from each map's `identity` fields.
 *
 * @param options Id, vendor, protocol, maps.
 * @returns The plugin, defined (runtime.yaml can name it).
 * @throws {TypeError} When a plugin with that id, or that vendor and protocol, exists.
 *
 * @example A meter from a map
 * ```ts
 * import { compileRegisterMap } from "@power-sdk/sdk/parser";
 * import { defineRegisterMapPlugin } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const meter = compileRegisterMap({
 *   id: "DOC_METER",
 *   served: [[0, 9]],
 *   max_span: 10,
 *   fields: [{ name: "grid_power", address: 0, type: "int32", unit: "W" }],
 *   groups: { live: { fields: ["grid_power"] } },
 * });
 * const plugin = defineRegisterMapPlugin({ id: "doc_meter", vendor: "doc", protocol: "meter", maps: [meter] });
 * assert.equal(plugin.profiles[0]?.id, "DOC_METER");
 * assert.equal(plugin.createRegistry(plugin.profiles[0]!).require(0).fields.length, 1);
 * ```
 */
export function defineRegisterMapPlugin(options: RegisterMapPluginOptions): ProtocolPlugin {
  return definePlugin(registerMapPlugin(options));
}

/** The plugin value of {@linkcode defineRegisterMapPlugin}, not defined. */
function registerMapPlugin(options: RegisterMapPluginOptions): ProtocolPlugin {
  const registries = new Map<DeviceProfile, SchemaRegistry>();
  let maps: readonly RegisterMap[] | undefined;
  const mapsOf = () => maps ??= typeof options.maps === "function" ? options.maps() : options.maps;
  let built: Built | undefined;
  const build = () => built ??= buildMaps(options.id, mapsOf());
  const profileMap = (profile: DeviceProfile) =>
    build().maps.find((b) => b.profile === profile || b.profile.id === profile.id);
  return {
    id: options.id,
    vendor: options.vendor,
    protocol: options.protocol,
    get profiles() {
      return build().profiles;
    },
    get controlRegisters() {
      return build().controlRegisters;
    },
    framings: [MBAP_FRAMING],
    identity(block) {
      for (const { model, serial } of build().identityAt) {
        const m = model === undefined ? undefined : block(model.block)?.[model.name];
        const s = serial === undefined ? undefined : block(serial.block)?.[serial.name];
        if (m !== undefined || s !== undefined) return { model: m, serial: s };
      }
      return {};
    },
    transportDefaults: { modbus_tcp: { port: 502 } },
    registerMap(profile) {
      return profileMap(profile)?.map;
    },
    registerMaps: mapsOf,
    registerMapDefs: () => options.defs ?? mapsOf().map((map) => map.def),
    createRegistry(profile) {
      let registry = registries.get(profile);
      if (registry === undefined) {
        registry = REGISTER_MAP_COMPILERS.get("registry", options.id).registry(
          profileMap(profile)?.schemas ?? [],
        );
        registries.set(profile, registry);
      }
      return registry;
    },
    loadProfileFile(source) {
      const map = REGISTER_MAP_COMPILERS.get("profile file", options.id).map(source);
      return registerMapPlugin({ ...options, maps: [map], defs: [map.def] });
    },
  };
}

/** What a register-map plugin builds from its maps. */
interface Built {
  readonly maps: readonly (RegisterMapProfile & { readonly map: RegisterMap })[];
  readonly profiles: readonly DeviceProfile[];
  readonly controlRegisters: readonly ControlRegisterDef[];
  /** Where each map's identity fields sit: block (first register of their read) and name. */
  readonly identityAt: readonly {
    readonly model: { readonly block: number; readonly name: string } | undefined;
    readonly serial: { readonly block: number; readonly name: string } | undefined;
  }[];
}

function buildMaps(pluginId: string, maps: readonly RegisterMap[]): Built {
  const built = maps.map((map) => ({ map, ...registerMapProfile(map, pluginId) }));
  const controls = new Map<number, ControlRegisterDef>();
  for (const { map } of built) {
    for (const field of map.fields) {
      if (field.registers !== 1 || field.datatype.integer === null) continue;
      const w = field.def.writable;
      const known = controls.get(field.address);
      if (known !== undefined && w === undefined) continue;
      const common = {
        register: field.address,
        name: field.name,
        dangerous: w?.dangerous === true,
        description: field.def.description ?? field.name,
        function: 0x06 as const,
      };
      controls.set(
        field.address,
        w?.switch === true ? { ...common, kind: "switch", values: { on: 1, off: 0 } } : {
          ...common,
          kind: "number",
          min: w?.min ?? 0,
          max: w?.max ?? 0xffff,
          ...(field.def.unit === undefined ? {} : { unit: field.def.unit }),
        },
      );
    }
  }
  const identityAt = built.map(({ map, plan }) => {
    const at = (name: string | undefined) =>
      name === undefined
        ? undefined
        : { block: plan.find((s) => s.fields.some((f) => f.name === name))!.start, name };
    return { model: at(map.def.identity?.model), serial: at(map.def.identity?.serial) };
  });
  return {
    maps: built,
    profiles: built.map((b) => b.profile),
    controlRegisters: [...controls.values()].sort((a, b) => a.register - b.register),
    identityAt,
  };
}
