import assert from "node:assert/strict";
import {
  buildExceptionReply,
  buildReadReply,
  buildWriteMultipleReply,
  buildWriteSingleReply,
} from "./build_reply.ts";
import { crc16Modbus } from "./crc16.ts";
import { ramp } from "./_test_utils.ts";

Deno.test("buildReadReply() encodes address, function, byte count, data and CRC", () => {
  const frame = buildReadReply(1, new Uint8Array([0x14, 0xc1, 0x00, 0x5f]));
  assert.equal(frame.toHex(), "01030414c1005fee07");
  assert.equal(crc16Modbus(frame), 0);
});

Deno.test("buildReadReply() copies the data", () => {
  const data = ramp(4);
  const frame = buildReadReply(1, data);
  data[0] = 0xff;
  assert.equal(frame[3], 0);
});

Deno.test("buildReadReply() accepts 125 registers and refuses odd, empty or larger data", () => {
  assert.equal(buildReadReply(1, ramp(250)).length, 255);
  for (const length of [0, 3, 252]) {
    assert.throws(() => buildReadReply(1, ramp(length)), RangeError);
  }
  assert.throws(() => buildReadReply(1, ramp(3)), {
    message: "Cannot build read reply: data length must be even and 2..250, got 3",
  });
  assert.throws(() => buildReadReply(248, ramp(2)), {
    name: "RangeError",
    message: "Cannot build read reply: address must be an integer 0..247, got 248",
  });
});

Deno.test("buildWriteSingleReply() encodes the echo of a write", () => {
  assert.equal(buildWriteSingleReply(1, 3007, 1).toHex(), "01060bbf00017bca");
  assert.throws(() => buildWriteSingleReply(1, 65536, 1), RangeError);
  assert.throws(() => buildWriteSingleReply(1, 1, -1), RangeError);
});

Deno.test("buildWriteMultipleReply() encodes start and quantity", () => {
  const frame = buildWriteMultipleReply(1, 2014, 3);
  assert.equal(frame.subarray(0, 6).toHex(), "011007de0003");
  assert.equal(crc16Modbus(frame), 0);
  assert.throws(() => buildWriteMultipleReply(1, 2014, 0), RangeError);
  assert.throws(() => buildWriteMultipleReply(1, 2014, 124), RangeError);
});

Deno.test("buildExceptionReply() sets the 0x80 bit of the function", () => {
  const frame = buildExceptionReply(1, 0x06, 4);
  assert.equal(frame.subarray(0, 3).toHex(), "018604");
  assert.equal(crc16Modbus(frame), 0);
  assert.throws(() => buildExceptionReply(1, 0x83, 2), {
    message: "Cannot build exception reply: function code must be an integer 1..127, got 131",
  });
  assert.throws(() => buildExceptionReply(1, 0x03, 256), RangeError);
});
