import { ProtocolError } from "../errors/errors.ts";
import { announcedReplyLength, assertCrc, bytesFollow, crcMatches } from "./_frame.ts";
import { parseReplyPdu, RTU_LAYOUT } from "./pdu.ts";
import type { ModbusReply, ModbusRequest } from "./types.ts";

/**
 * Validates the Modbus RTU frame of a reply (framing already removed) against the request it
 * answers, and returns its content: the RTU wrapping (length, CRC, address) is checked here,
 * the function-code body by {@linkcode parseReplyPdu}.
 *
 * Checks, in this order, each failure a {@linkcode ProtocolError} with the byte `offset` of
 * the problem inside the RTU frame:
 * 1. at least 5 bytes, else `PROTOCOL_TRUNCATED`;
 * 2. when the header answers the request (address and function match, a plausible byte
 *    count) but the frame is shorter than the header announces: `PROTOCOL_TRUNCATED`. This
 *    comes before the CRC check on purpose: a cut-off frame can never pass its CRC, so
 *    "truncated: 150 of 213 bytes" names the cause where "bad CRC" would hide it. When such a
 *    frame is longer than announced and a valid CRC sits where the header says the frame
 *    ends, the frame is `PROTOCOL_TRAILING_BYTES`;
 * 3. CRC over all but the last 2 bytes, else `PROTOCOL_CRC` (expected and actual CRC in hex);
 * 4. address, else `PROTOCOL_ADDRESS_MISMATCH`;
 * 5. exception reply (function | 0x80, 5 bytes): throws `ModbusExceptionError`;
 * 6. function, else `PROTOCOL_FUNCTION_MISMATCH`;
 * 7. for 0x03 an even byte count, 2 up to 2 x quantity (`PROTOCOL_BYTE_COUNT`; a station may
 *    answer with fewer registers than asked) and exactly 5 + byte count bytes
 *    (`PROTOCOL_TRAILING_BYTES`); for 0x06 and 0x10 exactly 8 bytes and the echo of
 *    register/value or start/quantity (`PROTOCOL_ECHO_MISMATCH`).
 *
 * Allocates only the returned object; `data` of a read reply is a view into `frame`.
 *
 * @param frame The RTU frame of the reply, CRC included.
 * @param request The request the reply should answer.
 * @returns The reply's content.
 * @throws {ModbusExceptionError} When the station answered with an exception reply.
 * @throws {ProtocolError} `PROTOCOL_TRUNCATED`, `PROTOCOL_CRC`, `PROTOCOL_ADDRESS_MISMATCH`,
 * `PROTOCOL_FUNCTION_MISMATCH`, `PROTOCOL_BYTE_COUNT`, `PROTOCOL_TRAILING_BYTES` or
 * `PROTOCOL_ECHO_MISMATCH` when the frame is malformed or does not answer `request`;
 * `PROTOCOL_INVALID_REQUEST` when `request.function` is not 0x03, 0x06 or 0x10.
 *
 * @example Parse a read reply
 * ```ts
 * import { parseReply } from "@power-sdk/sdk/protocol";
 * import { buildReadReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 100, quantity: 2 } as const;
 * const frame = buildReadReply(1, new Uint8Array([0x14, 0xc1, 0x00, 0x5f]));
 * const reply = parseReply(frame, request);
 * assert.equal(reply.function, 0x03);
 * if (reply.function === 0x03) {
 *   assert.equal(reply.registerCount, 2);
 *   assert.deepEqual([...reply.data], [0x14, 0xc1, 0x00, 0x5f]);
 * }
 * ```
 *
 * @example An exception reply is thrown
 * ```ts
 * import { parseReply } from "@power-sdk/sdk/protocol";
 * import { buildExceptionReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 9999, quantity: 2 } as const;
 * assert.throws(() => parseReply(buildExceptionReply(1, 0x03, 2), request), {
 *   name: "ModbusExceptionError",
 *   exceptionCode: 2,
 *   exceptionName: "illegal data address",
 * });
 * ```
 *
 * @example A damaged frame is refused
 * ```ts
 * import { parseReply } from "@power-sdk/sdk/protocol";
 * import { buildReadReply } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const frame = buildReadReply(1, new Uint8Array([0x14, 0xc1]));
 * frame[3] = 0x15; // one bit flipped in transit (was 0x14)
 * assert.throws(() => parseReply(frame, { function: 0x03, address: 1, start: 100, quantity: 1 }), {
 *   code: "PROTOCOL_CRC",
 *   offset: 5,
 * });
 * ```
 */
export function parseReply(frame: Uint8Array, request: ModbusRequest): ModbusReply {
  const length = frame.length;
  if (length < 5) {
    throw new ProtocolError(
      "PROTOCOL_TRUNCATED",
      `Cannot parse reply: a Modbus RTU reply has at least 5 bytes, got ${length}`,
      { offset: length },
    );
  }
  const announced = announcedReplyLength(frame, request);
  if (length < announced) {
    throw new ProtocolError(
      "PROTOCOL_TRUNCATED",
      `Cannot parse reply: header announces ${announced} bytes, got ${length} (CRC not checked)`,
      { offset: length },
    );
  }
  if (announced !== 0 && length > announced && crcMatches(frame, announced)) {
    throw trailing(length, announced);
  }
  assertCrc(frame, "reply");
  const address = frame[0]!;
  if (address !== request.address) {
    throw new ProtocolError(
      "PROTOCOL_ADDRESS_MISMATCH",
      `Cannot parse reply: address must be ${request.address}, got ${address}`,
      { offset: 0 },
    );
  }
  return parseReplyPdu(frame, RTU_LAYOUT.before, length - RTU_LAYOUT.after, request, {
    layout: RTU_LAYOUT,
    address,
  });
}

function trailing(length: number, end: number): ProtocolError {
  return new ProtocolError(
    "PROTOCOL_TRAILING_BYTES",
    `Cannot parse reply: ${bytesFollow(length - end)} the ${end}-byte frame`,
    { offset: end },
  );
}
