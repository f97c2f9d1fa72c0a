import type { DeviceProfile } from "../../../device/profile.ts";
import {
  BATTERY_GROUP,
  CELLS_GROUP,
  CORE_GROUP,
  ELITE_V2_WRITABLE_REGISTERS,
  GRID_GROUP,
  INVERTER_GROUP,
  V2_REGISTER_COUNTS,
} from "./_common.ts";

/**
 * BLUETTI Elite 100 V2: home data (10 s), grid (10 s), battery (30 s), inverter (blocks 1100,
 * 1400, 1500; 30 s) and the pack record (block 6100; 60 s). Protocol version unknown (fields
 * are decoded when their bytes are present); bare RTU framing by default. No field overrides:
 * a station whose pack voltage reads 10× too low overrides `100.pack_voltage`, `6000.voltage`
 * and `6100.voltage` with `scale:0.1` (see {@linkcode DeviceProfile}).
 *
 * @example Its inverter group
 * ```ts
 * import { profileGroup } from "@power-sdk/sdk/device";
 * import { EL100V2_PROFILE } from "@power-sdk/sdk/profiles";
 * import assert from "node:assert/strict";
 *
 * const inverter = profileGroup(EL100V2_PROFILE, "inverter");
 * assert.deepEqual(inverter.blocks, [1100, 1400, 1500]);
 * assert.equal(inverter.pollIntervalMs, 30_000);
 * ```
 */
export const EL100V2_PROFILE: DeviceProfile = {
  id: "EL100V2",
  name: "Elite 100 V2",
  aliases: ["Elite 100 V2", "EL100 V2"],
  vendor: "BLUETTI",
  protocol: "bluetti_v2",
  protocolVersion: null,
  defaultFraming: "rtu",
  groups: [CORE_GROUP, GRID_GROUP, BATTERY_GROUP, INVERTER_GROUP, CELLS_GROUP],
  registerCounts: V2_REGISTER_COUNTS,
  fieldOverrides: [],
  writableRegisters: ELITE_V2_WRITABLE_REGISTERS,
};
