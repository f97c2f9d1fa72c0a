/**
 * What the codes of BLUETTI V2 status and mode fields mean, where a public source documents
 * them. Kept apart from the generated block tables (blocks.json): the tables say where a value is
 * and how to decode it, this file what a decoded code means to a person. A field without an
 * entry, and a code without a name, stays a number.
 *
 * Sources (each entry names its own):
 * - [enums]: bluetti-community/bluetti-registers, `schemas/enums.json` ("Pack Charging
 *   Status": 0 idle, 1 charging, 2 discharging).
 * - [bt-lib]: Patrick762/bluetti-bt-lib, `bluetti_bt_lib/enums/charging_mode.py` (ChargingMode:
 *   0 standard, 1 silent, 2 turbo, 4 custom) and `devices/el100v2.py` (charging mode at register
 *   2020, DC ECO mode at 2015, AC ECO mode at 2018).
 * - [csv]: Patrick762/bluetti-registers, `csv/protocols/enums.csv` (dc_eco_mode and
 *   ac_eco_mode: 1..4 = 1..4 hours). The same file puts "custom" charging at 3 where [bt-lib]
 *   has 4; only the codes both agree on and [bt-lib]'s 4 are named here.
 *
 * @module
 */

import type { FieldLabels } from "../../plugin/field_labels.ts";

export type { FieldLabels };

const CHARGING_STATUS: FieldLabels = {
  kind: "enum",
  names: { 0: "idle", 1: "charging", 2: "discharging" },
  source: "bluetti-community/bluetti-registers schemas/enums.json, Pack Charging Status",
};

const CHARGING_MODE: FieldLabels = {
  kind: "enum",
  names: { 0: "standard", 1: "silent", 2: "turbo", 4: "custom" },
  source: "Patrick762/bluetti-bt-lib enums/charging_mode.py (register 2020, devices/el100v2.py)",
};

const ECO_OFF_TIME: FieldLabels = {
  kind: "enum",
  names: { 1: "1 h", 2: "2 h", 3: "3 h", 4: "4 h" },
  source:
    "Patrick762/bluetti-registers csv/protocols/enums.csv, dc_eco_mode and ac_eco_mode (registers 2015 and 2018 per bluetti-bt-lib devices/el100v2.py)",
};

/**
 * Labels of BLUETTI V2 fields: block id -> field path -> labels.
 *
 * @example The charging status of block 100
 * ```ts
 * import { BLUETTI_V2_LABELS } from "./labels.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(BLUETTI_V2_LABELS[100]?.charging_status?.names[2], "discharging");
 * ```
 */
export const BLUETTI_V2_LABELS: Readonly<
  Record<number, Readonly<Record<string, FieldLabels>>>
> = {
  // APP_HOME_DATA: charging_status is register 103; charging_mode the low byte of register 160,
  // the home-data copy of the setting at register 2020.
  100: { charging_status: CHARGING_STATUS, charging_mode: CHARGING_MODE },
  // INV_BASE_SETTINGS: byte offset = (register - 2000) * 2 (+1 for a low byte).
  2000: {
    charging_mode: CHARGING_MODE, // register 2020
    dc_eco_off_time: ECO_OFF_TIME, // register 2015
    ac_eco_off_time: ECO_OFF_TIME, // register 2018
  },
};
