/**
 * Modbus RTU for Power SDK: building and parsing request and reply frames, CRC-16/MODBUS,
 * exception replies, the payload framings (`rtu`, `iot-v2`, `v1`) and the test that tells a
 * request's reply from unsolicited frames. Pure functions over `Uint8Array`; nothing here
 * knows sockets, schemas or devices.
 *
 * ```ts
 * import { buildRequest, getFraming, parseReply, type ReadRequest, replyMatches } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const framing = getFraming("rtu");
 * const request: ReadRequest = { function: 0x03, address: framing.deviceAddress, start: 100, quantity: 5 };
 * const payload = framing.wrap(buildRequest(request), request);
 * assert.equal(payload.length, 8);
 *
 * // A reply arrives with 2 registers instead of 5: parseReply() can read it, but it is taken
 * // as the reply only where the profile lists 2 as this block's short reply.
 * const received = framing.unwrap(new Uint8Array([0x01, 0x03, 0x04, 0x14, 0xc1, 0x00, 0x5f, 0xee, 0x07]));
 * assert.equal(replyMatches(request, received), false);
 * assert.ok(replyMatches(request, received, { shortCounts: [2] }));
 * const reply = parseReply(received, request);
 * assert.equal(reply.function === 0x03 && reply.registerCount, 2);
 * ```
 *
 * @module
 */
export * from "./crc16.ts";
export * from "./types.ts";
export * from "./build_request.ts";
export * from "./parse_reply.ts";
export * from "./framing.ts";
export * from "./reply_matches.ts";
