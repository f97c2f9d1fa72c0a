import { replyPduMatches } from "./pdu.ts";
import type { ModbusRequest } from "./types.ts";

/** Options of {@linkcode replyMatches}. */
export interface ReplyMatchOptions {
  /**
   * For a 0x03 read: register counts, fewer than requested, that this station is known to
   * answer this read with (its block's known short replies, from the device profile). Any other
   * count than the requested one is not the reply. @default {none: only the exact count}
   */
  readonly shortCounts?: readonly number[];
}

/**
 * Tells whether an RTU frame (framing removed) is the reply to `request`: the test a transport
 * uses to tell the pending request's reply from unsolicited, late or foreign frames, which
 * stations push on the same topic. Never throws and allocates nothing.
 *
 * True iff the address matches and either the frame is a 5-byte exception reply to the
 * request's function, or the function matches and the length is the expected one: for 0x03 a
 * byte count of exactly `2 x quantity` (or `2 x n` for an `n` listed in
 * {@linkcode ReplyMatchOptions.shortCounts}) and a frame of exactly `5 + byte count` bytes; for
 * 0x06 and 0x10 8 bytes echoing register and value, or start and quantity.
 *
 * The CRC is not checked: a matching frame with a bad CRC should fail the request with a CRC
 * error from `parseReply`, not leave it waiting for a timeout. A 0x03 reply carries no register
 * address, so only its length tells it from a frame of another block; a frame of the same
 * length cannot be told apart here (see docs/reliability.md for what else guards a read).
 *
 * @param request The pending request.
 * @param rtuFrame A received RTU frame.
 * @param options The block's known short replies.
 * @returns Whether the frame answers the request.
 *
 * @example Tell a reply from an unsolicited push and from another block's reply
 * ```ts
 * import { replyMatches } from "@power-sdk/sdk/protocol";
 * import { buildReadReply, buildWriteMultipleReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 100, quantity: 62 } as const;
 * assert.equal(replyMatches(request, buildReadReply(1, new Uint8Array(124))), true);
 * assert.equal(replyMatches(request, buildReadReply(1, new Uint8Array(196))), false);
 * assert.equal(replyMatches(request, buildReadReply(1, new Uint8Array(34))), false);
 * assert.equal(replyMatches(request, buildWriteMultipleReply(1, 100, 2)), false);
 * ```
 *
 * @example A short reply only where the profile knows it
 * ```ts
 * import { replyMatches } from "@power-sdk/sdk/protocol";
 * import { buildReadReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 6300, quantity: 25 } as const;
 * const short = buildReadReply(1, new Uint8Array(44));
 * assert.equal(replyMatches(request, short), false);
 * assert.equal(replyMatches(request, short, { shortCounts: [22] }), true);
 * ```
 */
export function replyMatches(
  request: ModbusRequest,
  rtuFrame: Uint8Array,
  options?: ReplyMatchOptions,
): boolean {
  const length = rtuFrame.length;
  return length >= 5 && rtuFrame[0] === request.address &&
    replyPduMatches(request, rtuFrame, 1, length - 2, options);
}
