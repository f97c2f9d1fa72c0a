import { MAX_ADDRESS, MAX_READ_QUANTITY, MAX_WRITE_QUANTITY, sealCrc, writeU16 } from "./_frame.ts";

/**
 * Builds the Modbus RTU frame of a read reply (function 0x03) with CRC: the station side of
 * {@linkcode parseReply}, for simulated stations and tests.
 *
 * @param address Device address 0..247.
 * @param data Register data, big-endian words: an even number of bytes, 2..250.
 * @returns A new frame `addr 03 byte_count data… crc_lo crc_hi`.
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
  if (data.length === 0 || data.length % 2 !== 0 || data.length > 2 * MAX_READ_QUANTITY) {
    throw new RangeError(
      `Cannot build read reply: data length must be even and 2..${
        2 * MAX_READ_QUANTITY
      }, got ${data.length}`,
    );
  }
  const frame = new Uint8Array(5 + data.length);
  frame[0] = address;
  frame[1] = 0x03;
  frame[2] = data.length;
  frame.set(data, 3);
  return sealCrc(frame);
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
  checkRange(register, 0, 0xffff, "register", what);
  checkRange(value, 0, 0xffff, "value", what);
  const frame = new Uint8Array(8);
  frame[0] = address;
  frame[1] = 0x06;
  writeU16(frame, 2, register);
  writeU16(frame, 4, value);
  return sealCrc(frame);
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
  checkRange(start, 0, 0xffff, "start", what);
  checkRange(quantity, 1, MAX_WRITE_QUANTITY, "quantity", what);
  const frame = new Uint8Array(8);
  frame[0] = address;
  frame[1] = 0x10;
  writeU16(frame, 2, start);
  writeU16(frame, 4, quantity);
  return sealCrc(frame);
}

/**
 * Builds the Modbus RTU frame of an exception reply: `addr (function | 0x80) code crc`.
 *
 * @param address Device address 0..247.
 * @param functionCode The request's function code 1..127 (without the 0x80 bit).
 * @param exceptionCode The exception code 0..255 (1–6 are the standard ones).
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
  checkRange(functionCode, 1, 0x7f, "function code", what);
  checkRange(exceptionCode, 0, 0xff, "exception code", what);
  const frame = new Uint8Array(5);
  frame[0] = address;
  frame[1] = functionCode | 0x80;
  frame[2] = exceptionCode;
  return sealCrc(frame);
}

function checkRange(value: number, min: number, max: number, name: string, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot build ${what}: ${name} must be an integer ${min}..${max}, got ${value}`,
    );
  }
}
