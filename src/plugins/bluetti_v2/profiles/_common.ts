// Building blocks shared by the built-in BLUETTI V2 profiles; private to this folder.
import type { DeviceProfile, ProfileGroupDef } from "../../../device/profile.ts";

// Cadences are cloud-friendly: the vendor cloud allows one session per identity and every
// request is a publish through its broker, so fast-changing values (core, grid) are read every
// 10 s, slow ones (battery, inverter) every 30 s and the per-cell record every 60 s.

/** Block 100 (home data: SOC, powers, energy totals), every 10 s. */
export const CORE_GROUP: ProfileGroupDef = { name: "core", blocks: [100], pollIntervalMs: 10_000 };

/** Block 1300 (grid: frequency, grid power, phase 0), every 10 s. */
export const GRID_GROUP: ProfileGroupDef = { name: "grid", blocks: [1300], pollIntervalMs: 10_000 };

/** Block 6000 (pack main info: voltage, SOC, SOH, temperatures), every 30 s. */
export const BATTERY_GROUP: ProfileGroupDef = {
  name: "battery",
  blocks: [6000],
  pollIntervalMs: 30_000,
};

/** Blocks 1100, 1400, 1500 (inverter base info, load, inverter output), every 30 s. */
export const INVERTER_GROUP: ProfileGroupDef = {
  name: "inverter",
  blocks: [1100, 1400, 1500],
  pollIntervalMs: 30_000,
};

/** Block 6100 (pack item: per-pack record), every 60 s. */
export const CELLS_GROUP: ProfileGroupDef = {
  name: "cells",
  blocks: [6100],
  pollIntervalMs: 60_000,
};

/**
 * Block 100 is read with 62 registers, as the vendor app and every peer client do; the
 * schema's own span (72) is untested on Elite V2 stations.
 */
export const V2_REGISTER_COUNTS: Readonly<Record<string, number>> = { "100": 62 };

/**
 * The observed V2 control registers, all allow-listed for the Elite V2 models. 2013 (system
 * power off), 2206 (factory reset) and 2233 (battery aging) are dangerous: the allow-list only
 * says the model has them; each write still needs a separate confirmation.
 */
export const ELITE_V2_WRITABLE_REGISTERS: readonly number[] = [
  2011,
  2012,
  2013,
  2014,
  2015,
  2016,
  2017,
  2018,
  2019,
  2020,
  2021,
  2023,
  2206,
  2207,
  2208,
  2213,
  2215,
  2233,
];

// Field overrides: none by default. The aggregate pack voltage scale is disputed
// (block-evidence.md section 4.1): 0.01 V matches the cell sums of two live stations, the vendor app
// and cloud divide by 10. A station that reads 10x too low takes, in its profile:
//   fieldOverrides: [
//     { block: 100, field: "pack_voltage", transforms: ["scale:0.1"] },
//     { block: 6000, field: "voltage", transforms: ["scale:0.1"] },
//     { block: 6100, field: "voltage", transforms: ["scale:0.1"] },
//   ],

/** What sets one built-in V2 profile apart; every other field is the same for all of them. */
export interface V2Model {
  /** The profile id (`EL100V2`). */
  readonly id: string;
  /** The model name (`Elite 100 V2`). */
  readonly name: string;
  /** Other names it is found by. */
  readonly aliases: readonly string[];
  /** Its poll groups. */
  readonly groups: readonly ProfileGroupDef[];
  /** Its control registers. */
  readonly writableRegisters: readonly number[];
}

/**
 * A built-in V2 profile: vendor BLUETTI, protocol version unknown, bare RTU framing, block 100
 * read with 62 registers, no field overrides.
 */
export function v2Profile(model: V2Model): DeviceProfile {
  return {
    id: model.id,
    name: model.name,
    aliases: model.aliases,
    vendor: "BLUETTI",
    protocol: "bluetti_v2",
    protocolVersion: null,
    defaultFraming: "rtu",
    groups: model.groups,
    registerCounts: V2_REGISTER_COUNTS,
    fieldOverrides: [],
    writableRegisters: model.writableRegisters,
  };
}

/**
 * An Elite V2 profile: found by its model name and one short name; home data, grid and battery
 * groups, then `moreGroups`; every observed control register allow-listed.
 */
export function eliteV2Profile(
  id: string,
  name: string,
  shortName: string,
  moreGroups: readonly ProfileGroupDef[] = [],
): DeviceProfile {
  return v2Profile({
    id,
    name,
    aliases: [name, shortName],
    groups: [CORE_GROUP, GRID_GROUP, BATTERY_GROUP, ...moreGroups],
    writableRegisters: ELITE_V2_WRITABLE_REGISTERS,
  });
}
