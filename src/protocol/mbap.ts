import { ProtocolError } from "../errors/errors.ts";
import { bytesFollow, hex, readU16, writeU16 } from "./_frame.ts";
import {
  MBAP_LAYOUT,
  parseReplyPdu,
  parseRequestPdu,
  replyPduMatches,
  requestPduLength,
  writeRequestPdu,
} from "./pdu.ts";
import type { ModbusReply, ModbusRequest } from "./types.ts";
import { MBAP_HEADER_LENGTH, MBAP_MAX_FRAME_LENGTH, mbapFrameLength } from "./_mbap_header.ts";

export { MBAP_HEADER_LENGTH, MBAP_MAX_FRAME_LENGTH, mbapFrameLength } from "./_mbap_header.ts";

/**
 * Builds the Modbus TCP frame (MBAP ADU) of a request: `tid(2) protocol 0(2) length(2) unit pdu...`.
 * The request's `address` is the unit id, 0..255.
 *
 * @param transactionId The transaction id 0..65535 the reply must echo.
 * @param request The request; `address` is the unit id.
 * @returns A new frame.
 * @throws {ProtocolError} `PROTOCOL_INVALID_REQUEST` for an out-of-range field.
 *
 * @example Read the SOC register of a station at unit 1
 * ```ts
 * import { buildMbapRequest } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const frame = buildMbapRequest(7, { function: 0x03, address: 1, start: 51004, quantity: 1 });
 * assert.deepEqual([...frame], [0, 7, 0, 0, 0, 6, 1, 0x03, 0xc7, 0x3c, 0, 1]);
 * ```
 */
export function buildMbapRequest(transactionId: number, request: ModbusRequest): Uint8Array {
  checkField(transactionId, 0xffff, "transaction id", "Cannot build request");
  checkField(request.address, 0xff, "unit id", "Cannot build request");
  const pduLength = requestPduLength(request);
  const frame = new Uint8Array(MBAP_HEADER_LENGTH + pduLength);
  writeHeader(frame, transactionId, request.address, pduLength);
  writeRequestPdu(request, frame, MBAP_HEADER_LENGTH);
  return frame;
}

/**
 * Wraps a PDU into an MBAP frame, the station side (replies) or for hand-made frames.
 *
 * @param transactionId The transaction id 0..65535.
 * @param unitId The unit id 0..255.
 * @param pdu The function code and its body, 1..253 bytes.
 * @returns A new frame.
 * @throws {RangeError} If an argument is out of range.
 *
 * @example An exception reply
 * ```ts
 * import { buildExceptionReplyPdu, wrapMbapAdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const frame = wrapMbapAdu(7, 1, buildExceptionReplyPdu(0x03, 2));
 * assert.deepEqual([...frame], [0, 7, 0, 0, 0, 3, 1, 0x83, 0x02]);
 * ```
 */
export function wrapMbapAdu(transactionId: number, unitId: number, pdu: Uint8Array): Uint8Array {
  for (
    const [value, max, name] of [[transactionId, 0xffff, "transaction id"], [
      unitId,
      0xff,
      "unit id",
    ]] as const
  ) {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new RangeError(
        `Cannot build MBAP frame: ${name} must be an integer 0..${max}, got ${value}`,
      );
    }
  }
  if (pdu.length === 0 || pdu.length > MBAP_MAX_FRAME_LENGTH - MBAP_HEADER_LENGTH) {
    throw new RangeError(
      `Cannot build MBAP frame: the PDU must have 1..253 bytes, got ${pdu.length}`,
    );
  }
  const frame = new Uint8Array(MBAP_HEADER_LENGTH + pdu.length);
  writeHeader(frame, transactionId, unitId, pdu.length);
  frame.set(pdu, MBAP_HEADER_LENGTH);
  return frame;
}

/**
 * The transaction id of an MBAP frame (its first two bytes).
 *
 * @param frame An MBAP frame of at least 2 bytes.
 * @returns The transaction id, or -1 for a shorter frame.
 *
 * @example
 * ```ts
 * import { mbapTransactionId } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(mbapTransactionId(new Uint8Array([0x12, 0x34, 0, 0, 0, 2, 1, 3])), 0x1234);
 * ```
 */
export function mbapTransactionId(frame: Uint8Array): number {
  return frame.length < 2 ? -1 : readU16(frame, 0);
}

/**
 * Writes a transaction id into an MBAP frame, in place: a connection shared by several
 * callers gives each request its own id just before sending it.
 *
 * @param frame An MBAP frame.
 * @param transactionId The id 0..65535.
 *
 * @example
 * ```ts
 * import { buildMbapRequest, mbapTransactionId, setMbapTransactionId } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const frame = buildMbapRequest(0, { function: 0x03, address: 1, start: 50002, quantity: 1 });
 * setMbapTransactionId(frame, 513);
 * assert.equal(mbapTransactionId(frame), 513);
 * ```
 */
