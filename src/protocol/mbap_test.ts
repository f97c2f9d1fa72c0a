import assert from "node:assert/strict";
import { ModbusExceptionError } from "../errors/errors.ts";
import {
  buildMbapRequest,
  mbapFrameLength,
  mbapReplyMatches,
  parseMbapReply,
  parseMbapRequest,
  wrapMbapAdu,
} from "./mbap.ts";
import { buildExceptionReplyPdu, buildReadReplyPdu, buildWriteSingleReplyPdu } from "./pdu.ts";
import type { ReadRequest, WriteSingleRequest } from "./types.ts";

const READ: ReadRequest = { function: 0x03, address: 1, start: 51002, quantity: 3 };
const WRITE: WriteSingleRequest = { function: 0x06, address: 1, register: 57005, value: 1 };

Deno.test("buildMbapRequest() writes the MBAP header the Modbus TCP spec defines", () => {
  const frame = buildMbapRequest(0xbeef, READ);
  // tid, protocol 0, length = unit + 5-byte PDU, unit, 03 start quantity
  assert.deepEqual([...frame], [0xbe, 0xef, 0, 0, 0, 6, 1, 3, 0xc7, 0x3a, 0, 3]);
  assert.deepEqual(parseMbapRequest(frame), { transactionId: 0xbeef, unitId: 1, request: READ });
  assert.throws(() => buildMbapRequest(65536, READ), { code: "PROTOCOL_INVALID_REQUEST" });
  assert.throws(() => buildMbapRequest(1, { ...READ, address: 256 }), {
    code: "PROTOCOL_INVALID_REQUEST",
  });
});

Deno.test("mbapFrameLength() splits a stream at any cut and refuses what is not MBAP", () => {
  const a = wrapMbapAdu(1, 1, buildReadReplyPdu(new Uint8Array(6)));
  const b = wrapMbapAdu(2, 1, buildExceptionReplyPdu(0x03, 2));
  const stream = new Uint8Array([...a, ...b]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const head = stream.subarray(0, cut);
    assert.equal(mbapFrameLength(head), cut >= a.length ? a.length : 0, `cut ${cut}`);
  }
  assert.equal(mbapFrameLength(stream.subarray(a.length)), b.length);
  assert.equal(mbapFrameLength(new Uint8Array([0, 1, 0, 1])), -1);
  assert.equal(mbapFrameLength(new Uint8Array([0, 1, 0, 0, 0, 1, 1])), -1);
  assert.equal(mbapFrameLength(new Uint8Array([0, 1, 0, 0, 1, 0, 1])), -1);
});

Deno.test("parseMbapReply() checks header, transaction id and unit before the PDU", () => {
  const ok = wrapMbapAdu(5, 1, buildReadReplyPdu(new Uint8Array([0x15, 0x21, 0, 0x5f, 0, 1])));
  const reply = parseMbapReply(ok, READ, { transactionId: 5 });
  assert.equal(reply.function === 0x03 && reply.registerCount, 3);
  assert.throws(() => parseMbapReply(ok, READ, { transactionId: 6 }), {
    code: "PROTOCOL_TRANSACTION_MISMATCH",
    offset: 0,
  });
  assert.throws(() => parseMbapReply(ok, { ...READ, address: 2 }), {
    code: "PROTOCOL_ADDRESS_MISMATCH",
    offset: 6,
  });
  const badProtocol = ok.slice();
  badProtocol[3] = 1;
  assert.throws(() => parseMbapReply(badProtocol, READ), { code: "PROTOCOL_FRAMING", offset: 2 });
  assert.throws(() => parseMbapReply(ok.subarray(0, ok.length - 1), READ), {
    code: "PROTOCOL_TRUNCATED",
    message: "Cannot parse reply: MBAP header announces 15 bytes, got 14",
  });
  assert.throws(() => parseMbapReply(new Uint8Array([...ok, 0]), READ), {
    code: "PROTOCOL_TRAILING_BYTES",
  });
  assert.throws(() => parseMbapReply(ok.subarray(0, 8), READ), { code: "PROTOCOL_TRUNCATED" });
});

Deno.test("parseMbapReply() throws exception replies, 05 and 06 included", () => {
  for (const code of [2, 5, 6]) {
    const frame = wrapMbapAdu(1, 1, buildExceptionReplyPdu(0x03, code));
    assert.throws(
      () => parseMbapReply(frame, READ, { transactionId: 1 }),
      (error: unknown) => error instanceof ModbusExceptionError && error.exceptionCode === code,
    );
  }
});

Deno.test("mbapReplyMatches() accepts an internal-address echo only when asked and the value matches", () => {
  const echo = wrapMbapAdu(1, 1, buildWriteSingleReplyPdu(3008, 1));
  assert.equal(mbapReplyMatches(WRITE, echo), false);
  assert.equal(mbapReplyMatches(WRITE, echo, { acceptRegisterEcho: true }), true);
  const otherValue = wrapMbapAdu(1, 1, buildWriteSingleReplyPdu(3008, 0));
  assert.equal(mbapReplyMatches(WRITE, otherValue, { acceptRegisterEcho: true }), false);
  assert.equal(
    mbapReplyMatches(WRITE, wrapMbapAdu(1, 1, buildWriteSingleReplyPdu(57005, 1))),
    true,
  );
  const parsed = parseMbapReply(echo, WRITE, { acceptRegisterEcho: true });
  assert.deepEqual(parsed, { function: 0x06, address: 1, register: 3008, value: 1 });
});

Deno.test("mbapReplyMatches() refuses a frame whose length field lies", () => {
  const frame = wrapMbapAdu(1, 1, buildReadReplyPdu(new Uint8Array(6)));
  assert.equal(mbapReplyMatches(READ, frame), true);
  const lying = frame.slice();
  lying[5] = 8;
  assert.equal(mbapReplyMatches(READ, lying), false);
  assert.equal(mbapReplyMatches(READ, frame.subarray(0, 5)), false);
});
