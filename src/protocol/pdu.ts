import { ModbusExceptionError, ProtocolError } from "../errors/errors.ts";
import {
  bytesFollow,
  hex,
  MAX_READ_QUANTITY,
  MAX_WRITE_QUANTITY,
  readU16,
  writeU16,
} from "./_frame.ts";
import type { ModbusReply, ModbusRequest } from "./types.ts";

/**
 * Where a PDU (function code + body) sits inside its ADU, the wrapping a link adds: `before`
 * bytes of header (RTU: the address, 1; MBAP: 7) and `after` bytes of trailer (RTU: the CRC, 2;
 * MBAP: 0). Error offsets and lengths in messages count from the start of the ADU, so a
 * problem is named where it sits on the wire.
 *
 * @example The two Modbus wrappings
 * ```ts
 * import { MBAP_LAYOUT, RTU_LAYOUT } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(RTU_LAYOUT, { before: 1, after: 2 });
 * assert.deepEqual(MBAP_LAYOUT, { before: 7, after: 0 });
 * ```
 */
export interface PduLayout {
  /** Bytes of the ADU before the PDU. */
  readonly before: number;
  /** Bytes of the ADU after the PDU. */
  readonly after: number;
}

/**
 * The RTU wrapping: 1 address byte before the PDU, a 2-byte CRC after it.
 *
 * @example Offsets inside an RTU frame
 * ```ts
 * import { RTU_LAYOUT } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(RTU_LAYOUT.before + 5 + RTU_LAYOUT.after, 8); // a read request
 * ```
 */
export const RTU_LAYOUT: PduLayout = Object.freeze({ before: 1, after: 2 });

/**
 * The Modbus TCP wrapping: a 7-byte MBAP header before the PDU, nothing after it.
 *
 * @example Offsets inside an MBAP frame
 * ```ts
 * import { MBAP_LAYOUT } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MBAP_LAYOUT.before + 5 + MBAP_LAYOUT.after, 12); // a read request
 * ```
 */
export const MBAP_LAYOUT: PduLayout = Object.freeze({ before: 7, after: 0 });

/**
 * Validates the function-code part of a request (everything but the device address, which
 * belongs to the wrapping) and returns the length of its PDU.
 *
 * Checks registers and values are integers 0..65535, read quantity 1..125, write-multiple count
 * 1..123, and that the registers do not run past 65535.
 *
 * @param request The request.
 * @returns The PDU length in bytes: 5 for 0x03 and 0x06, 6 + 2 x count for 0x10.
 * @throws {ProtocolError} `PROTOCOL_INVALID_REQUEST` naming the field and its value, or an
 * unsupported function.
 *
 * @example Lengths
 * ```ts
 * import { requestPduLength } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(requestPduLength({ function: 0x03, address: 1, start: 50000, quantity: 2 }), 5);
 * assert.equal(requestPduLength({ function: 0x10, address: 1, start: 0, values: [1, 2] }), 10);
 * ```
 */
