import type { DeviceProfile } from "../../../device/profile.ts";
import { CELLS_GROUP, eliteV2Profile, INVERTER_GROUP } from "./_common.ts";

/**
 * BLUETTI Elite 100 V2: home data (10 s), grid (10 s), battery (30 s), inverter (blocks 1100,
 * 1400, 1500; 30 s) and the pack record (block 6100; 60 s). Protocol version unknown (fields
 * are decoded when their bytes are present); bare RTU framing by default. No field overrides:
 * a station whose pack voltage reads 10x too low overrides `100.pack_voltage`, `6000.voltage`
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
export const EL100V2_PROFILE: DeviceProfile = eliteV2Profile(
  "EL100V2",
  "Elite 100 V2",
  "EL100 V2",
  [INVERTER_GROUP, CELLS_GROUP],
);
