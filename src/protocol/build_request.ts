import { ProtocolError } from "../errors/errors.ts";
import { MAX_ADDRESS, sealCrc } from "./_frame.ts";
import { requestPduLength, RTU_LAYOUT, writeRequestPdu } from "./pdu.ts";
import type { ModbusRequest } from "./types.ts";

/**
 * Builds the Modbus RTU frame of a request, CRC included (no framing envelope: see
 * `getFraming`): the address, the function-code body from {@linkcode writeRequestPdu}, the CRC.
 *
 * Validates every field first: address 0..247, registers and values integers 0..65535, read
 * quantity 1..125, write-multiple count 1..123, and the registers must not run past 65535.
 *
 * @param request The request to encode.
 * @returns A new frame: `addr fn ... crc_lo crc_hi`.
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
  const what = REQUEST_NAMES[request.function];
  if (what !== undefined) checkAddress(request.address, what);
  const frame = new Uint8Array(RTU_LAYOUT.before + requestPduLength(request) + RTU_LAYOUT.after);
  frame[0] = request.address;
  writeRequestPdu(request, frame, RTU_LAYOUT.before);
  return sealCrc(frame);
}

const REQUEST_NAMES: Readonly<Record<number, string>> = {
  0x03: "read request",
  0x06: "write-single request",
  0x10: "write-multiple request",
};

function checkAddress(address: number, what: string): void {
  if (!Number.isInteger(address) || address < 0 || address > MAX_ADDRESS) {
    throw new ProtocolError(
      "PROTOCOL_INVALID_REQUEST",
      `Cannot build ${what}: address must be 0..${MAX_ADDRESS}, got ${
        typeof address === "string" ? JSON.stringify(address) : String(address)
      }`,
    );
  }
}
