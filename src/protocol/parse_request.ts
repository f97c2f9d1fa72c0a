import { ProtocolError } from "../errors/errors.ts";
import { assertCrc, bytesFollow, crcMatches, hex, MAX_ADDRESS } from "./_frame.ts";
import { parseRequestPdu, requestPduSize, RTU_LAYOUT } from "./pdu.ts";
import type { ModbusRequest } from "./types.ts";

/**
 * Parses and validates the Modbus RTU frame of a request (no framing envelope): the station
 * side of {@linkcode buildRequest}, used by simulated stations.
 *
 * Checks, in order: at least 4 bytes; a frame shorter than its function needs (8 bytes for
 * 0x03/0x06, 9 + byte count for 0x10) is `PROTOCOL_TRUNCATED` before the CRC is checked, and a
 * valid frame followed by extra bytes is `PROTOCOL_TRAILING_BYTES`; then CRC, function,
 * length, address and field ranges. Every error carries the byte `offset` of the problem.
 *
 * A station can map `PROTOCOL_FUNCTION_MISMATCH` to Modbus exception 1 (illegal function) and
 * `PROTOCOL_INVALID_REQUEST`/`PROTOCOL_BYTE_COUNT` to exception 3 (illegal data value).
 *
 * @param frame The RTU frame, CRC included.
 * @returns The request the frame encodes.
 * @throws {ProtocolError} `PROTOCOL_TRUNCATED`, `PROTOCOL_TRAILING_BYTES`, `PROTOCOL_CRC`,
 * `PROTOCOL_FUNCTION_MISMATCH` (not 0x03, 0x06 or 0x10), `PROTOCOL_BYTE_COUNT` (0x10 byte
 * count is not 2 x quantity) or `PROTOCOL_INVALID_REQUEST` (address above 247, quantity out of
 * range, registers past 65535).
 *
 * @example Parse a write request
 * ```ts
 * import { parseRequest } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const frame = new Uint8Array([0x01, 0x06, 0x0b, 0xbf, 0x00, 0x01, 0x7b, 0xca]);
 * assert.deepEqual(parseRequest(frame), { function: 0x06, address: 1, register: 3007, value: 1 });
 * ```
 *
 * @example A damaged frame is refused
 * ```ts
 * import { parseRequest } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const frame = new Uint8Array([0x01, 0x03, 0x00, 0x64, 0x00, 0x05, 0xc4, 0x17]);
 * assert.throws(() => parseRequest(frame), { code: "PROTOCOL_CRC", offset: 6 });
 * ```
 */
export function parseRequest(frame: Uint8Array): ModbusRequest {
  const length = frame.length;
  if (length < 4) {
    throw new ProtocolError(
      "PROTOCOL_TRUNCATED",
      `Cannot parse request: a Modbus RTU frame has at least 4 bytes, got ${length}`,
      { offset: length },
    );
  }
  const fn = frame[1]!;
  const pduSize = requestPduSize(frame, RTU_LAYOUT.before, length);
  const expected = pduSize === 0 ? 0 : pduSize + RTU_LAYOUT.before + RTU_LAYOUT.after;
  if (length < expected) {
    throw new ProtocolError(
      "PROTOCOL_TRUNCATED",
      `Cannot parse request: function 0x${hex(fn, 2)} needs ${expected} bytes, got ${length}`,
      { offset: length },
    );
  }
  if (expected !== 0 && length > expected && crcMatches(frame, expected)) {
    throw trailing(length, expected);
  }
  assertCrc(frame, "request");
  if (expected === 0) {
    throw new ProtocolError(
      "PROTOCOL_FUNCTION_MISMATCH",
      `Cannot parse request: function must be 0x03, 0x06 or 0x10, got 0x${hex(fn, 2)}`,
      { offset: 1 },
    );
  }
  if (length > expected) throw trailing(length, expected);
  const address = frame[0]!;
  if (address > MAX_ADDRESS) {
    throw new ProtocolError(
      "PROTOCOL_INVALID_REQUEST",
      `Cannot parse request: address must be 0..${MAX_ADDRESS}, got ${address}`,
      { offset: 0 },
    );
  }
  return parseRequestPdu(frame, RTU_LAYOUT.before, length - RTU_LAYOUT.after, address, RTU_LAYOUT);
}

function trailing(length: number, expected: number): ProtocolError {
  return new ProtocolError(
    "PROTOCOL_TRAILING_BYTES",
    `Cannot parse request: ${bytesFollow(length - expected)} the ${expected}-byte frame`,
    { offset: expected },
  );
}
