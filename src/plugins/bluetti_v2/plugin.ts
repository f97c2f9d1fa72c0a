import { definePlugin, type ProtocolPlugin } from "../../plugin/plugin.ts";
import { EL30V2_PROFILE } from "./profiles/el30v2.ts";
import { EL100V2_PROFILE } from "./profiles/el100v2.ts";
import { ELITE200V2_PROFILE } from "./profiles/elite200v2.ts";
import { GENERIC_V2_PROFILE } from "./profiles/generic_v2.ts";
import { BLUETTI_V2_CONTROL_REGISTERS } from "./control_registers.ts";
import { BLUETTI_IOT_V2_FRAMING, BLUETTI_V1_FRAMING } from "./framings.ts";
import { bluettiV2Identity } from "./identity.ts";
import { BLUETTI_V2_LABELS } from "./labels.ts";
import { createBluettiRegistry } from "./registry.ts";
import { BLUETTI_V2_BLOCKS } from "./blocks.ts";
import { BLUETTI_V2_SIMULATION } from "./sim_mapping.ts";

/**
 * The BLUETTI V2 plugin (`vendor: bluetti`, `protocol: v2` in runtime.yaml): the Elite V2
 * profiles, the 45 block schemas, the control registers, the identity blocks, the `iot-v2`
 * and `v1` envelopes, the vendor cloud's MQTT broker and topics, and the simulator's mapping.
 *
 * @example
 * ```ts
 * import { BLUETTI_V2 } from "@power-sdk/sdk";
 * import { getFraming } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([BLUETTI_V2.vendor, BLUETTI_V2.protocol], ["bluetti", "v2"]);
 * assert.equal(BLUETTI_V2.profiles.length, 4);
 * assert.equal(getFraming("iot-v2").deviceAddress, 0);
 * assert.equal(BLUETTI_V2.createRegistry(BLUETTI_V2.profiles[0]!).size, 45);
 * ```
 */
export const BLUETTI_V2: ProtocolPlugin = definePlugin({
  id: "bluetti_v2",
  vendor: "bluetti",
  protocol: "v2",
  profiles: [EL30V2_PROFILE, EL100V2_PROFILE, ELITE200V2_PROFILE, GENERIC_V2_PROFILE],
  controlRegisters: BLUETTI_V2_CONTROL_REGISTERS,
  framings: [BLUETTI_IOT_V2_FRAMING, BLUETTI_V1_FRAMING],
  identity: bluettiV2Identity,
  labels: BLUETTI_V2_LABELS,
  transportDefaults: {
    mqtt: {
      broker: "iot.bluettipower.com",
      port: 18760,
      topics: { request: "SUB/{sn}", response: "PUB/{sn}" },
    },
  },
  blocks: BLUETTI_V2_BLOCKS,
  simulation: BLUETTI_V2_SIMULATION,
  createRegistry: (profile) => createBluettiRegistry(profile.fieldOverrides),
});
