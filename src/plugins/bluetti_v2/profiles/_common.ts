// Building blocks shared by the built-in BLUETTI V2 profiles; private to this folder.
import type { ProfileGroupDef } from "../../../device/profile.ts";

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
// (block-evidence.md §4.1): 0.01 V matches the cell sums of two live stations, the vendor app
// and cloud divide by 10. A station that reads 10× too low takes, in its profile:
//   fieldOverrides: [
//     { block: 100, field: "pack_voltage", transforms: ["scale:0.1"] },
//     { block: 6000, field: "voltage", transforms: ["scale:0.1"] },
//     { block: 6100, field: "voltage", transforms: ["scale:0.1"] },
//   ],
