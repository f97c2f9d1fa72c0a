import { ProtocolError } from "../errors/errors.ts";
import { crc16Modbus } from "./crc16.ts";
import type { Framing } from "./framing.ts";
import { MBAP_HEADER_LENGTH, mbapFrameLength } from "./_mbap_header.ts";

/**
 * Modbus TCP as a payload framing, so a block-reading `Client` (and the runtime) can speak to a
 * Modbus TCP station: `wrap` moves a request's PDU from its RTU frame into an MBAP frame (unit
 * id = the RTU address, transaction id 0: the stream transport writes the real one), `unwrap`
 * rebuilds an RTU frame from a reply's unit id and PDU for `replyMatches`/`parseReply`.
 *
 * The rebuilt frame's CRC is computed here, not received: on TCP the bytes are guarded by the
 * MBAP length (checked) and TCP's own checksum, and the transport took the reply by its
 * transaction id. Device address: 1 (the unit id BLUETTI's stations answer).
 *
 * @example A read over MBAP
 * ```ts
 * import { buildRequest, MBAP_FRAMING } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 51004, quantity: 1 } as const;
 * const payload = MBAP_FRAMING.wrap(buildRequest(request), request);
 * assert.deepEqual([...payload], [0, 0, 0, 0, 0, 6, 1, 0x03, 0xc7, 0x3c, 0, 1]);
 * const rtu = MBAP_FRAMING.unwrap(new Uint8Array([0, 9, 0, 0, 0, 5, 1, 0x03, 2, 0, 87]));
 * assert.deepEqual([...rtu.subarray(0, 5)], [1, 0x03, 2, 0, 87]);
 * ```
 */
export const MBAP_FRAMING: Framing = Object.freeze({
  name: "mbap",
  deviceAddress: 1,
  wrap(rtuFrame: Uint8Array): Uint8Array {
    return toMbap(rtuFrame);
  },
  unwrap(payload: Uint8Array): Uint8Array {
    return toRtu(payload);
  },
  unwrapRequest(payload: Uint8Array): Uint8Array {
    return toRtu(payload);
  },
  wrapReply(rtuFrame: Uint8Array): Uint8Array {
    return toMbap(rtuFrame);
  },
});

function toMbap(rtuFrame: Uint8Array): Uint8Array {
  const pduLength = rtuFrame.length - 3;
  const frame = new Uint8Array(MBAP_HEADER_LENGTH + pduLength);
  frame[5] = pduLength + 1; // length: unit id + PDU (a PDU is at most 253 bytes)
  frame[4] = (pduLength + 1) >>> 8;
  frame[6] = rtuFrame[0]!;
  frame.set(rtuFrame.subarray(1, rtuFrame.length - 2), MBAP_HEADER_LENGTH);
  return frame;
}

function toRtu(payload: Uint8Array): Uint8Array {
  if (mbapFrameLength(payload) !== payload.length || payload.length < MBAP_HEADER_LENGTH + 2) {
    throw new ProtocolError(
      "PROTOCOL_FRAMING",
      `Cannot unwrap an MBAP frame: header and length disagree (${payload.length} bytes)`,
      { offset: 0 },
    );
  }
  const pdu = payload.subarray(MBAP_HEADER_LENGTH);
  const rtu = new Uint8Array(pdu.length + 3);
  rtu[0] = payload[6]!;
  rtu.set(pdu, 1);
  const crc = crc16Modbus(rtu, 0, rtu.length - 2);
  rtu[rtu.length - 2] = crc & 0xff;
  rtu[rtu.length - 1] = crc >>> 8;
  return rtu;
}
