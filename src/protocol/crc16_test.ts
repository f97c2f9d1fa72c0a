import assert from "node:assert/strict";
import { crc16Modbus } from "./crc16.ts";
import { bytes, ramp } from "./_test_utils.ts";

function bitwiseCrc(data: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

Deno.test("crc16Modbus() matches the read request check value c4 16", () => {
  const crc = crc16Modbus(bytes("01 03 00 64 00 05"));
  assert.deepEqual([crc & 0xff, crc >>> 8], [0xc4, 0x16]);
});

Deno.test("crc16Modbus() matches the write request check value 7b ca", () => {
  const crc = crc16Modbus(bytes("01 06 0b bf 00 01"));
  assert.deepEqual([crc & 0xff, crc >>> 8], [0x7b, 0xca]);
});

Deno.test("crc16Modbus() matches the AC-on capture 38 94", () => {
  assert.equal(crc16Modbus(bytes("00 06 07 db 00 01")), 0x9438);
});

Deno.test("crc16Modbus() matches the standard check value of '123456789'", () => {
  assert.equal(crc16Modbus(new TextEncoder().encode("123456789")), 0x4b37);
});

Deno.test("crc16Modbus() returns the initial value 0xffff for no bytes", () => {
  assert.equal(crc16Modbus(new Uint8Array(0)), 0xffff);
  assert.equal(crc16Modbus(bytes("0102"), 1, 1), 0xffff);
});

Deno.test("crc16Modbus() gives residue 0 over a frame with its CRC appended", () => {
  assert.equal(crc16Modbus(bytes("01 03 00 64 00 05 c4 16")), 0);
});

Deno.test("crc16Modbus() checksums only bytes[start, end)", () => {
  const buffer = bytes("ff ff 01 03 00 64 00 05 ee");
  assert.equal(crc16Modbus(buffer, 2, 8), 0x16c4);
  assert.equal(crc16Modbus(buffer, 2, 8), crc16Modbus(buffer.subarray(2, 8)));
});

Deno.test("crc16Modbus() agrees with the bitwise algorithm on every length up to 300", () => {
  const data = ramp(300).map((b, i) => (b * 31 + i * 7) & 0xff);
  for (let length = 0; length <= 300; length++) {
    const part = data.subarray(0, length);
    assert.equal(crc16Modbus(part), bitwiseCrc(part), `length ${length}`);
  }
});

Deno.test("crc16Modbus() throws RangeError for a range outside the bytes", () => {
  const data = bytes("01 02 03");
  assert.throws(() => crc16Modbus(data, -1), RangeError);
  assert.throws(() => crc16Modbus(data, 0, 4), RangeError);
  assert.throws(() => crc16Modbus(data, 2, 1), RangeError);
  assert.throws(() => crc16Modbus(data, 0.5), {
    name: "RangeError",
    message: "Cannot compute CRC: range must satisfy 0 <= start <= end <= 3, got start 0.5, end 3",
  });
});
