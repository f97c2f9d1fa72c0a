/**
 * CRC-16/MODBUS lookup table for the reflected polynomial 0xA001, built on the first CRC (not
 * when the module loads: the CLI's offline commands load this module and compute none).
 */
let TABLE: Uint16Array | undefined;

function makeTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    }
    table[byte] = crc;
  }
  return table;
}

/**
 * Computes the CRC-16/MODBUS of `bytes[start, end)`: init 0xFFFF, reflected polynomial 0xA001,
 * no final xor. On the wire the CRC follows the frame low byte first.
 *
 * Table-driven; allocates nothing.
 *
 * @param bytes The bytes to checksum.
 * @param start Index of the first byte to include.
 * @param end Index after the last byte to include.
 * @returns The CRC as a number 0..0xFFFF (send `crc & 0xff` first, then `crc >>> 8`).
 * @throws {RangeError} If `start`/`end` are not integers with `0 <= start <= end <= bytes.length`.
 *
 * @example Check value of a read request
 * ```ts
 * import { crc16Modbus } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const crc = crc16Modbus(new Uint8Array([0x01, 0x03, 0x00, 0x64, 0x00, 0x05]));
 * assert.equal(crc, 0x16c4);
 * assert.deepEqual([crc & 0xff, crc >>> 8], [0xc4, 0x16]); // wire order: c4 16
 * ```
 *
 * @example Checksum part of a buffer
 * ```ts
 * import { crc16Modbus } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const frame = new Uint8Array([0x01, 0x06, 0x0b, 0xbf, 0x00, 0x01, 0x7b, 0xca]);
 * assert.equal(crc16Modbus(frame, 0, frame.length - 2), 0xca7b);
 * ```
 */
export function crc16Modbus(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  if (
    !(start >= 0 && start <= end && end <= bytes.length) ||
    !Number.isInteger(start) || !Number.isInteger(end)
  ) {
    throw new RangeError(
      `Cannot compute CRC: range must satisfy 0 <= start <= end <= ${bytes.length}, got start ${start}, end ${end}`,
    );
  }
  const table = TABLE ??= makeTable();
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc = (crc >>> 8) ^ table[(crc ^ bytes[i]!) & 0xff]!;
  }
  return crc;
}