export function requestPduLength(request: ModbusRequest): number {
  switch (request.function) {
    case 0x03: {
      const what = "read request";
      checkInteger(request.start, 0, 0xffff, "start", what);
      checkInteger(request.quantity, 1, MAX_READ_QUANTITY, "quantity", what);
      checkEnd(request.start, request.quantity, what);
      return 5;
    }
    case 0x06: {
      const what = "write-single request";
      checkInteger(request.register, 0, 0xffff, "register", what);
      checkInteger(request.value, 0, 0xffff, "value", what);
      return 5;
    }
    case 0x10: {
      const what = "write-multiple request";
      const { values } = request;
      checkInteger(request.start, 0, 0xffff, "start", what);
      checkInteger(values.length, 1, MAX_WRITE_QUANTITY, "values.length", what);
      checkEnd(request.start, values.length, what);
      for (let i = 0; i < values.length; i++) {
        checkInteger(values[i]!, 0, 0xffff, `values[${i}]`, what);
      }
      return 6 + 2 * values.length;
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

/**
 * Writes the PDU of a request into `frame` at `offset` (a wrapping allocates the frame and
 * adds its own header and trailer). Call {@linkcode requestPduLength} first: it validates.
 *
 * @param request A request that passed {@linkcode requestPduLength}.
 * @param frame The ADU being built.
 * @param offset Where the PDU starts.
 *
 * @example Into a bare buffer
 * ```ts
 * import { requestPduLength, writeRequestPdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x06, address: 1, register: 57001, value: 1 } as const;
 * const pdu = new Uint8Array(requestPduLength(request));
 * writeRequestPdu(request, pdu, 0);
 * assert.deepEqual([...pdu], [0x06, 0xde, 0xa9, 0x00, 0x01]);
 * ```
 */
export function writeRequestPdu(request: ModbusRequest, frame: Uint8Array, offset: number): void {
  frame[offset] = request.function;
  switch (request.function) {
    case 0x03:
      writeU16(frame, offset + 1, request.start);
      writeU16(frame, offset + 3, request.quantity);
      return;
    case 0x06:
      writeU16(frame, offset + 1, request.register);
      writeU16(frame, offset + 3, request.value);
      return;
    case 0x10: {
      const { values } = request;
      writeU16(frame, offset + 1, request.start);
      writeU16(frame, offset + 3, values.length);
      frame[offset + 5] = 2 * values.length;
      for (let i = 0; i < values.length; i++) writeU16(frame, offset + 6 + 2 * i, values[i]!);
      return;
    }
  }
}

/**
 * The length the reply PDU to `request` announces from its first bytes (`frame[start]` is the
 * function code), or 0 when those bytes do not look like an answer to `request` (other
 * function, implausible byte count). Used by wrappings without a length field (RTU) to tell a
 * truncated reply from a corrupt one.
 *
 * @param frame The received ADU.
 * @param start Where its PDU starts; `frame` must hold at least 2 bytes from there.
 * @param request The pending request.
 * @returns The announced PDU length, or 0.
 *
 * @example A read reply announcing 4 data bytes
 * ```ts
 * import { announcedReplyPduLength } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 100, quantity: 2 } as const;
 * assert.equal(announcedReplyPduLength(new Uint8Array([0x03, 0x04]), 0, request), 6);
 * assert.equal(announcedReplyPduLength(new Uint8Array([0x83, 0x02]), 0, request), 2);
 * assert.equal(announcedReplyPduLength(new Uint8Array([0x03, 0x06]), 0, request), 0);
 * ```
 */
export function announcedReplyPduLength(
  frame: Uint8Array,
  start: number,
  request: ModbusRequest,
): number {
  const fn = frame[start];
  if (fn === (request.function | 0x80)) return 2;
  if (fn !== request.function) return 0;
  switch (request.function) {
    case 0x03: {
      const byteCount = frame[start + 1]!;
      return byteCount !== 0 && (byteCount & 1) === 0 && byteCount <= request.quantity * 2
        ? 2 + byteCount
        : 0;
    }
    case 0x06:
    case 0x10:
      return 5;
    default:
      return 0;
  }
}

/**
 * Tells whether the PDU `frame[start, end)` is the reply to `request`: an exception reply
 * (2 bytes) to its function, or the function with the expected length (0x03: a byte count of
 * exactly `2 x quantity`, or `2 x n` for an `n` in `options.shortCounts`, and exactly `2 + bc`
 * bytes; 0x06 and 0x10: 5 bytes echoing register and value, or start and quantity). Never
 * throws, allocates nothing.
 *
 * @param request The pending request.
 * @param frame The received ADU.
 * @param start Where its PDU starts.
 * @param end Where its PDU ends (exclusive).
 * @param options `shortCounts`: register counts, fewer than requested, a station is known to
 * answer this read with (from its profile). @default {none: only the exact count}
 * @returns Whether the PDU answers the request.
 *
 * @example An echo of another register does not match
 * ```ts
 * import { replyPduMatches } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x06, address: 1, register: 57001, value: 1 } as const;
 * assert.equal(replyPduMatches(request, new Uint8Array([0x06, 0xde, 0xa9, 0, 1]), 0, 5), true);
 * assert.equal(replyPduMatches(request, new Uint8Array([0x06, 0x07, 0xdb, 0, 1]), 0, 5), false);
 * ```
 */
export function replyPduMatches(
  request: ModbusRequest,
  frame: Uint8Array,
  start: number,
  end: number,
  options?: { readonly shortCounts?: readonly number[] },
): boolean {
  const length = end - start;
  if (length < 2) return false;
  const fn = frame[start];
  if (fn === (request.function | 0x80)) return length === 2;
  if (fn !== request.function) return false;
  switch (request.function) {
    case 0x03: {
      const byteCount = frame[start + 1]!;
      if (length !== 2 + byteCount) return false;
      if (byteCount === 2 * request.quantity) return true;
      const short = options?.shortCounts;
      return short !== undefined && (byteCount & 1) === 0 && byteCount !== 0 &&
        byteCount < 2 * request.quantity && short.includes(byteCount >>> 1);
    }
    case 0x06:
      return length === 5 && readU16(frame, start + 1) === request.register &&
        readU16(frame, start + 3) === request.value;
    case 0x10:
      return length === 5 && readU16(frame, start + 1) === request.start &&
        readU16(frame, start + 3) === request.values.length;
    default:
      return false;
  }
}

/** Options of {@linkcode parseReplyPdu}. */
export interface ParseReplyPduOptions {
  /** Where the PDU sits in its ADU (for offsets and lengths in errors). */
  readonly layout: PduLayout;
  /** The device address (RTU) or unit id (MBAP) the wrapping carried, put into the reply. */
  readonly address: number;
  /**
   * Accept a write-single echo whose register differs from the request's when the function and
   * value match (stations that echo an internal address). @default {false}
   */
  readonly acceptRegisterEcho?: boolean;
}

/**
 * Validates the PDU `frame[start, end)` of a reply against the request it answers (the wrapping
 * already checked its own header, trailer and address) and returns its content.
 *
 * Checks, each failure with the byte `offset` in the ADU: an exception reply (function | 0x80,
 * exactly 2 bytes) is thrown as `ModbusExceptionError`; the function (`PROTOCOL_FUNCTION_MISMATCH`);
 * for 0x03 an even byte count 2..2 x quantity (`PROTOCOL_BYTE_COUNT`) and no bytes after the
 * data (`PROTOCOL_TRAILING_BYTES`; fewer are `PROTOCOL_TRUNCATED`); for 0x06 and 0x10 exactly 5
 * bytes and the echo of register/value or start/quantity (`PROTOCOL_ECHO_MISMATCH`).
 *
 * @param frame The received ADU.
 * @param start Where its PDU starts.
 * @param end Where its PDU ends (exclusive).
 * @param request The request the reply should answer.
 * @param options The layout and the address carried by the wrapping.
 * @returns The reply; `data` of a read reply is a view into `frame`.
 * @throws {ModbusExceptionError} When the station answered with an exception.
 * @throws {ProtocolError} As listed above.
 *
 * @example A bare read-reply PDU
 * ```ts
 * import { parseReplyPdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const request = { function: 0x03, address: 1, start: 51004, quantity: 1 } as const;
 * const pdu = new Uint8Array([0x03, 0x02, 0x00, 0x5f]);
 * const reply = parseReplyPdu(pdu, 0, 4, request, { layout: { before: 0, after: 0 }, address: 1 });
 * assert.equal(reply.function === 0x03 && reply.data[1], 0x5f);
 * ```
 */
export function parseReplyPdu(
  frame: Uint8Array,
  start: number,
  end: number,
  request: ModbusRequest,
  options: ParseReplyPduOptions,
): ModbusReply {
  const { layout, address } = options;
  const length = end - start;
  if (length < 2) {
    throw new ProtocolError(
      "PROTOCOL_TRUNCATED",
      `Cannot parse reply: a Modbus reply PDU has at least 2 bytes, got ${length}`,
      { offset: end },
    );
  }
  const fn = frame[start]!;
  if (fn === (request.function | 0x80)) {
    if (length !== 2) throw trailing(length, 2, layout);
    throw new ModbusExceptionError(request.function, frame[start + 1]!);
  }
  if (fn !== request.function) {
    throw new ProtocolError(
      "PROTOCOL_FUNCTION_MISMATCH",
      `Cannot parse reply: function must be 0x${hex(request.function, 2)}, got 0x${hex(fn, 2)}`,
      { offset: start },
    );
  }
  switch (request.function) {
    case 0x03: {
      const byteCount = frame[start + 1]!;
      const max = 2 * request.quantity;
      if (byteCount === 0 || (byteCount & 1) !== 0 || byteCount > max) {
        throw new ProtocolError(
          "PROTOCOL_BYTE_COUNT",
          `Cannot parse reply: byte count must be even and 2..${max} for ${request.quantity} registers, got ${byteCount}`,
          { offset: start + 1 },
        );
      }
      const pduEnd = 2 + byteCount;
      if (length < pduEnd) {
        throw new ProtocolError(
          "PROTOCOL_TRUNCATED",
          `Cannot parse reply: byte count announces ${byteCount} data bytes, got ${length - 2}`,
          { offset: end },
        );
      }
      if (length > pduEnd) throw trailing(length, pduEnd, layout);
      return {
        function: 0x03,
        address,
        data: frame.subarray(start + 2, end),
        registerCount: byteCount >>> 1,
      };
    }
    case 0x06: {
      if (length < 5) throw truncatedEcho(length, end);
      if (length > 5) throw trailing(length, 5, layout);
      const register = readU16(frame, start + 1);
      const value = readU16(frame, start + 3);
      if (register !== request.register && options.acceptRegisterEcho !== true) {
        throw echo("register", request.register, register, start + 1);
      }
      if (value !== request.value) throw echo("value", request.value, value, start + 3);
      return { function: 0x06, address, register, value };
    }
    case 0x10: {
      if (length < 5) throw truncatedEcho(length, end);
      if (length > 5) throw trailing(length, 5, layout);
      const first = readU16(frame, start + 1);
      const quantity = readU16(frame, start + 3);
      if (first !== request.start) throw echo("start", request.start, first, start + 1);
      if (quantity !== request.values.length) {
        throw echo("quantity", request.values.length, quantity, start + 3);
      }
      return { function: 0x10, address, start: first, quantity };
    }
    default:
      throw new ProtocolError(
        "PROTOCOL_INVALID_REQUEST",
        `Cannot parse reply: request function must be 0x03, 0x06 or 0x10, got 0x${hex(fn, 2)}`,
      );
  }
}

/**
 * Builds the PDU of a read reply (0x03): `03 byte_count data...`, the station side.
 *
 * @param data Register data, big-endian words: an even number of bytes, 2..250.
 * @returns A new PDU.
 * @throws {RangeError} If the data length is out of range.
 *
 * @example One register
 * ```ts
 * import { buildReadReplyPdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...buildReadReplyPdu(new Uint8Array([0x00, 0x5f]))], [0x03, 0x02, 0x00, 0x5f]);
 * ```
 */
export function buildReadReplyPdu(data: Uint8Array): Uint8Array {
  checkReadData(data);
  const pdu = new Uint8Array(2 + data.length);
  pdu[0] = 0x03;
  pdu[1] = data.length;
  pdu.set(data, 2);
  return pdu;
}

/**
 * Builds the PDU of a write-single reply (0x06): the echo `06 register value`.
 *
 * @param register The register, 0..65535 (a station may echo another one than written).
 * @param value The value, 0..65535.
 * @returns A new 5-byte PDU.
 * @throws {RangeError} If an argument is out of range.
 *
 * @example The echo of AC on
 * ```ts
 * import { buildWriteSingleReplyPdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...buildWriteSingleReplyPdu(2011, 1)], [0x06, 0x07, 0xdb, 0x00, 0x01]);
 * ```
 */
export function buildWriteSingleReplyPdu(register: number, value: number): Uint8Array {
  checkRange(register, 0, 0xffff, "register", "write-single reply");
  checkRange(value, 0, 0xffff, "value", "write-single reply");
  const pdu = new Uint8Array(5);
  pdu[0] = 0x06;
  writeU16(pdu, 1, register);
  writeU16(pdu, 3, value);
  return pdu;
}

/**
 * Builds the PDU of a write-multiple reply (0x10): `10 start quantity`.
 *
 * @param start The first register written, 0..65535.
 * @param quantity The number of registers written, 1..123.
 * @returns A new 5-byte PDU.
 * @throws {RangeError} If an argument is out of range.
 *
 * @example Two registers from 2014
 * ```ts
 * import { buildWriteMultipleReplyPdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...buildWriteMultipleReplyPdu(2014, 2)], [0x10, 0x07, 0xde, 0x00, 0x02]);
 * ```
 */
export function buildWriteMultipleReplyPdu(start: number, quantity: number): Uint8Array {
  checkRange(start, 0, 0xffff, "start", "write-multiple reply");
  checkRange(quantity, 1, MAX_WRITE_QUANTITY, "quantity", "write-multiple reply");
  const pdu = new Uint8Array(5);
  pdu[0] = 0x10;
  writeU16(pdu, 1, start);
  writeU16(pdu, 3, quantity);
  return pdu;
}

/**
 * Builds the PDU of an exception reply: `(function | 0x80) code`.
 *
 * @param functionCode The request's function code 1..127.
 * @param exceptionCode The exception code 0..255 (1-6 standard; 5 acknowledge, 6 busy).
 * @returns A new 2-byte PDU.
 * @throws {RangeError} If an argument is out of range.
 *
 * @example Illegal data address
 * ```ts
 * import { buildExceptionReplyPdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...buildExceptionReplyPdu(0x03, 2)], [0x83, 0x02]);
 * ```
 */
export function buildExceptionReplyPdu(functionCode: number, exceptionCode: number): Uint8Array {
  checkRange(functionCode, 1, 0x7f, "function code", "exception reply");
  checkRange(exceptionCode, 0, 0xff, "exception code", "exception reply");
  return new Uint8Array([functionCode | 0x80, exceptionCode]);
}

/**
 * Parses the PDU `frame[start, end)` of a request, the station side: function 0x03, 0x06 or
 * 0x10 with exactly the bytes it needs, quantities in range, registers not past 65535.
 *
 * @param frame The received ADU.
 * @param start Where its PDU starts.
 * @param end Where its PDU ends (exclusive).
 * @param address The address or unit id the wrapping carried.
 * @param layout Where the PDU sits in its ADU (for offsets and lengths in errors).
 * @returns The request.
 * @throws {ProtocolError} `PROTOCOL_FUNCTION_MISMATCH` (another function),
 * `PROTOCOL_TRUNCATED`, `PROTOCOL_TRAILING_BYTES`, `PROTOCOL_BYTE_COUNT` or
 * `PROTOCOL_INVALID_REQUEST`, with the byte `offset` in the ADU.
 *
 * @example A read request PDU
 * ```ts
 * import { parseRequestPdu } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const pdu = new Uint8Array([0x03, 0xc3, 0x50, 0x00, 0x01]);
 * assert.deepEqual(parseRequestPdu(pdu, 0, 5, 1, { before: 0, after: 0 }), {
 *   function: 0x03,
 *   address: 1,
 *   start: 50000,
 *   quantity: 1,
 * });
 * ```
 */
export function parseRequestPdu(
  frame: Uint8Array,
  start: number,
  end: number,
  address: number,
  layout: PduLayout,
): ModbusRequest {
  const length = end - start;
  const fn = frame[start];
  if (fn !== 0x03 && fn !== 0x06 && fn !== 0x10) {
    throw new ProtocolError(
      "PROTOCOL_FUNCTION_MISMATCH",
      `Cannot parse request: function must be 0x03, 0x06 or 0x10, got ${
        fn === undefined ? "nothing" : `0x${hex(fn, 2)}`
      }`,
      { offset: start },
    );
  }
  const expected = requestPduSize(frame, start, end);
  if (length < expected) {
    throw new ProtocolError(
      "PROTOCOL_TRUNCATED",
      `Cannot parse request: function 0x${hex(fn, 2)} needs ${
        expected + layout.before + layout.after
      } bytes, got ${length + layout.before + layout.after}`,
      { offset: end + layout.after },
    );
  }
  if (length > expected) {
    const frameEnd = expected + layout.before + layout.after;
    throw new ProtocolError(
      "PROTOCOL_TRAILING_BYTES",
      `Cannot parse request: ${bytesFollow(length - expected)} the ${frameEnd}-byte frame`,
      { offset: frameEnd },
    );
  }
  if (fn === 0x06) {
    return {
      function: 0x06,
      address,
      register: readU16(frame, start + 1),
      value: readU16(frame, start + 3),
    };
  }
  const first = readU16(frame, start + 1);
  const quantity = readU16(frame, start + 3);
  const max = fn === 0x03 ? MAX_READ_QUANTITY : MAX_WRITE_QUANTITY;
  if (quantity < 1 || quantity > max) {
    throw invalid(`quantity must be 1..${max}, got ${quantity}`, start + 3);
  }
  if (first + quantity > 0x10000) {
    throw invalid(`registers must end at 65535, got ${first}..${first + quantity - 1}`, start + 1);
  }
  if (fn === 0x03) return { function: 0x03, address, start: first, quantity };
  const byteCount = frame[start + 5]!;
  if (byteCount !== 2 * quantity) {
    throw new ProtocolError(
      "PROTOCOL_BYTE_COUNT",
      `Cannot parse request: byte count must be ${
        2 * quantity
      } for ${quantity} registers, got ${byteCount}`,
      { offset: start + 5 },
    );
  }
  const values: number[] = new Array(quantity);
  for (let i = 0; i < quantity; i++) values[i] = readU16(frame, start + 6 + 2 * i);
  return { function: 0x10, address, start: first, values };
}

/**
 * The PDU size a request needs from its function code (and, for 0x10, its byte count), or 0
 * for an unsupported function. For wrappings without a length field (RTU).
 *
 * @param frame The received ADU.
 * @param start Where its PDU starts.
 * @param end Where the received bytes end.
 * @returns The PDU size in bytes, or 0.
 *
 * @example Sizes
 * ```ts
 * import { requestPduSize } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(requestPduSize(new Uint8Array([0x03]), 0, 1), 5);
 * assert.equal(requestPduSize(new Uint8Array([0x10, 0, 0, 0, 2, 4]), 0, 6), 10);
 * assert.equal(requestPduSize(new Uint8Array([0x2b]), 0, 1), 0);
 * ```
 */
export function requestPduSize(frame: Uint8Array, start: number, end: number): number {
  const fn = frame[start];
  if (fn === 0x03 || fn === 0x06) return 5;
  if (fn === 0x10) return end - start > 5 ? 6 + frame[start + 5]! : 6;
  return 0;
}

function checkReadData(data: Uint8Array): void {
  if (data.length === 0 || data.length % 2 !== 0 || data.length > 2 * MAX_READ_QUANTITY) {
    throw new RangeError(
      `Cannot build read reply: data length must be even and 2..${
        2 * MAX_READ_QUANTITY
      }, got ${data.length}`,
    );
  }
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

function checkRange(value: number, min: number, max: number, name: string, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot build ${what}: ${name} must be an integer ${min}..${max}, got ${value}`,
    );
  }
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function trailing(length: number, pduEnd: number, layout: PduLayout): ProtocolError {
  const end = layout.before + pduEnd + layout.after;
  return new ProtocolError(
    "PROTOCOL_TRAILING_BYTES",
    `Cannot parse reply: ${bytesFollow(length - pduEnd)} the ${end}-byte frame`,
    { offset: end },
  );
}

function truncatedEcho(length: number, end: number): ProtocolError {
  return new ProtocolError(
    "PROTOCOL_TRUNCATED",
    `Cannot parse reply: a write reply PDU has 5 bytes, got ${length}`,
    { offset: end },
  );
}

function echo(name: string, expected: number, actual: number, offset: number): ProtocolError {
  return new ProtocolError(
    "PROTOCOL_ECHO_MISMATCH",
    `Cannot parse reply: echoed ${name} must be ${expected}, got ${actual}`,
    { offset },
  );
}

function invalid(reason: string, offset: number): ProtocolError {
  return new ProtocolError("PROTOCOL_INVALID_REQUEST", `Cannot parse request: ${reason}`, {
    offset,
  });
}
