/**
 * How a plugin makes its stations simulatable: the physical spec of a model, the registers a
 * station keeps (its settings) and the values its blocks carry for a physical state. The
 * generic simulator (`StationModel` in `./testing`) owns the physics and the Modbus side; a
 * plugin brings this mapping as {@linkcode ProtocolPlugin.simulation}. A plugin without one
 * cannot be simulated.
 *
 * @module
 */
import type { DeviceProfile } from "../device/profile.ts";
import { ConfigError } from "../errors/errors.ts";
import type { ProtocolPlugin } from "./plugin.ts";

/**
 * The physical size of a simulated station.
 *
 * @example
 * ```ts
 * import type { StationSpec } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const spec: StationSpec = { name: "TOY1", capacityWh: 1000, maxAcW: 800, maxPvW: 400, maxGridW: 600 };
 * assert.ok(spec.capacityWh > 0);
 * ```
 */
export interface StationSpec {
  /** The model string the station reports (`EL100V2`). */
  readonly name: string;
  /** Usable pack capacity, Wh. */
  readonly capacityWh: number;
  /** Largest AC output, W. */
  readonly maxAcW: number;
  /** Largest solar input, W. */
  readonly maxPvW: number;
  /** Largest grid charging power, W. */
  readonly maxGridW: number;
}

/**
 * What the station's settings ask of the physics, read from the registers it keeps.
 *
 * @example
 * ```ts
 * import type { StationSettings } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const settings: StationSettings = {
 *   acOutput: true, dcOutput: false, chargeRate: 0.6, socCeiling: 100,
 *   gridCharge: true, feedIn: false, gridLimitW: 0, feedInLimitW: 0,
 * };
 * assert.equal(settings.dcOutput, false);
 * ```
 */
export interface StationSettings {
  /** AC output on. */
  readonly acOutput: boolean;
  /** DC output on. */
  readonly dcOutput: boolean;
  /** Grid charging power as a share of the model's grid maximum (0..1). */
  readonly chargeRate: number;
  /** SOC the station charges up to, %. */
  readonly socCeiling: number;
  /** Grid charging (and pass-through below the low SOC) allowed. */
  readonly gridCharge: boolean;
  /** Feeding the solar surplus into the grid allowed. */
  readonly feedIn: boolean;
  /** Cap of the grid power, W; 0 for the model's maximum. */
  readonly gridLimitW: number;
  /** Cap of the power fed in, W. */
  readonly feedInLimitW: number;
}

/**
 * The physical state of a simulated station at one instant. Energies are lifetime counters in
 * kWh, floored to 0.1 kWh as the station reports them, and never decrease.
 *
 * @example Read the state
 * ```ts
 * import { StationModel } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const state = new StationModel({ profile: "EL30V2", sn: "EL30V21" }).snapshot();
 * assert.ok(state.soc >= 0 && state.soc <= 100);
 * assert.ok(state.packVoltage > 50 && state.packVoltage < 56);
 * ```
 */
export interface StationSnapshot {
  /** The clock time, ms since the epoch. */
  readonly time: number;
  /** State of charge, %, 0..100 with 0.1 % resolution. */
  readonly soc: number;
  /** Pack voltage, V (16 cells, 3.20-3.45 V each). */
  readonly packVoltage: number;
  /** Pack current, A, a magnitude (direction in `chargingStatus`). */
  readonly packCurrent: number;
  /** Power into the battery, W: positive while charging, negative while discharging. */
  readonly batteryPower: number;
  /** Whether the pack is charging, discharging or idle (|power| below 5 W). */
  readonly chargingStatus: "idle" | "charging" | "discharging";
  /** AC output power, W. */
  readonly acOutputPower: number;
  /** DC output power, W. */
  readonly dcOutputPower: number;
  /** Solar input power, W. */
  readonly pvPower: number;
  /** Grid power, W: positive when importing, negative when feeding in. */
  readonly gridPower: number;
  /** Grid voltage, V (about 230). */
  readonly gridVoltage: number;
  /** Grid frequency, Hz (about 50). */
  readonly gridFrequency: number;
  /** Ambient temperature, deg C. */
  readonly ambientTemperature: number;
  /** Battery temperature, deg C (20-35). */
  readonly batteryTemperature: number;
  /** Inverter temperature, deg C (20-35). */
  readonly inverterTemperature: number;
  /** Lifetime energy counters, kWh. */
  readonly energy: {
    /** Energy delivered by the AC outputs. */
    readonly acOutput: number;
    /** Energy delivered by the DC outputs. */
    readonly dcOutput: number;
    /** Solar energy taken in. */
    readonly pv: number;
    /** Energy imported from the grid (charging and pass-through). */
    readonly gridImport: number;
    /** Energy fed into the grid. */
    readonly feedIn: number;
    /** Energy stored into the pack. */
    readonly packCharge: number;
    /** Energy taken out of the pack. */
    readonly packDischarge: number;
    /** Solar energy delivered straight to the AC outputs. */
    readonly pvToAc: number;
  };
}

