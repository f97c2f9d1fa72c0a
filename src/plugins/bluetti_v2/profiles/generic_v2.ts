import type { DeviceProfile } from "../../../device/profile.ts";
import { CORE_GROUP, v2Profile } from "./_common.ts";

/**
 * Any BLUETTI V2 station without a profile of its own: only the home data block (100) every
 * 10 s, and no writable registers. A starting point for a new model.
 *
 * @example Blocks of the generic profile
 * ```ts
 * import { profileBlocks } from "@power-sdk/sdk/device";
 * import { GENERIC_V2_PROFILE } from "@power-sdk/sdk/profiles";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(profileBlocks(GENERIC_V2_PROFILE), [100]);
 * assert.deepEqual(GENERIC_V2_PROFILE.writableRegisters, []);
 * ```
 */
export const GENERIC_V2_PROFILE: DeviceProfile = v2Profile({
  id: "GENERIC_V2",
  name: "Generic BLUETTI V2",
  aliases: [],
  groups: [CORE_GROUP],
  writableRegisters: [],
});
