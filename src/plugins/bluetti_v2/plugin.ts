// The public entry of the BLUETTI V2 plugin: the plugin whole. Its definition
// (`_definition.ts`) reads the block definitions, the registry and the simulator's mapping
// from `_parts.ts`, imported here first; the CLI's `runtime` and `profiles` define the plugin
// without them and load them when a command needs them.
import "./_parts.ts";
import type { ProtocolPlugin } from "../../plugin/plugin.ts";
import { BLUETTI_V2 as DEFINED } from "./_definition.ts";

/**
 * The BLUETTI V2 plugin (`vendor: bluetti`, `protocol: v2` in runtime.yaml): the Elite V2
 * profiles, the 45 block schemas, the control registers, the identity blocks, the `iot-v2`
 * and `v1` envelopes, the vendor cloud's MQTT broker and topics, and the simulator's mapping.
 * `blocks`, `simulation` and `createRegistry` read parts that this module loads with the
 * plugin (a private module defines the plugin without them, for commands that need its
 * profiles alone, and loads them on first need).
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
export const BLUETTI_V2: ProtocolPlugin = DEFINED;
