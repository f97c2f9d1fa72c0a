import assert from "node:assert/strict";
import { ModbusExceptionError, ProtocolError } from "../errors/errors.ts";
import { buildRequest } from "./build_request.ts";
import { buildMbapRequest } from "./mbap.ts";
import {
  buildExceptionReplyPdu,
  buildReadReplyPdu,
  buildWriteMultipleReplyPdu,
  buildWriteSingleReplyPdu,
  MBAP_LAYOUT,
  parseReplyPdu,
  parseRequestPdu,
  replyPduMatches,
  requestPduLength,
  RTU_LAYOUT,
  writeRequestPdu,
} from "./pdu.ts";
import type { ModbusRequest } from "./types.ts";

const REQUESTS: readonly ModbusRequest[] = [
  { function: 0x03, address: 1, start: 50000, quantity: 20 },
  { function: 0x06, address: 1, register: 57001, value: 1 },
  { function: 0x10, address: 1, start: 57016, values: [5, 90] },
];

function pduOf(request: ModbusRequest): Uint8Array {
  const pdu = new Uint8Array(requestPduLength(request));
  writeRequestPdu(request, pdu, 0);
  return pdu;
}

Deno.test("writeRequestPdu() is the body the RTU and MBAP wrappings share", () => {
  for (const request of REQUESTS) {
    const pdu = pduOf(request);
    const rtu = buildRequest(request);
    const mbap = buildMbapRequest(0x1234, request);
    assert.deepEqual(rtu.subarray(1, rtu.length - 2), pdu);
    assert.deepEqual(mbap.subarray(7), pdu);
    assert.equal(rtu.length, pdu.length + RTU_LAYOUT.before + RTU_LAYOUT.after);
    assert.equal(mbap.length, pdu.length + MBAP_LAYOUT.before + MBAP_LAYOUT.after);
  }
});

Deno.test("parseRequestPdu() decodes what writeRequestPdu() encodes", () => {
  for (const request of REQUESTS) {
    const pdu = pduOf(request);
    assert.deepEqual(parseRequestPdu(pdu, 0, pdu.length, 1, { before: 0, after: 0 }), request);
  }
});

Deno.test("parseRequestPdu() names truncation and extra bytes at their ADU offset", () => {
  const pdu = pduOf(REQUESTS[0]!);
  const frame = new Uint8Array(7 + 4);
  frame.set(pdu.subarray(0, 4), 7);
  assert.throws(() => parseRequestPdu(frame, 7, 11, 1, MBAP_LAYOUT), {
    code: "PROTOCOL_TRUNCATED",
    message: "Cannot parse request: function 0x03 needs 12 bytes, got 11",
  });
  const long = new Uint8Array(7 + 6);
  long.set(pdu, 7);
  assert.throws(() => parseRequestPdu(long, 7, 13, 1, MBAP_LAYOUT), {
    code: "PROTOCOL_TRAILING_BYTES",
    offset: 12,
  });
  assert.throws(() => parseRequestPdu(new Uint8Array([0x04, 0, 0, 0, 1]), 0, 5, 1, RTU_LAYOUT), {
    code: "PROTOCOL_FUNCTION_MISMATCH",
    offset: 0,
  });
});

Deno.test("parseReplyPdu() returns read data and throws exceptions with their code", () => {
  const read = REQUESTS[0]!;
  const layout = { layout: MBAP_LAYOUT, address: 1 } as const;
  const reply = buildReadReplyPdu(new Uint8Array([0, 95, 1, 2]));
  const parsed = parseReplyPdu(reply, 0, reply.length, read, layout);
  assert.equal(parsed.function, 0x03);
  assert.deepEqual(parsed.function === 0x03 && [...parsed.data], [0, 95, 1, 2]);
  for (const code of [2, 5, 6]) {
    const exception = buildExceptionReplyPdu(0x03, code);
    assert.throws(
      () => parseReplyPdu(exception, 0, 2, read, layout),
      (error: unknown) => error instanceof ModbusExceptionError && error.exceptionCode === code,
    );
  }
});

