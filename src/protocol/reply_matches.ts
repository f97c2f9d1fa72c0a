import { readU16 } from "./_frame.ts";
import type { ModbusRequest } from "./types.ts";

/**
 * Tells whether an RTU frame (framing removed) looks like the reply to `request`: a cheap test
 * a transport uses to tell the pending request's reply from unsolicited frames, which stations
 * push on the same topic. Never throws and allocates nothing.
 *
 * True iff the address matches and either the frame is a 5-byte exception reply to the
 * request's function, or the function matches and the length is plausible: for 0x03 an even
 * byte count `0 < bc <= 2 × quantity` and a frame of exactly `5 + bc` bytes (stations may send
 * fewer registers than asked); for 0x06 and 0x10 8 bytes echoing register and value, or start
 * and quantity.
 *
 * The CRC is not checked: a matching frame with a bad CRC should fail the request with a CRC
 * error from `parseReply`, not leave it waiting for a timeout. A 0x03 reply carries no register
 * address, so an unsolicited 0x03 frame of a plausible length cannot be told from the reply.
 *
 * @param request The pending request.
 * @param rtuFrame A received RTU frame.
 * @returns Whether the frame answers the request.
 *
 * @example Tell a reply from an unsolicited push
 * ```ts
 * import { buildReadReply, buildWriteMultipleReply, replyMatches } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 100, quantity: 62 } as const;
 * assert.equal(replyMatches(request, buildReadReply(1, new Uint8Array(124))), true);
 * assert.equal(replyMatches(request, buildReadReply(1, new Uint8Array(196))), false);
 * assert.equal(replyMatches(request, buildWriteMultipleReply(1, 100, 2)), false);
 * ```
 */
export function replyMatches(request: ModbusRequest, rtuFrame: Uint8Array): boolean {
  const length = rtuFrame.length;
  if (length < 5 || rtuFrame[0] !== request.address) return false;
  const fn = rtuFrame[1];
  if (fn === (request.function | 0x80)) return length === 5;
  if (fn !== request.function) return false;
  switch (request.function) {
    case 0x03: {
      const byteCount = rtuFrame[2]!;
      return byteCount !== 0 && (byteCount & 1) === 0 && byteCount <= 2 * request.quantity &&
        length === 5 + byteCount;
    }
    case 0x06:
      return length === 8 && readU16(rtuFrame, 2) === request.register &&
        readU16(rtuFrame, 4) === request.value;
    case 0x10:
      return length === 8 && readU16(rtuFrame, 2) === request.start &&
        readU16(rtuFrame, 4) === request.values.length;
    default:
      return false;
  }
}
