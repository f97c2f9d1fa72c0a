import assert from "node:assert/strict";
import { MODBUS_EXCEPTION_NAMES, ModbusExceptionError, ProtocolError } from "../errors/errors.ts";
import type { ProtocolErrorCode } from "../errors/errors.ts";
import {
  buildExceptionReply,
  buildReadReply,
  buildWriteMultipleReply,
  buildWriteSingleReply,
} from "./build_reply.ts";
import { parseReply } from "./parse_reply.ts";
import type {
  ModbusRequest,
  ReadRequest,
  WriteMultipleRequest,
  WriteSingleRequest,
} from "./types.ts";
import { bytes, concat, ramp, withCrc } from "./_test_utils.ts";

const READ: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 5 };
const WRITE: WriteSingleRequest = { function: 0x06, address: 1, register: 3007, value: 1 };
const WRITE_MANY: WriteMultipleRequest = {
  function: 0x10,
  address: 1,
  start: 2014,
  values: [1, 2, 3],
};

function assertProtocolError(
  frame: Uint8Array,
  request: ModbusRequest,
  code: ProtocolErrorCode,
  offset: number | undefined,
  message?: string,
): void {
  assert.throws(() => parseReply(frame, request), (error: unknown) => {
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.code, code, error.message);
    assert.equal(error.offset, offset);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

Deno.test("parseReply() returns the data of a read reply as a view into the frame", () => {
  const frame = buildReadReply(1, ramp(10));
  const reply = parseReply(frame, READ);
  assert.equal(reply.function, 0x03);
  assert.ok(reply.function === 0x03);
  assert.equal(reply.address, 1);
  assert.equal(reply.registerCount, 5);
  assert.deepEqual([...reply.data], [...ramp(10)]);
  assert.equal(reply.data.buffer, frame.buffer);
  assert.equal(reply.data.byteOffset, frame.byteOffset + 3);
});

Deno.test("parseReply() accepts a read reply with fewer registers than requested", () => {
  const request: ReadRequest = { function: 0x03, address: 1, start: 6100, quantity: 104 };
  const reply = parseReply(buildReadReply(1, ramp(180)), request);
  assert.ok(reply.function === 0x03);
  assert.equal(reply.data.length, 180);
  assert.equal(reply.registerCount, 90);

  const short = parseReply(buildReadReply(1, ramp(44)), { ...request, start: 6300, quantity: 25 });
  assert.ok(short.function === 0x03);
  assert.equal(short.registerCount, 22);
});

Deno.test("parseReply() accepts a read reply inside a larger buffer", () => {
  const buffer = concat(bytes("aa bb"), buildReadReply(1, ramp(4)), bytes("cc"));
  const reply = parseReply(buffer.subarray(2, 11), READ);
  assert.ok(reply.function === 0x03);
  assert.deepEqual([...reply.data], [0, 1, 2, 3]);
});

Deno.test("parseReply() accepts address 0 replies of iot-v2 stations", () => {
  const reply = parseReply(buildReadReply(0, ramp(2)), { ...READ, address: 0 });
  assert.equal(reply.address, 0);
});

Deno.test("parseReply() returns the echo of a write-single reply", () => {
  assert.deepEqual(parseReply(bytes("01 06 0b bf 00 01 7b ca"), WRITE), {
    function: 0x06,
    address: 1,
    register: 3007,
    value: 1,
  });
});

Deno.test("parseReply() returns start and quantity of a write-multiple reply", () => {
  assert.deepEqual(parseReply(buildWriteMultipleReply(1, 2014, 3), WRITE_MANY), {
    function: 0x10,
    address: 1,
    start: 2014,
    quantity: 3,
  });
});

Deno.test("parseReply() throws ModbusExceptionError with the name of codes 1-6", () => {
  for (const code of [1, 2, 3, 4, 5, 6]) {
    for (const request of [READ, WRITE, WRITE_MANY]) {
      const frame = buildExceptionReply(1, request.function, code);
      assert.throws(() => parseReply(frame, request), (error: unknown) => {
        assert.ok(error instanceof ModbusExceptionError);
        assert.ok(error instanceof ProtocolError);
        assert.equal(error.code, "PROTOCOL_MODBUS_EXCEPTION");
        assert.equal(error.exceptionCode, code);
        assert.equal(error.functionCode, request.function);
        assert.equal(error.exceptionName, MODBUS_EXCEPTION_NAMES[code]);
        return true;
      });
    }
  }
  assert.throws(() => parseReply(buildExceptionReply(1, 0x03, 6), READ), {
    message: "Station refused function 0x03: Modbus exception 6 (busy (retry later))",
  });
});

Deno.test("parseReply() throws ModbusExceptionError for an unknown exception code", () => {
  assert.throws(() => parseReply(buildExceptionReply(1, 0x06, 0x0b), WRITE), {
    name: "ModbusExceptionError",
    exceptionCode: 11,
    exceptionName: "unknown exception",
  });
});

Deno.test("parseReply() reports a frame shorter than 5 bytes as truncated", () => {
  for (const frame of [bytes(""), bytes("01"), bytes("01 83 02 c0")]) {
    assertProtocolError(frame, READ, "PROTOCOL_TRUNCATED", frame.length);
  }
  assertProtocolError(
    bytes("01 03 02 00"),
    READ,
    "PROTOCOL_TRUNCATED",
    4,
    "Cannot parse reply: a Modbus RTU reply has at least 5 bytes, got 4",
  );
});

Deno.test("parseReply() reports a read reply shorter than its byte count as truncated, not CRC", () => {
  const frame = buildReadReply(1, ramp(10));
  const cut = frame.subarray(0, 12);
  assertProtocolError(
    cut,
    READ,
    "PROTOCOL_TRUNCATED",
    12,
    "Cannot parse reply: header announces 15 bytes, got 12 (CRC not checked)",
  );
});

Deno.test("parseReply() reports cut-off write replies as truncated", () => {
  const single = buildWriteSingleReply(1, 3007, 1);
  assertProtocolError(single.subarray(0, 7), WRITE, "PROTOCOL_TRUNCATED", 7);
  const multiple = buildWriteMultipleReply(1, 2014, 3);
  assertProtocolError(multiple.subarray(0, 6), WRITE_MANY, "PROTOCOL_TRUNCATED", 6);
});

Deno.test("parseReply() reports a bad CRC with expected and actual values", () => {
  const frame = bytes("01 06 0b bf 00 01 7b cb");
  assertProtocolError(
    frame,
    WRITE,
    "PROTOCOL_CRC",
    6,
    "Cannot parse reply: CRC mismatch, expected 0xca7b (wire 7b ca), got 0xcb7b (wire 7b cb)",
  );
});

Deno.test("parseReply() reports CRC before the header for a garbled frame", () => {
  // Address byte flipped: a garbled frame, not a reply from another station.
  const frame = buildReadReply(1, ramp(4));
  frame[0] = 2;
  assertProtocolError(frame, READ, "PROTOCOL_CRC", 7);
  // Data byte flipped.
  const data = buildReadReply(1, ramp(4));
  data[4] = 0x82;
  assertProtocolError(data, READ, "PROTOCOL_CRC", 7);
  // Byte count garbled to an implausible (odd) value.
  const count = buildReadReply(1, ramp(4));
  count[2] = 3;
  assertProtocolError(count, READ, "PROTOCOL_CRC", 7);
});

Deno.test("parseReply() reports a valid frame from another address as address mismatch", () => {
  assertProtocolError(
    buildReadReply(2, ramp(4)),
    READ,
    "PROTOCOL_ADDRESS_MISMATCH",
    0,
    "Cannot parse reply: address must be 1, got 2",
  );
  assertProtocolError(
    buildReadReply(1, ramp(4)),
    { ...READ, address: 0 },
    "PROTOCOL_ADDRESS_MISMATCH",
    0,
  );
});

Deno.test("parseReply() reports a valid frame of another function as function mismatch", () => {
  assertProtocolError(
    buildWriteSingleReply(1, 100, 5),
    READ,
    "PROTOCOL_FUNCTION_MISMATCH",
    1,
    "Cannot parse reply: function must be 0x03, got 0x06",
  );
  // An exception reply to another function is not this request's exception.
  assertProtocolError(buildExceptionReply(1, 0x10, 2), WRITE, "PROTOCOL_FUNCTION_MISMATCH", 1);
});

Deno.test("parseReply() rejects an odd byte count", () => {
  assertProtocolError(
    withCrc("01 03 03 00 01 02"),
    READ,
    "PROTOCOL_BYTE_COUNT",
    2,
    "Cannot parse reply: byte count must be even and 2..10 for 5 registers, got 3",
  );
});

Deno.test("parseReply() rejects a byte count above what was asked", () => {
  assertProtocolError(buildReadReply(1, ramp(12)), READ, "PROTOCOL_BYTE_COUNT", 2);
});

Deno.test("parseReply() rejects a zero byte count", () => {
  assertProtocolError(withCrc("01 03 00"), READ, "PROTOCOL_BYTE_COUNT", 2);
});

Deno.test("parseReply() reports bytes after a valid read reply as trailing bytes", () => {
  const frame = concat(buildReadReply(1, ramp(4)), bytes("00 00"));
  assertProtocolError(
    frame,
    READ,
    "PROTOCOL_TRAILING_BYTES",
    9,
    "Cannot parse reply: 2 bytes follow the 9-byte frame",
  );
});

Deno.test("parseReply() reports trailing bytes when the CRC covers them but the byte count does not", () => {
  // The station's CRC covers all bytes, but its byte count announces only 2 of the 4 data bytes.
  assertProtocolError(withCrc("01 03 02 00 01 00 02"), READ, "PROTOCOL_TRAILING_BYTES", 7);
});

Deno.test("parseReply() reports bytes after write and exception replies as trailing bytes", () => {
  const single = concat(buildWriteSingleReply(1, 3007, 1), bytes("ff"));
  assertProtocolError(single, WRITE, "PROTOCOL_TRAILING_BYTES", 8);
  const multiple = concat(buildWriteMultipleReply(1, 2014, 3), bytes("ff ff ff"));
  assertProtocolError(multiple, WRITE_MANY, "PROTOCOL_TRAILING_BYTES", 8);
  const exception = concat(buildExceptionReply(1, 0x03, 2), bytes("00"));
  assertProtocolError(exception, READ, "PROTOCOL_TRAILING_BYTES", 5);
  // CRC over the whole frame: still 2 bytes too many after the exception code.
  assertProtocolError(withCrc("01 83 02 00 00"), READ, "PROTOCOL_TRAILING_BYTES", 5);
  assertProtocolError(withCrc("01 06 0b bf 00 01 00"), WRITE, "PROTOCOL_TRAILING_BYTES", 8);
  assertProtocolError(withCrc("01 10 07 de 00 03 00"), WRITE_MANY, "PROTOCOL_TRAILING_BYTES", 8);
});

Deno.test("parseReply() reports a write-single echo of another register or value", () => {
  assertProtocolError(
    buildWriteSingleReply(1, 3008, 1),
    WRITE,
    "PROTOCOL_ECHO_MISMATCH",
    2,
    "Cannot parse reply: echoed register must be 3007, got 3008",
  );
  assertProtocolError(
    buildWriteSingleReply(1, 3007, 0),
    WRITE,
    "PROTOCOL_ECHO_MISMATCH",
    4,
    "Cannot parse reply: echoed value must be 1, got 0",
  );
});

Deno.test("parseReply() reports a write-multiple reply of another start or quantity", () => {
  assertProtocolError(buildWriteMultipleReply(1, 2015, 3), WRITE_MANY, "PROTOCOL_ECHO_MISMATCH", 2);
  assertProtocolError(
    buildWriteMultipleReply(1, 2014, 2),
    WRITE_MANY,
    "PROTOCOL_ECHO_MISMATCH",
    4,
    "Cannot parse reply: echoed quantity must be 3, got 2",
  );
});

Deno.test("parseReply() refuses a request with an unsupported function", () => {
  const request = { function: 0x04, address: 1, start: 1, quantity: 1 } as unknown as ModbusRequest;
  assertProtocolError(withCrc("01 04 02 00 01"), request, "PROTOCOL_INVALID_REQUEST", undefined);
});

Deno.test("parseReply() does not modify the frame", () => {
  const frame = buildReadReply(1, ramp(10));
  const copy = frame.slice();
  parseReply(frame, READ);
  assert.deepEqual(frame, copy);
});
