import { ProtocolError } from "../errors/mod.ts";
import {
  assertCrc,
  bytesFollow,
  crcMatches,
  hex,
  MAX_ADDRESS,
  MAX_READ_QUANTITY,
  MAX_WRITE_QUANTITY,
  readU16,
} from "./_frame.ts";
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
 * count is not 2 × quantity) or `PROTOCOL_INVALID_REQUEST` (address above 247, quantity out of
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
  const expected = fn === 0x03 || fn === 0x06
    ? 8
    : fn === 0x10
    ? (length > 6 ? 9 + frame[6]! : 9)
    : 0;
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
    throw invalid(`address must be 0..${MAX_ADDRESS}, got ${address}`, 0);
  }
  if (fn === 0x06) {
    return { function: 0x06, address, register: readU16(frame, 2), value: readU16(frame, 4) };
  }
  const start = readU16(frame, 2);
  const quantity = readU16(frame, 4);
  const max = fn === 0x03 ? MAX_READ_QUANTITY : MAX_WRITE_QUANTITY;
  if (quantity < 1 || quantity > max) {
    throw invalid(`quantity must be 1..${max}, got ${quantity}`, 4);
  }
  if (start + quantity > 0x10000) {
    throw invalid(`registers must end at 65535, got ${start}..${start + quantity - 1}`, 2);
  }
  if (fn === 0x03) return { function: 0x03, address, start, quantity };
  const byteCount = frame[6]!;
  if (byteCount !== 2 * quantity) {
    throw new ProtocolError(
      "PROTOCOL_BYTE_COUNT",
      `Cannot parse request: byte count must be ${
        2 * quantity
      } for ${quantity} registers, got ${byteCount}`,
      { offset: 6 },
    );
  }
  const values: number[] = new Array(quantity);
  for (let i = 0; i < quantity; i++) values[i] = readU16(frame, 7 + 2 * i);
  return { function: 0x10, address, start, values };
}

function trailing(length: number, expected: number): ProtocolError {
  return new ProtocolError(
    "PROTOCOL_TRAILING_BYTES",
    `Cannot parse request: ${bytesFollow(length - expected)} the ${expected}-byte frame`,
    { offset: expected },
  );
}

function invalid(reason: string, offset: number): ProtocolError {
  return new ProtocolError("PROTOCOL_INVALID_REQUEST", `Cannot parse request: ${reason}`, {
    offset,
  });
}
