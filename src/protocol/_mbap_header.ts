// The MBAP header and how long a frame is: all that the `mbap` framing needs of Modbus TCP,
// apart from the request and reply codecs of mbap.ts (which re-exports these), so that
// defining a plugin with that framing loads no PDU code.

/** Bytes of the MBAP header: transaction id, protocol id, length, unit id. */
export const MBAP_HEADER_LENGTH = 7;

/** Largest MBAP frame: a 253-byte PDU behind the 7-byte header. */
export const MBAP_MAX_FRAME_LENGTH = 260;

/**
 * The length of the first MBAP frame in a byte stream, for splitting what a TCP socket
 * delivers into frames: 0 while the header or the frame is incomplete, -1 when the bytes cannot
 * start an MBAP frame (protocol id not 0, length field outside 2..254): the stream is out of
 * step and the connection should be dropped.
 *
 * @param buffer Received bytes, starting at a frame boundary.
 * @returns The frame length, 0 (need more bytes) or -1 (not MBAP).
 *
 * @example Split two frames that arrived together
 * ```ts
 * import { mbapFrameLength } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const stream = new Uint8Array([0, 1, 0, 0, 0, 3, 1, 0x83, 2, 0, 2, 0, 0, 0, 3]);
 * assert.equal(mbapFrameLength(stream), 9);
 * assert.equal(mbapFrameLength(stream.subarray(9)), 0);
 * assert.equal(mbapFrameLength(new Uint8Array([0, 1, 0x12, 0x34, 0, 3, 1])), -1);
 * ```
 */
export function mbapFrameLength(buffer: Uint8Array): number {
  if (buffer.length < MBAP_HEADER_LENGTH) {
    // A wrong protocol id is known as soon as its bytes are there.
    if (buffer.length >= 4 && (buffer[2] !== 0 || buffer[3] !== 0)) return -1;
    return 0;
  }
  if (buffer[2] !== 0 || buffer[3] !== 0) return -1;
  const length = (buffer[4]! << 8) | buffer[5]!;
  if (length < 2 || length > MBAP_MAX_FRAME_LENGTH - 6) return -1;
  const total = 6 + length;
  return buffer.length >= total ? total : 0;
}