export function setMbapTransactionId(frame: Uint8Array, transactionId: number): void {
  writeU16(frame, 0, transactionId & 0xffff);
}

/**
 * How MBAP frames travel on a byte stream: the splitter and the correlation id a stream
 * transport needs, without it knowing Modbus (see `TcpStreamTransport`'s `framing` option).
 *
 * @example Split and tag
 * ```ts
 * import { buildMbapRequest } from "@power-sdk/sdk/protocol";
 * import { MBAP_STREAM_FRAMING } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const frame = buildMbapRequest(0, { function: 0x03, address: 1, start: 50002, quantity: 1 });
 * MBAP_STREAM_FRAMING.setCorrelationId(frame, 42);
 * assert.equal(MBAP_STREAM_FRAMING.correlationId(frame), 42);
 * assert.equal(MBAP_STREAM_FRAMING.frameLength(frame), frame.length);
 * ```
 */
export const MBAP_STREAM_FRAMING: {
  readonly name: string;
  readonly idSpace: number;
  frameLength(buffer: Uint8Array): number;
  correlationId(frame: Uint8Array): number;
  setCorrelationId(frame: Uint8Array, id: number): void;
} = Object.freeze({
  name: "mbap",
  idSpace: 0x10000,
  frameLength: mbapFrameLength,
  correlationId: mbapTransactionId,
  setCorrelationId: setMbapTransactionId,
});

/**
 * Tells whether an MBAP frame has the shape of the reply to `request`, whatever its
 * transaction id (the transport correlates ids): protocol id 0, a length field that matches the
 * frame, the request's unit id, and a PDU shaped like the reply (see `replyPduMatches`).
 * Never throws.
 *
 * @param request The pending request (`address` = unit id).
 * @param frame A received MBAP frame.
 * @param options `acceptRegisterEcho`: for 0x06, accept an echo of another register when the
 * value matches (stations that echo an internal address).
 * @returns Whether the frame answers the request.
 *
 * @example A reply from another unit is not ours
 * ```ts
 * import { buildReadReplyPdu, mbapReplyMatches, wrapMbapAdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 51004, quantity: 1 } as const;
 * const pdu = buildReadReplyPdu(new Uint8Array([0, 95]));
 * assert.equal(mbapReplyMatches(request, wrapMbapAdu(3, 1, pdu)), true);
 * assert.equal(mbapReplyMatches(request, wrapMbapAdu(3, 2, pdu)), false);
 * ```
 */
export function mbapReplyMatches(
  request: ModbusRequest,
  frame: Uint8Array,
  options: { readonly acceptRegisterEcho?: boolean } = {},
): boolean {
  if (frame.length < MBAP_HEADER_LENGTH + 2) return false;
  if (frame[2] !== 0 || frame[3] !== 0 || readU16(frame, 4) !== frame.length - 6) return false;
  if (frame[6] !== request.address) return false;
  if (replyPduMatches(request, frame, MBAP_HEADER_LENGTH, frame.length)) return true;
  return options.acceptRegisterEcho === true && request.function === 0x06 &&
    frame.length === 12 && frame[7] === 0x06 && readU16(frame, 10) === request.value;
}

/** Options of {@linkcode parseMbapReply}. */
export interface ParseMbapReplyOptions {
  /** The transaction id the reply must carry; unchecked when absent. */
  readonly transactionId?: number;
  /**
   * Accept a write-single echo of another register when function and value match.
   * @default {false}
   */
  readonly acceptRegisterEcho?: boolean;
}

/**
 * Validates a Modbus TCP reply frame against its request and returns its content.
 *
 * Checks, in order, each failure with the byte `offset`: at least 9 bytes
 * (`PROTOCOL_TRUNCATED`), protocol id 0 (`PROTOCOL_FRAMING`), the length field against the
 * frame (`PROTOCOL_TRUNCATED` or `PROTOCOL_TRAILING_BYTES`), the transaction id when given
 * (`PROTOCOL_TRANSACTION_MISMATCH`), the unit id (`PROTOCOL_ADDRESS_MISMATCH`), then the PDU
 * as `parseReplyPdu` does (exceptions thrown as `ModbusExceptionError`).
 *
 * @param frame The MBAP frame.
 * @param request The request (`address` = unit id).
 * @param options The expected transaction id; echo tolerance.
 * @returns The reply; `data` is a view into `frame`.
 * @throws {ModbusExceptionError} When the station answered with an exception.
 * @throws {ProtocolError} As listed above.
 *
 * @example A read reply
 * ```ts
 * import { buildReadReplyPdu, parseMbapReply, wrapMbapAdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 51004, quantity: 1 } as const;
 * const frame = wrapMbapAdu(9, 1, buildReadReplyPdu(new Uint8Array([0, 95])));
 * const reply = parseMbapReply(frame, request, { transactionId: 9 });
 * assert.equal(reply.function === 0x03 && reply.data[1], 95);
 * assert.throws(() => parseMbapReply(frame, request, { transactionId: 10 }), {
 *   code: "PROTOCOL_TRANSACTION_MISMATCH",
 * });
 * ```
 */
