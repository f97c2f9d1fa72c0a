import assert from "node:assert/strict";
import { ProtocolError, type ProtocolErrorCode } from "../errors/errors.ts";
import { buildRequest } from "./build_request.ts";
import { parseRequest } from "./parse_request.ts";
import type { ModbusRequest } from "./types.ts";
import { bytes, concat, withCrc } from "./_test_utils.ts";

function assertProtocolError(
  frame: Uint8Array,
  code: ProtocolErrorCode,
  offset: number,
  message?: string,
): void {
  assert.throws(() => parseRequest(frame), (error: unknown) => {
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.code, code, error.message);
    assert.equal(error.offset, offset);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

Deno.test("parseRequest() decodes what buildRequest() encodes, for every function", () => {
  const requests: ModbusRequest[] = [
    { function: 0x03, address: 1, start: 100, quantity: 62 },
    { function: 0x03, address: 0, start: 65535, quantity: 1 },
    { function: 0x06, address: 0, register: 2011, value: 1 },
    { function: 0x06, address: 247, register: 65535, value: 65535 },
    { function: 0x10, address: 1, start: 2014, values: [1, 2, 0xffff] },
    { function: 0x10, address: 1, start: 0, values: new Array<number>(123).fill(7) },
  ];
  for (const request of requests) assert.deepEqual(parseRequest(buildRequest(request)), request);
});

Deno.test("parseRequest() decodes the read request check frame", () => {
  assert.deepEqual(parseRequest(bytes("01 03 00 64 00 05 c4 16")), {
    function: 0x03,
    address: 1,
    start: 100,
    quantity: 5,
  });
});

Deno.test("parseRequest() reports frames too short for their function as truncated", () => {
  assertProtocolError(bytes("01 03 00"), "PROTOCOL_TRUNCATED", 3);
  assertProtocolError(
    bytes("01 03 00 64 00 05 c4"),
    "PROTOCOL_TRUNCATED",
    7,
    "Cannot parse request: function 0x03 needs 8 bytes, got 7",
  );
  assertProtocolError(bytes("01 10 07 de 00 01"), "PROTOCOL_TRUNCATED", 6);
  const full = buildRequest({ function: 0x10, address: 1, start: 2014, values: [1, 2] });
  assertProtocolError(full.subarray(0, 12), "PROTOCOL_TRUNCATED", 12);
});

Deno.test("parseRequest() reports bytes after a valid frame as trailing bytes", () => {
  assertProtocolError(
    concat(bytes("01 03 00 64 00 05 c4 16"), bytes("00")),
    "PROTOCOL_TRAILING_BYTES",
    8,
    "Cannot parse request: 1 byte follows the 8-byte frame",
  );
  assertProtocolError(withCrc("01 06 07 db 00 01 ff"), "PROTOCOL_TRAILING_BYTES", 8);
});

Deno.test("parseRequest() reports a bad CRC", () => {
  assertProtocolError(bytes("01 03 00 64 00 06 c4 16"), "PROTOCOL_CRC", 6);
});

Deno.test("parseRequest() reports an unsupported function as function mismatch", () => {
  assertProtocolError(
    withCrc("01 04 00 64 00 05"),
    "PROTOCOL_FUNCTION_MISMATCH",
    1,
    "Cannot parse request: function must be 0x03, 0x06 or 0x10, got 0x04",
  );
});

Deno.test("parseRequest() reports out-of-range fields as invalid requests", () => {
  assertProtocolError(
    withCrc("f8 03 00 64 00 05"),
    "PROTOCOL_INVALID_REQUEST",
    0,
    "Cannot parse request: address must be 0..247, got 248",
  );
  assertProtocolError(withCrc("01 03 00 64 00 00"), "PROTOCOL_INVALID_REQUEST", 4);
  assertProtocolError(
    withCrc("01 03 00 64 00 7e"),
    "PROTOCOL_INVALID_REQUEST",
    4,
    "Cannot parse request: quantity must be 1..125, got 126",
  );
  assertProtocolError(withCrc("01 03 ff ff 00 02"), "PROTOCOL_INVALID_REQUEST", 2);
  assertProtocolError(withCrc("01 10 00 00 00 00 00"), "PROTOCOL_INVALID_REQUEST", 4);
});

Deno.test("parseRequest() reports a write-multiple byte count other than 2 × quantity", () => {
  assertProtocolError(
    withCrc("01 10 07 de 00 02 02 00 01"),
    "PROTOCOL_BYTE_COUNT",
    6,
    "Cannot parse request: byte count must be 4 for 2 registers, got 2",
  );
});
