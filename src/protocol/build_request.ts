import { ProtocolError } from "../errors/mod.ts";
import {
  hex,
  MAX_ADDRESS,
  MAX_READ_QUANTITY,
  MAX_WRITE_QUANTITY,
  sealCrc,
  writeU16,
} from "./_frame.ts";
import type { ModbusRequest } from "./types.ts";

/**
 * Builds the Modbus RTU frame of a request, CRC included (no framing envelope: see
 * `getFraming`).
 *
 * Validates every field first: address 0..247, registers and values integers 0..65535, read
 * quantity 1..125, write-multiple count 1..123, and the registers must not run past 65535.
 *
 * @param request The request to encode.
 * @returns A new frame: `addr fn … crc_lo crc_hi`.
 * @throws {ProtocolError} `PROTOCOL_INVALID_REQUEST` when a field is out of range or the
 * function is not 0x03, 0x06 or 0x10; the message names the field and its current value.
 *
 * @example Build a read request
 * ```ts
 * import { buildRequest } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const frame = buildRequest({ function: 0x03, address: 1, start: 100, quantity: 5 });
 * assert.deepEqual([...frame], [0x01, 0x03, 0x00, 0x64, 0x00, 0x05, 0xc4, 0x16]);
 * ```
 *
 * @example An out-of-range quantity is refused
 * ```ts
 * import { buildRequest } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => buildRequest({ function: 0x03, address: 1, start: 100, quantity: 126 }), {
 *   code: "PROTOCOL_INVALID_REQUEST",
 *   message: "Cannot build read request: quantity must be 1..125, got 126",
 * });
 * ```
 */
export function buildRequest(request: ModbusRequest): Uint8Array {
  switch (request.function) {
    case 0x03: {
      const what = "read request";
      checkAddress(request.address, what);
      checkInteger(request.start, 0, 0xffff, "start", what);
      checkInteger(request.quantity, 1, MAX_READ_QUANTITY, "quantity", what);
      checkEnd(request.start, request.quantity, what);
      const frame = new Uint8Array(8);
      frame[0] = request.address;
      frame[1] = 0x03;
      writeU16(frame, 2, request.start);
      writeU16(frame, 4, request.quantity);
      return sealCrc(frame);
    }
    case 0x06: {
      const what = "write-single request";
      checkAddress(request.address, what);
      checkInteger(request.register, 0, 0xffff, "register", what);
      checkInteger(request.value, 0, 0xffff, "value", what);
      const frame = new Uint8Array(8);
      frame[0] = request.address;
      frame[1] = 0x06;
      writeU16(frame, 2, request.register);
      writeU16(frame, 4, request.value);
      return sealCrc(frame);
    }
    case 0x10: {
      const what = "write-multiple request";
      const { values } = request;
      checkAddress(request.address, what);
      checkInteger(request.start, 0, 0xffff, "start", what);
      checkInteger(values.length, 1, MAX_WRITE_QUANTITY, "values.length", what);
      checkEnd(request.start, values.length, what);
      const frame = new Uint8Array(9 + 2 * values.length);
      frame[0] = request.address;
      frame[1] = 0x10;
      writeU16(frame, 2, request.start);
      writeU16(frame, 4, values.length);
      frame[6] = 2 * values.length;
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        checkInteger(value, 0, 0xffff, `values[${i}]`, what);
        writeU16(frame, 7 + 2 * i, value);
      }
      return sealCrc(frame);
    }
    default: {
      const fn: unknown = (request as { function: unknown }).function;
      throw new ProtocolError(
        "PROTOCOL_INVALID_REQUEST",
        `Cannot build request: function must be 0x03, 0x06 or 0x10, got ${
          typeof fn === "number" && Number.isInteger(fn) && fn >= 0
            ? `0x${hex(fn, 2)}`
            : describe(fn)
        }`,
      );
    }
  }
}

function checkAddress(address: number, what: string): void {
  checkInteger(address, 0, MAX_ADDRESS, "address", what);
}

function checkInteger(value: number, min: number, max: number, name: string, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ProtocolError(
      "PROTOCOL_INVALID_REQUEST",
      `Cannot build ${what}: ${name} must be ${
        min === 0 && max === 0xffff ? "an integer 0..65535" : `${min}..${max}`
      }, got ${describe(value)}`,
    );
  }
}

function checkEnd(start: number, quantity: number, what: string): void {
  if (start + quantity > 0x10000) {
    throw new ProtocolError(
      "PROTOCOL_INVALID_REQUEST",
      `Cannot build ${what}: registers must end at 65535, got ${start}..${start + quantity - 1}`,
    );
  }
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
