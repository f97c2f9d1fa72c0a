import type { DeviceProfile } from "../../../device/profile.ts";
import {
  BATTERY_GROUP,
  CORE_GROUP,
  ELITE_V2_WRITABLE_REGISTERS,
  GRID_GROUP,
  V2_REGISTER_COUNTS,
} from "./_common.ts";

/**
 * BLUETTI Elite 200 V2: home data (10 s), grid (10 s) and battery (30 s). Protocol version
 * unknown (fields are decoded when their bytes are present); bare RTU framing by default. No
 * field overrides: a station whose pack voltage reads 10× too low overrides
 * `100.pack_voltage` and `6000.voltage` with `scale:0.1` (see {@linkcode DeviceProfile}).
 * Open question: a peer reads block 100 byte 104 as battery voltage on this model, where the
 * schema has `total_ac_energy` (block-evidence.md §4.6).
 *
 * @example Find it by its short name
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import { ELITE200V2_PROFILE } from "@power-sdk/sdk/profiles";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getProfile("el200v2"), ELITE200V2_PROFILE);
 * assert.equal(ELITE200V2_PROFILE.registerCounts["100"], 62);
 * ```
 */
export const ELITE200V2_PROFILE: DeviceProfile = {
  id: "ELITE200V2",
  name: "Elite 200 V2",
  aliases: ["Elite 200 V2", "EL200V2"],
  vendor: "BLUETTI",
  protocol: "bluetti_v2",
  protocolVersion: null,
  defaultFraming: "rtu",
  groups: [CORE_GROUP, GRID_GROUP, BATTERY_GROUP],
  registerCounts: V2_REGISTER_COUNTS,
  fieldOverrides: [],
  writableRegisters: ELITE_V2_WRITABLE_REGISTERS,
};