export function parseMbapReply(
  frame: Uint8Array,
  request: ModbusRequest,
  options: ParseMbapReplyOptions = {},
): ModbusReply {
  checkHeader(frame, "reply");
  if (options.transactionId !== undefined) {
    const tid = readU16(frame, 0);
    if (tid !== options.transactionId) {
      throw new ProtocolError(
        "PROTOCOL_TRANSACTION_MISMATCH",
        `Cannot parse reply: transaction id must be ${options.transactionId}, got ${tid}`,
        { offset: 0 },
      );
    }
  }
  const unit = frame[6]!;
  if (unit !== request.address) {
    throw new ProtocolError(
      "PROTOCOL_ADDRESS_MISMATCH",
      `Cannot parse reply: unit id must be ${request.address}, got ${unit}`,
      { offset: 6 },
    );
  }
  const pduOptions = options.acceptRegisterEcho === undefined
    ? { layout: MBAP_LAYOUT, address: unit }
    : { layout: MBAP_LAYOUT, address: unit, acceptRegisterEcho: options.acceptRegisterEcho };
  return parseReplyPdu(frame, MBAP_HEADER_LENGTH, frame.length, request, pduOptions);
}

/** A request frame a Modbus TCP station received; see {@linkcode parseMbapRequest}. */
export interface MbapRequest {
  /** The transaction id the reply must echo. */
  readonly transactionId: number;
  /** The unit id (also in `request.address`). */
  readonly unitId: number;
  /** The request. */
  readonly request: ModbusRequest;
}

/**
 * Parses a Modbus TCP request frame, the station side of {@linkcode buildMbapRequest}.
 *
 * @param frame One MBAP frame (see {@linkcode mbapFrameLength}).
 * @returns The transaction id, unit id and request.
 * @throws {ProtocolError} `PROTOCOL_TRUNCATED`, `PROTOCOL_FRAMING`, `PROTOCOL_TRAILING_BYTES`,
 * and the PDU errors of `parseRequestPdu`, with the byte `offset`.
 *
 * @example Round trip
 * ```ts
 * import { buildMbapRequest, parseMbapRequest } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x06, address: 1, register: 57001, value: 1 } as const;
 * assert.deepEqual(parseMbapRequest(buildMbapRequest(5, request)), {
 *   transactionId: 5,
 *   unitId: 1,
 *   request,
 * });
 * ```
 */
export function parseMbapRequest(frame: Uint8Array): MbapRequest {
  checkHeader(frame, "request");
  const unitId = frame[6]!;
  const request = parseRequestPdu(frame, MBAP_HEADER_LENGTH, frame.length, unitId, MBAP_LAYOUT);
  return { transactionId: readU16(frame, 0), unitId, request };
}

function checkHeader(frame: Uint8Array, what: string): void {
  const length = frame.length;
  if (length < MBAP_HEADER_LENGTH + 2) {
    throw new ProtocolError(
      "PROTOCOL_TRUNCATED",
      `Cannot parse ${what}: a Modbus TCP frame has at least 9 bytes, got ${length}`,
      { offset: length },
    );
  }
  const protocolId = readU16(frame, 2);
  if (protocolId !== 0) {
    throw new ProtocolError(
      "PROTOCOL_FRAMING",
      `Cannot parse ${what}: MBAP protocol id must be 0, got 0x${hex(protocolId, 4)}`,
      { offset: 2 },
    );
  }
  const announced = 6 + readU16(frame, 4);
  if (length < announced) {
    throw new ProtocolError(
      "PROTOCOL_TRUNCATED",
      `Cannot parse ${what}: MBAP header announces ${announced} bytes, got ${length}`,
      { offset: length },
    );
  }
  if (length > announced) {
    throw new ProtocolError(
      "PROTOCOL_TRAILING_BYTES",
      `Cannot parse ${what}: ${bytesFollow(length - announced)} the ${announced}-byte frame`,
      { offset: announced },
    );
  }
}

function writeHeader(frame: Uint8Array, tid: number, unit: number, pduLength: number): void {
  writeU16(frame, 0, tid);
  writeU16(frame, 2, 0);
  writeU16(frame, 4, pduLength + 1);
  frame[6] = unit;
}

function checkField(value: number, max: number, name: string, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ProtocolError(
      "PROTOCOL_INVALID_REQUEST",
      `${what}: ${name} must be an integer 0..${max}, got ${String(value)}`,
    );
  }
}