Deno.test("parseReplyPdu() refuses a read reply whose byte count disagrees with its length", () => {
  const read = REQUESTS[0]!;
  const layout = { layout: { before: 0, after: 0 }, address: 1 } as const;
  const short = new Uint8Array([0x03, 4, 0, 1]);
  assert.throws(() => parseReplyPdu(short, 0, 4, read, layout), { code: "PROTOCOL_TRUNCATED" });
  const long = new Uint8Array([0x03, 2, 0, 1, 9]);
  assert.throws(() => parseReplyPdu(long, 0, 5, read, layout), {
    code: "PROTOCOL_TRAILING_BYTES",
    message: "Cannot parse reply: 1 byte follows the 4-byte frame",
  });
  const tooMany = buildReadReplyPdu(new Uint8Array(42));
  assert.throws(() => parseReplyPdu(tooMany, 0, tooMany.length, read, layout), {
    code: "PROTOCOL_BYTE_COUNT",
  });
});

Deno.test("parseReplyPdu() takes an echo of another register only when asked and the value matches", () => {
  const write = REQUESTS[1]! as ModbusRequest & { function: 0x06 };
  const layout = { layout: MBAP_LAYOUT, address: 1 } as const;
  const internal = buildWriteSingleReplyPdu(2011, 1);
  assert.throws(() => parseReplyPdu(internal, 0, 5, write, layout), {
    code: "PROTOCOL_ECHO_MISMATCH",
  });
  const accepted = parseReplyPdu(internal, 0, 5, write, { ...layout, acceptRegisterEcho: true });
  assert.deepEqual(accepted, { function: 0x06, address: 1, register: 2011, value: 1 });
  const otherValue = buildWriteSingleReplyPdu(2011, 0);
  assert.throws(
    () => parseReplyPdu(otherValue, 0, 5, write, { ...layout, acceptRegisterEcho: true }),
    {
      code: "PROTOCOL_ECHO_MISMATCH",
      message: "Cannot parse reply: echoed value must be 1, got 0",
    },
  );
});

Deno.test("replyPduMatches() tells replies from other PDUs without throwing", () => {
  const [read, write, many] = REQUESTS as [ModbusRequest, ModbusRequest, ModbusRequest];
  assert.equal(replyPduMatches(read, buildReadReplyPdu(new Uint8Array(40)), 0, 42), true);
  // Fewer registers than asked: only where the profile knows that short reply.
  assert.equal(replyPduMatches(read, buildReadReplyPdu(new Uint8Array(2)), 0, 4), false);
  assert.equal(
    replyPduMatches(read, buildReadReplyPdu(new Uint8Array(2)), 0, 4, { shortCounts: [1] }),
    true,
  );
  assert.equal(replyPduMatches(read, buildReadReplyPdu(new Uint8Array(42)), 0, 44), false);
  assert.equal(replyPduMatches(read, buildExceptionReplyPdu(0x03, 2), 0, 2), true);
  assert.equal(replyPduMatches(read, buildExceptionReplyPdu(0x06, 2), 0, 2), false);
  assert.equal(replyPduMatches(write, buildWriteSingleReplyPdu(57001, 1), 0, 5), true);
  assert.equal(replyPduMatches(many, buildWriteMultipleReplyPdu(57016, 2), 0, 5), true);
  assert.equal(replyPduMatches(many, buildWriteMultipleReplyPdu(57016, 3), 0, 5), false);
  assert.equal(replyPduMatches(read, new Uint8Array(0), 0, 0), false);
});

Deno.test("requestPduLength() validates every field but the address", () => {
  assert.equal(requestPduLength({ function: 0x03, address: 999, start: 0, quantity: 1 }), 5);
  assert.throws(
    () => requestPduLength({ function: 0x03, address: 1, start: 65535, quantity: 2 }),
    (error: unknown) =>
      error instanceof ProtocolError && error.code === "PROTOCOL_INVALID_REQUEST" &&
      error.message === "Cannot build read request: registers must end at 65535, got 65535..65536",
  );
});
