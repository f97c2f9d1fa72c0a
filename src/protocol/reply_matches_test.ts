import assert from "node:assert/strict";
import {
  buildExceptionReply,
  buildReadReply,
  buildWriteMultipleReply,
  buildWriteSingleReply,
} from "./build_reply.ts";
import { buildRequest } from "./build_request.ts";
import { replyMatches } from "./reply_matches.ts";
import type {
  ModbusRequest,
  ReadRequest,
  WriteMultipleRequest,
  WriteSingleRequest,
} from "./types.ts";
import { bytes, concat, ramp, withCrc } from "./_test_utils.ts";

const READ: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 62 };
const WRITE: WriteSingleRequest = { function: 0x06, address: 1, register: 2011, value: 1 };
const WRITE_MANY: WriteMultipleRequest = {
  function: 0x10,
  address: 1,
  start: 2014,
  values: [1, 2],
};

Deno.test("replyMatches() accepts a read reply of exactly the asked size", () => {
  assert.equal(replyMatches(READ, buildReadReply(1, ramp(124))), true);
  // Shorter: another block's reply (block 1300, 17 registers) or a short unsolicited frame.
  assert.equal(replyMatches(READ, buildReadReply(1, ramp(34))), false);
  assert.equal(replyMatches(READ, buildReadReply(1, ramp(2))), false);
  assert.equal(replyMatches(READ, buildReadReply(1, ramp(122))), false);
});

Deno.test("replyMatches() accepts a short read reply only with a listed register count", () => {
  const big: ReadRequest = { ...READ, start: 6100, quantity: 104 };
  const short = buildReadReply(1, ramp(180));
  assert.equal(replyMatches(big, short), false);
  assert.equal(replyMatches(big, short, { shortCounts: [90] }), true);
  assert.equal(replyMatches(big, short, { shortCounts: [89, 91] }), false);
  assert.equal(replyMatches(big, buildReadReply(1, ramp(208)), { shortCounts: [90] }), true);
  // A listed count is no licence for a longer reply than asked.
  assert.equal(replyMatches(READ, buildReadReply(1, ramp(196)), { shortCounts: [98] }), false);
});

Deno.test("replyMatches() rejects read frames of an implausible length", () => {
  // A push of block 100 with 98 registers while 62 were asked.
  assert.equal(replyMatches(READ, buildReadReply(1, ramp(196))), false);
  assert.equal(replyMatches(READ, withCrc("01 03 03 00 01 02")), false);
  assert.equal(replyMatches(READ, withCrc("01 03 00")), false);
  const reply = buildReadReply(1, ramp(10));
  assert.equal(replyMatches(READ, reply.subarray(0, 14)), false);
  assert.equal(replyMatches(READ, concat(reply, bytes("00"))), false);
});

Deno.test("replyMatches() rejects frames from another address", () => {
  assert.equal(replyMatches(READ, buildReadReply(0, ramp(124))), false);
  assert.equal(replyMatches({ ...READ, address: 0 }, buildReadReply(0, ramp(124))), true);
});

Deno.test("replyMatches() rejects unsolicited frames of another function", () => {
  assert.equal(replyMatches(READ, buildWriteMultipleReply(1, 100, 2)), false);
  // An unprompted 0x10 push carries data: longer than a write-multiple reply.
  const push = buildRequest({ function: 0x10, address: 1, start: 2014, values: [1, 2] });
  assert.equal(replyMatches(WRITE_MANY, push), false);
  assert.equal(replyMatches(WRITE, buildReadReply(1, ramp(4))), false);
});

Deno.test("replyMatches() accepts 5-byte exception replies to the request's function only", () => {
  assert.equal(replyMatches(READ, buildExceptionReply(1, 0x03, 2)), true);
  assert.equal(replyMatches(WRITE, buildExceptionReply(1, 0x06, 6)), true);
  assert.equal(replyMatches(WRITE_MANY, buildExceptionReply(1, 0x10, 1)), true);
  assert.equal(replyMatches(READ, buildExceptionReply(1, 0x06, 2)), false);
  assert.equal(replyMatches(READ, buildExceptionReply(2, 0x03, 2)), false);
  assert.equal(replyMatches(READ, concat(buildExceptionReply(1, 0x03, 2), bytes("00"))), false);
});

Deno.test("replyMatches() checks the echo of write replies", () => {
  assert.equal(replyMatches(WRITE, buildWriteSingleReply(1, 2011, 1)), true);
  assert.equal(replyMatches(WRITE, buildWriteSingleReply(1, 2012, 1)), false);
  assert.equal(replyMatches(WRITE, buildWriteSingleReply(1, 2011, 0)), false);
  assert.equal(replyMatches(WRITE_MANY, buildWriteMultipleReply(1, 2014, 2)), true);
  assert.equal(replyMatches(WRITE_MANY, buildWriteMultipleReply(1, 2015, 2)), false);
  assert.equal(replyMatches(WRITE_MANY, buildWriteMultipleReply(1, 2014, 3)), false);
  assert.equal(replyMatches(WRITE, buildWriteSingleReply(1, 2011, 1).subarray(0, 7)), false);
});

Deno.test("replyMatches() ignores the CRC so a corrupt reply fails with a CRC error", () => {
  const reply = buildReadReply(1, ramp(124));
  reply[reply.length - 1] = reply[reply.length - 1]! ^ 0xff;
  assert.equal(replyMatches(READ, reply), true);
});

Deno.test("replyMatches() returns false instead of throwing on odd input", () => {
  for (const frame of [bytes(""), bytes("01"), bytes("01 03"), bytes("01 03 02 00")]) {
    assert.equal(replyMatches(READ, frame), false);
  }
  const unknown = { function: 0x04, address: 1, start: 1, quantity: 1 } as unknown as ModbusRequest;
  assert.equal(replyMatches(unknown, withCrc("01 04 02 00 01")), false);
});
