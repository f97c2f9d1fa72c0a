import { MAX_ADDRESS, sealCrc } from "./_frame.ts";

/**
 * Wraps a PDU into a Modbus RTU frame: `address pdu... crc_lo crc_hi`. The station side uses it
 * for replies; requests are built in one allocation by `buildRequest`.
 *
 * @param address Device address 0..247.
 * @param pdu The function code and its body.
 * @returns A new frame, 3 bytes longer than `pdu`.
 * @throws {RangeError} If the address is out of range or the PDU is empty.
 *
 * @example An exception reply
 * ```ts
 * import { buildExceptionReply } from "@power-sdk/sdk/testing";
 * import { buildExceptionReplyPdu, wrapRtuAdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(wrapRtuAdu(1, buildExceptionReplyPdu(0x03, 2)), buildExceptionReply(1, 0x03, 2));
 * ```
 */
export function wrapRtuAdu(address: number, pdu: Uint8Array): Uint8Array {
  if (!Number.isInteger(address) || address < 0 || address > MAX_ADDRESS) {
    throw new RangeError(
      `Cannot build RTU frame: address must be an integer 0..${MAX_ADDRESS}, got ${address}`,
    );
  }
  if (pdu.length === 0) throw new RangeError("Cannot build RTU frame: the PDU is empty");
  const frame = new Uint8Array(pdu.length + 3);
  frame[0] = address;
  frame.set(pdu, 1);
  return sealCrc(frame);
}