/**
 * What the physics tells a block mapping beyond the snapshot.
 *
 * @example
 * ```ts
 * import type { StationPhysicsView } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const view: StationPhysicsView = {
 *   historyWh: 50_000, cells: 16, gridChargeStartSoc: 20, passthroughSoc: 10, noise: () => 0,
 * };
 * assert.equal(view.noise("inverterVoltage", 0), 0);
 * ```
 */
export interface StationPhysicsView {
  /** Energy the station had delivered before the simulation started, Wh (seeded). */
  readonly historyWh: number;
  /** Cells in series in the pack. */
  readonly cells: number;
  /** SOC at or below which grid charging starts, %. */
  readonly gridChargeStartSoc: number;
  /** SOC below which the AC load is passed through from the grid, %. */
  readonly passthroughSoc: number;
  /**
   * Smooth seeded noise in [-1, 1] of a channel at a time (`inverterVoltage`, ...).
   *
   * @param channel The channel.
   * @param time Ms since the epoch.
   * @returns The noise.
   */
  noise(channel: "inverterVoltage", time: number): number;
}

/**
 * What a block mapping is built with, for one station.
 *
 * @example See {@linkcode StationSimulation}.
 * ```ts
 * import type { StationSimulationContext } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const registers = new Map([[1, 1]]);
 * const context: Pick<StationSimulationContext, "sn" | "register"> = {
 *   sn: "TOY11",
 *   register: (r) => registers.get(r) ?? 0,
 * };
 * assert.equal(context.register(1), 1);
 * ```
 */
export interface StationSimulationContext {
  /** The profile. */
  readonly profile: DeviceProfile;
  /** The serial number as given. */
  readonly sn: string;
  /** The spec from {@linkcode StationSimulation.spec}. */
  readonly spec: StationSpec;
  /** The station's seeded random stream: draw what the mapping keeps per station here. */
  readonly random: () => number;
  /**
   * The current value of a register the station keeps (0 if none).
   *
   * @param register The register.
   * @returns Its value.
   */
  register(register: number): number;
}

/**
 * One station's block mapping, from {@linkcode StationSimulation.createStation}.
 *
 * @example See {@linkcode StationSimulation}.
 * ```ts
 * import type { SimulatedBlocks } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const blocks: Pick<SimulatedBlocks, "modelName" | "serialNumber"> = {
 *   modelName: "TOY1",
 *   serialNumber: "1",
 * };
 * assert.equal(blocks.modelName, "TOY1");
 * ```
 */
export interface SimulatedBlocks {
  /** The model string the blocks carry. */
  readonly modelName: string;
  /** The serial as the blocks carry it. */
  readonly serialNumber: string;
  /**
   * The registers the station keeps (its settings, read and written as raw words) and their
   * initial values. A writable register of the profile not listed here starts at 0.
   */
  readonly initialRegisters: readonly (readonly [number, number])[];
  /**
   * The block whose registers unsolicited frames carry, with the register counts of the read
   * reply (0x03) and the push (0x10) forms. Absent: the first served block, whole.
   */
  readonly push?: {
    readonly block: number;
    readonly readRegisters: number;
    readonly pushRegisters: number;
  };
  /**
   * What the physics should do, from the registers the station keeps.
   *
   * @returns The settings.
   */
  settings(): StationSettings;
  /**
   * Field path -> value of a block for a state; fields left out stay zero.
   *
   * @param blockId The block.
   * @param snapshot The state.
   * @param physics More of the physics.
   * @returns The values.
   */
  values(
    blockId: number,
    snapshot: StationSnapshot,
    physics: StationPhysicsView,
  ): Record<string, unknown>;
}

