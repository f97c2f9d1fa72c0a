import type { ControlRegisterDef } from "../../device/control_register.ts";

const ON_OFF: Readonly<Record<string, number>> = Object.freeze({ on: 1, off: 0 });

/**
 * The control registers observed on BLUETTI V2 stations (PROTOCOL.md, "Control registers"),
 * in register order. Read-back locations: 2011-2021 sit in block 2000 (`ctrl_ac` at byte 23 ...),
 * 2206-2215 in block 2200. Being listed here does not make a register writable: a profile must
 * allow-list it and the user must enable writes; the three dangerous ones also need a separate
 * confirmation.
 *
 * @example Find the dangerous registers
 * ```ts
 * import { BLUETTI_V2_CONTROL_REGISTERS } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const dangerous = BLUETTI_V2_CONTROL_REGISTERS.filter((r) => r.dangerous).map((r) => r.name);
 * assert.deepEqual(dangerous, ["system_power_off", "factory_reset", "battery_aging"]);
 *
 * const grid = BLUETTI_V2_CONTROL_REGISTERS.find((r) => r.name === "grid_max_power");
 * assert.deepEqual([grid?.min, grid?.max, grid?.unit], [300, 6000, "W"]);
 * ```
 */
export const BLUETTI_V2_CONTROL_REGISTERS: readonly ControlRegisterDef[] = [
  {
    register: 2011,
    name: "ac_output",
    kind: "switch",
    values: ON_OFF,
    dangerous: false,
    description: "AC output on/off; read back at block 2000 byte 23 (ctrl_ac)",
    function: 0x06,
  },
  {
    register: 2012,
    name: "dc_output",
    kind: "switch",
    values: ON_OFF,
    dangerous: false,
    description: "DC output on/off; read back at block 2000 byte 25 (ctrl_dc)",
    function: 0x06,
  },
  {
    register: 2013,
    name: "system_power_off",
    kind: "switch",
    values: ON_OFF,
    dangerous: true,
    description:
      "System power off: on (1) shuts the whole station down (value semantics unverified)",
    function: 0x06,
  },
  {
    register: 2014,
    name: "dc_eco_enable",
    kind: "switch",
    values: ON_OFF,
    dangerous: false,
    description: "DC ECO mode on/off (turns DC output off below a load for a time)",
    function: 0x06,
  },
  {
    register: 2015,
    name: "dc_eco_hours",
    kind: "number",
    min: 1,
    max: 4,
    unit: "h",
    dangerous: false,
    description: "DC ECO: hours below the threshold before DC output turns off",
    function: 0x06,
  },
  {
    register: 2016,
    name: "dc_eco_watts",
    kind: "number",
    min: 5,
    max: 20,
    unit: "W",
    dangerous: false,
    description: "DC ECO: load threshold in watts",
    function: 0x06,
  },
  {
    register: 2017,
    name: "ac_eco_enable",
    kind: "switch",
    values: ON_OFF,
    dangerous: false,
    description: "AC ECO mode on/off (turns AC output off below a load for a time)",
    function: 0x06,
  },
  {
    register: 2018,
    name: "ac_eco_hours",
    kind: "number",
    min: 1,
    max: 4,
    unit: "h",
    dangerous: false,
    description: "AC ECO: hours below the threshold before AC output turns off",
    function: 0x06,
  },
  {
    register: 2019,
    name: "ac_eco_watts",
    kind: "number",
    min: 10,
    max: 40,
    unit: "W",
    dangerous: false,
    description: "AC ECO: load threshold in watts",
    function: 0x06,
  },
  {
    register: 2020,
    name: "charging_mode",
    kind: "enum",
    values: { standard: 0, silent: 1, turbo: 2, custom: 4 },
    dangerous: false,
    description: "Charging mode: standard 0, silent 1, turbo 2, custom 4",
    function: 0x06,
  },
  {
    register: 2021,
    name: "power_lifting",
    kind: "switch",
    values: ON_OFF,
    dangerous: false,
    description: "Power lifting on/off (block 2000 calls it a mode selector; peers use on/off)",
    function: 0x06,
  },
  {
    register: 2023,
    name: "soc_ceiling",
    kind: "number",
    min: 60,
    max: 100,
    unit: "%",
    dangerous: false,
    description:
      "Charge limit (upper SOC); the range 60-100 % is unverified, the references give none",
    function: 0x06,
  },
  {
    register: 2206,
    name: "factory_reset",
    kind: "switch",
    values: ON_OFF,
    dangerous: true,
    description: "Factory reset: on (1) restores factory settings (value semantics unverified)",
    function: 0x06,
  },
  {
    register: 2207,
    name: "grid_charge",
    kind: "switch",
    values: ON_OFF,
    dangerous: false,
    description: "Charging from the grid on/off; read back at block 2200 byte 15 (ctrl_grid)",
    function: 0x06,
  },
  {
    register: 2208,
    name: "feed_in",
    kind: "switch",
    values: ON_OFF,
    dangerous: false,
    description: "Feed-in to the grid on/off; read back at block 2200 byte 17 (ctrl_feedback)",
    function: 0x06,
  },
  {
    register: 2213,
    name: "grid_max_power",
    kind: "number",
    min: 300,
    max: 6000,
    unit: "W",
    dangerous: false,
    description: "Largest power drawn from the grid",
    function: 0x06,
  },
  {
    register: 2215,
    name: "feed_in_max_power",
    kind: "number",
    min: 0,
    max: 6000,
    unit: "W",
    dangerous: false,
    description: "Largest power fed into the grid",
    function: 0x06,
  },
  {
    register: 2233,
    name: "battery_aging",
    kind: "switch",
    values: ON_OFF,
    dangerous: true,
    description:
      "Battery aging routine: on (1) starts it, off (0) stops it (value semantics unverified)",
    function: 0x06,
  },
];
