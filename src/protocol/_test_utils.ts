// Test-only helpers of this folder.
import { crc16Modbus } from "./crc16.ts";

/** Bytes from spaced or unspaced hex: "01 03 00" or "010300". */
export function bytes(hex: string): Uint8Array {
  return Uint8Array.fromHex(hex.replaceAll(" ", ""));
}

/** Bytes from hex with the CRC-16/MODBUS appended, low byte first. */
export function withCrc(hex: string): Uint8Array {
  const body = bytes(hex);
  const frame = new Uint8Array(body.length + 2);
  frame.set(body);
  const crc = crc16Modbus(body);
  frame[body.length] = crc & 0xff;
  frame[body.length + 1] = crc >>> 8;
  return frame;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** `count` bytes counting up from 0 (mod 256). */
export function ramp(count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = i;
  return out;
}
