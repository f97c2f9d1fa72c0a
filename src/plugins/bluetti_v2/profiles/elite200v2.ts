import type { DeviceProfile } from "../../../device/profile.ts";
import { eliteV2Profile } from "./_common.ts";

/**
 * BLUETTI Elite 200 V2: home data (10 s), grid (10 s) and battery (30 s). Protocol version
 * unknown (fields are decoded when their bytes are present); bare RTU framing by default. No
 * field overrides: a station whose pack voltage reads 10x too low overrides
 * `100.pack_voltage` and `6000.voltage` with `scale:0.1` (see {@linkcode DeviceProfile}).
 * Open question: a peer reads block 100 byte 104 as battery voltage on this model, where the
 * schema has `total_ac_energy` (block-evidence.md section 4.6).
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
export const ELITE200V2_PROFILE: DeviceProfile = eliteV2Profile(
  "ELITE200V2",
  "Elite 200 V2",
  "EL200V2",
);