/**
 * A plugin's simulator mapping: what the generic station simulator needs of a vendor.
 *
 * @example A toy station with one block of two fields and one switch register
 * ```ts
 * import { definePlugin, type StationSimulation } from "@power-sdk/sdk/plugins";
 * import { SchemaRegistry } from "@power-sdk/sdk/parser";
 * import { StationModel } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const block = {
 *   id: 10, name: "TOY_STATE", description: "state", minLength: 4,
 *   verificationStatus: "verified_reference" as const,
 *   fields: [{ name: "soc", offset: 0, type: "uint16" }, { name: "ac", offset: 2, type: "uint16" }],
 * };
 * const simulation: StationSimulation = {
 *   spec: () => ({ name: "TOY1", capacityWh: 1000, maxAcW: 800, maxPvW: 400, maxGridW: 600 }),
 *   createStation: ({ register }) => ({
 *     modelName: "TOY1",
 *     serialNumber: "1",
 *     initialRegisters: [[20, 1]],
 *     settings: () => ({
 *       acOutput: register(20) === 1, dcOutput: false, chargeRate: 0.5, socCeiling: 100,
 *       gridCharge: false, feedIn: false, gridLimitW: 0, feedInLimitW: 0,
 *     }),
 *     values: (id, s) => (id === 10 ? { soc: Math.round(s.soc), ac: s.acOutputPower } : {}),
 *   }),
 * };
 * const profile = {
 *   id: "TOYSIM1", name: "Toy sim 1", aliases: [], vendor: "Toy", protocol: "toy_sim",
 *   protocolVersion: null, defaultFraming: "rtu",
 *   groups: [{ name: "core", blocks: [10], pollIntervalMs: 1000 }],
 *   registerCounts: {}, fieldOverrides: [], writableRegisters: [20],
 * };
 * definePlugin({
 *   id: "toy_sim", vendor: "toysim", protocol: "doc", profiles: [profile], controlRegisters: [],
 *   framings: [], identity: () => ({}), createRegistry: () => new SchemaRegistry([block]),
 *   simulation,
 * });
 * const model = new StationModel({ profile, sn: "TOYSIM11" });
 * assert.deepEqual(model.blocks, [10]);
 * assert.equal(model.register(20), 1);
 * assert.ok(model.snapshot().acOutputPower > 0);
 * ```
 */
export interface StationSimulation {
  /**
   * The physical spec of a profile's stations.
   *
   * @param profile The profile.
   * @returns The spec.
   */
  spec(profile: DeviceProfile): StationSpec;
  /**
   * The block mapping of one station. Draw per-station randomness from `context.random`.
   *
   * @param context Profile, serial, spec, random stream, register reader.
   * @returns The mapping, with the registers the station keeps and their initial values.
   */
  createStation(context: StationSimulationContext): SimulatedBlocks;
}

/**
 * The simulator mapping of a plugin.
 *
 * @param plugin The plugin.
 * @returns Its mapping.
 * @throws {ConfigError} `CONFIG_INVALID` when the plugin brings none: it cannot be simulated.
 *
 * @example
 * ```ts
 * import { BLUETTI_LOCAL, BLUETTI_V2, simulationOf } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.equal(simulationOf(BLUETTI_V2), BLUETTI_V2.simulation);
 * assert.throws(() => simulationOf(BLUETTI_LOCAL), { code: "CONFIG_INVALID", message: /cannot be simulated/ });
 * ```
 */
export function simulationOf(plugin: ProtocolPlugin): StationSimulation {
  if (plugin.simulation !== undefined) return plugin.simulation;
  throw new ConfigError(
    "CONFIG_INVALID",
    `Plugin ${plugin.id} (${plugin.vendor}/${plugin.protocol}) cannot be simulated: it brings no simulation mapping`,
    { path: "profile" },
  );
}
