// The built-in plugins register the iot-v2 and v1 envelopes.
import "../src/plugins/mod.ts";
// A whole read's CPU work on our side: iot-v2 payload → RTU frame → validated data → record.
import { getFraming, parseReply } from "../src/protocol/mod.ts";
import { buildReadReply } from "../src/protocol/build_reply.ts";
import { createBluettiRegistry } from "../src/plugins/bluetti_v2/registry.ts";

const schema = createBluettiRegistry().require(100);
const framing = getFraming("iot-v2");
const data = schema.encode({ pack_voltage: 53.13, soc: 95, device_model: "EL100V2" }, {
  length: 124,
});
const payload = framing.wrapReply(buildReadReply(0, data));
const request = { function: 0x03, address: 0, start: 100, quantity: 62 } as const;

Deno.bench("iot-v2 payload → block 100 record (unwrap, validate, decode)", () => {
  const reply = parseReply(framing.unwrap(payload), request);
  if (reply.function === 0x03) schema.decode(reply.data);
});
