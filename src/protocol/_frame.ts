// Private helpers shared by the frame builders, parsers and the matcher of this folder.
import { ProtocolError } from "../errors/errors.ts";
import { crc16Modbus } from "./crc16.ts";
import type { ModbusRequest } from "./types.ts";
import { announcedReplyPduLength } from "./pdu.ts";

/** Highest Modbus device address. */
export const MAX_ADDRESS = 247;
/** Most registers one read may ask for. */
export const MAX_READ_QUANTITY = 125;
/** Most registers one write-multiple may carry. */
export const MAX_WRITE_QUANTITY = 123;

/** Reads the big-endian 16-bit word at `offset`. */
export function readU16(frame: Uint8Array, offset: number): number {
  return (frame[offset]! << 8) | frame[offset + 1]!;
}

/** Writes `value` as a big-endian 16-bit word at `offset`. */
export function writeU16(frame: Uint8Array, offset: number, value: number): void {
  frame[offset] = value >>> 8;
  frame[offset + 1] = value;
}

/** Computes the CRC of `frame[0, frame.length - 2)` and stores it in the last 2 bytes. */
export function sealCrc(frame: Uint8Array): Uint8Array {
  const end = frame.length - 2;
  const crc = crc16Modbus(frame, 0, end);
  frame[end] = crc;
  frame[end + 1] = crc >>> 8;
  return frame;
}

/** True when the two bytes before `end` hold the CRC of `frame[0, end - 2)`. */
export function crcMatches(frame: Uint8Array, end: number): boolean {
  const crc = crc16Modbus(frame, 0, end - 2);
  return frame[end - 2] === (crc & 0xff) && frame[end - 1] === crc >>> 8;
}

/** Throws `PROTOCOL_CRC` unless the last two bytes of `frame` are the CRC of the rest. */
export function assertCrc(frame: Uint8Array, what: string): void {
  const end = frame.length - 2;
  const expected = crc16Modbus(frame, 0, end);
  const actual = frame[end]! | (frame[end + 1]! << 8);
  if (expected !== actual) {
    throw new ProtocolError(
      "PROTOCOL_CRC",
      `Cannot parse ${what}: CRC mismatch, expected 0x${hex(expected, 4)} (wire ${
        wire(expected)
      }), got 0x${hex(actual, 4)} (wire ${wire(actual)})`,
      { offset: end },
    );
  }
}

/**
 * The length a reply to `request` must have according to its header, or 0 when the header does
 * not look like an answer to `request` (other address or function, implausible byte count).
 * Expects `frame.length >= 3`.
 */
export function announcedReplyLength(frame: Uint8Array, request: ModbusRequest): number {
  if (frame[0] !== request.address) return 0;
  const pdu = announcedReplyPduLength(frame, 1, request);
  return pdu === 0 ? 0 : pdu + 3;
}

/** Lower-case hex of `value`, zero-padded to `width` digits. */
export function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}

/** A 16-bit CRC as the two bytes sent on the wire, low byte first: "c4 16". */
function wire(crc: number): string {
  return `${hex(crc & 0xff, 2)} ${hex(crc >>> 8, 2)}`;
}

/** Up to `max` bytes of `bytes` from `start` as spaced hex: "01 f8 0f". */
export function hexBytes(bytes: Uint8Array, start: number, max: number): string {
  const end = Math.min(bytes.length, start + max);
  const parts: string[] = [];
  for (let i = start; i < end; i++) parts.push(hex(bytes[i]!, 2));
  return parts.join(" ");
}

/** "1 byte follows", "2 bytes follow". */
export function bytesFollow(count: number): string {
  return count === 1 ? "1 byte follows" : `${count} bytes follow`;
}
