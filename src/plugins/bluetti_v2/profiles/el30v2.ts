import type { DeviceProfile } from "../../../device/profile.ts";
import { eliteV2Profile } from "./_common.ts";

/**
 * BLUETTI Elite 30 V2: home data (10 s), grid (10 s) and battery (30 s). Protocol version
 * unknown (fields are decoded when their bytes are present); bare RTU framing by default. No
 * field overrides: a station whose pack voltage reads 10x too low overrides
 * `100.pack_voltage` and `6000.voltage` with `scale:0.1` (see {@linkcode DeviceProfile}).
 *
 * @example Find it by a model name
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import { EL30V2_PROFILE } from "@power-sdk/sdk/profiles";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getProfile("Elite 30 V2"), EL30V2_PROFILE);
 * assert.deepEqual(EL30V2_PROFILE.groups.map((g) => g.name), ["core", "grid", "battery"]);
 * ```
 */
export const EL30V2_PROFILE: DeviceProfile = eliteV2Profile("EL30V2", "Elite 30 V2", "EL30 V2");
