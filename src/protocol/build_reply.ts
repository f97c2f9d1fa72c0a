import { MAX_ADDRESS } from "./_frame.ts";
import {
  buildExceptionReplyPdu,
  buildReadReplyPdu,
  buildWriteMultipleReplyPdu,
  buildWriteSingleReplyPdu,
} from "./pdu.ts";
import { wrapRtuAdu } from "./rtu_adu.ts";

/**
 * Builds the Modbus RTU frame of a read reply (function 0x03) with CRC: the station side of
 * {@linkcode parseReply}, for simulated stations and tests.
 *
 * @param address Device address 0..247.
 * @param data Register data, big-endian words: an even number of bytes, 2..250.
 * @returns A new frame `addr 03 byte_count data... crc_lo crc_hi`.
 * @throws {RangeError} If the address or the data length is out of range.
 *
 * @example Reply with two registers
 * ```ts
 * import { buildReadReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const frame = buildReadReply(1, new Uint8Array([0x00, 0x5f, 0x00, 0x01]));
 * assert.deepEqual([...frame.subarray(0, 7)], [0x01, 0x03, 0x04, 0x00, 0x5f, 0x00, 0x01]);
 * assert.equal(frame.length, 9);
 * ```
 */
export function buildReadReply(address: number, data: Uint8Array): Uint8Array {
  checkRange(address, 0, MAX_ADDRESS, "address", "read reply");
  return wrapRtuAdu(address, buildReadReplyPdu(data));
}

/**
 * Builds the Modbus RTU frame of a write-single reply (function 0x06), the echo of the request.
 *
 * @param address Device address 0..247.
 * @param register The register written, 0..65535.
 * @param value The value written, 0..65535.
 * @returns A new 8-byte frame `addr 06 reg value crc`.
 * @throws {RangeError} If an argument is out of range.
 *
 * @example Echo of the AC-on write in iot-v2 addressing
 * ```ts
 * import { buildWriteSingleReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const frame = buildWriteSingleReply(0, 2011, 1);
 * assert.deepEqual([...frame], [0x00, 0x06, 0x07, 0xdb, 0x00, 0x01, 0x38, 0x94]);
 * ```
 */
export function buildWriteSingleReply(
  address: number,
  register: number,
  value: number,
): Uint8Array {
  const what = "write-single reply";
  checkRange(address, 0, MAX_ADDRESS, "address", what);
  return wrapRtuAdu(address, buildWriteSingleReplyPdu(register, value));
}

/**
 * Builds the Modbus RTU frame of a write-multiple reply (function 0x10): start and quantity.
 *
 * @param address Device address 0..247.
 * @param start The first register written, 0..65535.
 * @param quantity The number of registers written, 1..123.
 * @returns A new 8-byte frame `addr 10 start quantity crc`.
 * @throws {RangeError} If an argument is out of range.
 *
 * @example Reply to a write of two registers
 * ```ts
 * import { buildWriteMultipleReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const frame = buildWriteMultipleReply(1, 2014, 2);
 * assert.deepEqual([...frame.subarray(0, 6)], [0x01, 0x10, 0x07, 0xde, 0x00, 0x02]);
 * ```
 */
export function buildWriteMultipleReply(
  address: number,
  start: number,
  quantity: number,
): Uint8Array {
  const what = "write-multiple reply";
  checkRange(address, 0, MAX_ADDRESS, "address", what);
  return wrapRtuAdu(address, buildWriteMultipleReplyPdu(start, quantity));
}

/**
 * Builds the Modbus RTU frame of an exception reply: `addr (function | 0x80) code crc`.
 *
 * @param address Device address 0..247.
 * @param functionCode The request's function code 1..127 (without the 0x80 bit).
 * @param exceptionCode The exception code 0..255 (1-6 are the standard ones).
 * @returns A new 5-byte frame.
 * @throws {RangeError} If an argument is out of range.
 *
 * @example Refuse a read with "illegal data address"
 * ```ts
 * import { buildExceptionReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const frame = buildExceptionReply(1, 0x03, 2);
 * assert.deepEqual([...frame.subarray(0, 3)], [0x01, 0x83, 0x02]);
 * assert.equal(frame.length, 5);
 * ```
 */
export function buildExceptionReply(
  address: number,
  functionCode: number,
  exceptionCode: number,
): Uint8Array {
  const what = "exception reply";
  checkRange(address, 0, MAX_ADDRESS, "address", what);
  return wrapRtuAdu(address, buildExceptionReplyPdu(functionCode, exceptionCode));
}

function checkRange(value: number, min: number, max: number, name: string, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot build ${what}: ${name} must be an integer ${min}..${max}, got ${value}`,
    );
  }
}
