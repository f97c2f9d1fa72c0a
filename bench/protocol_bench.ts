// The built-in plugins register the iot-v2 and v1 envelopes.
import "../src/plugins/mod.ts";
/**
 * Benchmarks of the protocol room: CRC over a 129-byte frame, and validating a 62-register
 * read reply (the block 100 poll) as a bare RTU frame and inside an iot-v2 envelope.
 *
 * Run with `deno bench -P=bench bench/protocol_bench.ts`.
 *
 * @module
 */
import {
  crc16Modbus,
  getFraming,
  parseReply,
  type ReadRequest,
  replyMatches,
} from "../src/protocol/mod.ts";
import { buildReadReply } from "../src/protocol/build_reply.ts";

const data = new Uint8Array(124);
for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 0xff;

const rtuRequest: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 62 };
const rtuReply = buildReadReply(1, data); // 5 + 124 = 129 bytes
const iotV2 = getFraming("iot-v2");
const iotV2Request: ReadRequest = { ...rtuRequest, address: iotV2.deviceAddress };
const iotV2Payload = iotV2.wrapReply(buildReadReply(0, data));

/** Results are folded in here so no call can be optimised away. */
let sink = 0;

Deno.bench({
  name: "crc16Modbus() over a 129-byte frame",
  group: "crc",
  baseline: true,
  fn(): void {
    sink ^= crc16Modbus(rtuReply);
  },
});

Deno.bench({
  name: "parseReply() of a 62-register read reply (rtu)",
  group: "parse",
  baseline: true,
  fn(): void {
    sink ^= parseReply(rtuReply, rtuRequest).address;
  },
});

Deno.bench({
  name: "unwrap + parseReply() of a 62-register read reply (iot-v2)",
  group: "parse",
  fn(): void {
    sink ^= parseReply(iotV2.unwrap(iotV2Payload), iotV2Request).address;
  },
});

Deno.bench({
  name: "unwrap + replyMatches() + parseReply() (iot-v2, transport path)",
  group: "parse",
  fn(): void {
    const rtu = iotV2.unwrap(iotV2Payload);
    if (replyMatches(iotV2Request, rtu)) sink ^= parseReply(rtu, iotV2Request).address;
  },
});
