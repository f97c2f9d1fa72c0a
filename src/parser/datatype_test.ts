import assert from "node:assert/strict";
import { SchemaDefinitionError } from "../errors/errors.ts";
import { compileDatatype, parseDatatype } from "./datatype.ts";
import type { DatatypeSpec } from "./types.ts";

const noWarn = () => {
  throw new Error("unexpected warning");
};

function read(spec: DatatypeSpec, bytes: number[], warn: (m: string) => void = noWarn): unknown {
  return compileDatatype(spec).read(new Uint8Array(bytes), 0, warn);
}

function write(spec: DatatypeSpec, value: unknown, size: number, mask?: number): number[] {
  const type = compileDatatype(spec);
  const bytes = new Uint8Array(size);
  type.write(bytes, 0, value, mask ?? (type.integer ? 2 ** type.integer.bits - 1 : 0));
  return [...bytes];
}

Deno.test("compileDatatype() reads 8- and 16-bit integers big-endian, signed and unsigned", () => {
  assert.equal(read("uint8", [0xff]), 255);
  assert.equal(read("int8", [0xff]), -1);
  assert.equal(read("int8", [0x80]), -128);
  assert.equal(read("uint16", [0x14, 0xc1]), 5313);
  assert.equal(read("int16", [0xff, 0xfe]), -2);
  assert.equal(read("int16", [0x80, 0x00]), -32768);
});

Deno.test("compileDatatype() reads 32-bit integers in both word orders", () => {
  assert.equal(read("uint32_lw", [0x00, 0x21, 0x00, 0x00]), 33);
  assert.equal(read("uint32_lw", [0xa3, 0x2c, 0x00, 0x01]), 107308);
  assert.equal(read("uint32_lw", [0xb2, 0xbe, 0x00, 0x66]), 6730430);
  assert.equal(read("uint32", [0x00, 0x21, 0x00, 0x00]), 2162688);
  assert.equal(read("uint32", [0xff, 0xff, 0xff, 0xff]), 0xffffffff);
  assert.equal(read("int32_lw", [0x00, 0x93, 0x00, 0x00]), 147);
  assert.equal(read("int32_lw", [0x00, 0x00, 0x80, 0x00]), -2147483648);
  assert.equal(read("int32", [0xff, 0xff, 0xff, 0x6d]), -147);
});

Deno.test("compileDatatype() writes integers back, range-checked", () => {
  assert.deepEqual(write("uint32_lw", 107308, 4), [0xa3, 0x2c, 0x00, 0x01]);
  assert.deepEqual(write("int32_lw", -2147483648, 4), [0x00, 0x00, 0x80, 0x00]);
  assert.deepEqual(write("uint32", 0xdeadbeef, 4), [0xde, 0xad, 0xbe, 0xef]);
  assert.deepEqual(write("int32", -147, 4), [0xff, 0xff, 0xff, 0x6d]);
  assert.deepEqual(write("int16", -2, 2), [0xff, 0xfe]);
  assert.deepEqual(write("int8", -128, 1), [0x80]);
  assert.throws(() => write("uint16", 65536, 2), /does not fit uint16 \(0\.\.65535\)/);
  assert.throws(() => write("int16", 40000, 2), /does not fit int16/);
  assert.throws(() => write("uint8", -1, 1), /does not fit uint8/);
  assert.throws(() => write("uint8", 1.5, 1), /not an integer/);
  assert.throws(() => write("uint8", "7", 1), /not an integer/);
});

Deno.test("compileDatatype() writes only the masked bits of an integer", () => {
  const type = compileDatatype("uint16");
  const bytes = new Uint8Array([0xff, 0xff]);
  type.write(bytes, 0, 0b0101_0000, 0b1111_0000);
  assert.deepEqual([...bytes], [0xff, 0b0101_1111]);
});

Deno.test("compileDatatype() reads plain and swapped ASCII, cut at NUL", () => {
  assert.equal(read("string:8", [0x45, 0x4c, 0x31, 0x30, 0x30, 0, 0x41, 0x41]), "EL100");
  assert.equal(
    read("string_swapped:12", [0x50, 0x41, 0x30, 0x33, 0x00, 0x30, 0, 0, 0, 0, 0, 0]),
    "AP300",
  );
  assert.equal(read("string_swapped:4", [0x43, 0x41, 0x41, 0x32]), "AC2A");
  assert.equal(read("string_swapped:4", [0x4f, 0x49, 0x00, 0x54]), "IOT");
  assert.equal(read("string:4", [0, 0, 0, 0]), "");
  assert.throws(() => read("string:2", [0x41, 0xc3]), /0xc3 at \+1 is not printable ASCII/);
});

Deno.test("compileDatatype() writes text NUL-padded, swapped when asked", () => {
  assert.deepEqual(write("string_swapped:6", "AP300", 6), [0x50, 0x41, 0x30, 0x33, 0x00, 0x30]);
  assert.deepEqual(write("string:4", "ab", 4), [0x61, 0x62, 0, 0]);
  assert.throws(() => write("string:2", "abc", 2), /more than 2/);
  assert.throws(() => write("string:2", "é", 2), /not printable ASCII/);
  assert.throws(() => write("string:2", 5, 2), /not a string/);
});

Deno.test("compileDatatype() reads serial_u64_rev as a decimal string, exact beyond 2^53", () => {
  assert.equal(read("serial_u64_rev", [0xde, 0x4c, 0x1c, 0x83, 0x02, 0x61, 0, 0]), "2616113487436");
  assert.equal(read("serial_u64_rev", [0x2f, 0x6f, 0xe0, 0xff, 0x02, 0x60, 0, 0]), "2615114936175");
  assert.equal(read("serial_u64_rev", [0, 0, 0, 0, 0, 0, 0, 0]), "0");
  assert.equal(
    read("serial_u64_rev", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    "18446744073709551615",
  );
  assert.equal(read("serial_u64_rev", [0, 1, 0, 0, 0, 0, 0x00, 0x20]), String(2n ** 53n + 1n));
  assert.deepEqual(write("serial_u64_rev", "2616113487436", 8), [
    0xde,
    0x4c,
    0x1c,
    0x83,
    0x02,
    0x61,
    0,
    0,
  ]);
  assert.deepEqual(write("serial_u64_rev", "18446744073709551615", 8), new Array(8).fill(0xff));
  assert.throws(() => write("serial_u64_rev", "18446744073709551616", 8), /64 bits/);
  assert.throws(() => write("serial_u64_rev", "12a", 8), /not a decimal serial/);
});

Deno.test("compileDatatype() bitmaps decode to a number, or to the names of set bits", () => {
  assert.equal(read("bitmap:16", [0x80, 0x01]), 0x8001);
  const flags = { type: "bitmap", bytes: 1, flags: { grid: 0, pv: 1 } } as const;
  assert.deepEqual(read({ kind: "bitmap", bytes: 1, flags: { grid: 0, pv: 1 } }, [0b11]), [
    "grid",
    "pv",
  ]);
  const warnings: string[] = [];
  assert.deepEqual(
    read({ kind: "bitmap", bytes: 1, flags: flags.flags }, [0b1001], (m) => warnings.push(m)),
    ["grid", "bit_3"],
  );
  assert.deepEqual(warnings, ["bit 3 is set but has no name"]);
  assert.deepEqual(write({ kind: "bitmap", bytes: 1, flags: flags.flags }, ["pv", "bit_3"], 1), [
    0b1010,
  ]);
  assert.throws(
    () => write({ kind: "bitmap", bytes: 1, flags: flags.flags }, ["solar"], 1),
    /unknown flag 'solar'/,
  );
  assert.throws(
    () => compileDatatype({ kind: "bitmap", bytes: 1, flags: { a: 8 } }),
    /outside 0\.\.7/,
  );
});

Deno.test("compileDatatype() enums map labels and mark unknown values", () => {
  const mode = {
    kind: "enum",
    base: { kind: "int", bytes: 2, signed: false },
    values: { "0": "standard", "1": "silent", "2": "turbo", "4": "custom" },
  } as const;
  assert.equal(read(mode, [0, 2]), "turbo");
  const warnings: string[] = [];
  assert.equal(read(mode, [0, 3], (m) => warnings.push(m)), "UNKNOWN_3");
  assert.deepEqual(warnings, ["value 3 is not a known label"]);
  assert.deepEqual(write(mode, "custom", 2), [0, 4]);
  assert.deepEqual(write(mode, "UNKNOWN_3", 2), [0, 3]);
  assert.deepEqual(write(mode, 1, 2), [0, 1]);
  assert.throws(() => write(mode, "eco", 2), /not one of standard, silent, turbo, custom/);
  assert.throws(
    () => compileDatatype({ ...mode, values: { "0": "a", "1": "a" } }),
    /label 'a' is used twice/,
  );
});

Deno.test("compileDatatype() arrays read count items at a stride", () => {
  const cells = {
    kind: "array",
    item: { kind: "int", bytes: 2, signed: false },
    count: 3,
  } as const;
  assert.deepEqual(read(cells, [0, 1, 0, 2, 0, 3]), [1, 2, 3]);
  const strided = { ...cells, count: 2, stride: 4 } as const;
  assert.equal(compileDatatype(strided).size, 6);
  assert.deepEqual(read(strided, [0, 1, 9, 9, 0, 2]), [1, 2]);
  assert.deepEqual(write(strided, [7, 8], 6), [0, 7, 0, 0, 0, 8]);
  assert.throws(() => write(strided, [7], 6), /list of 2 items/);
  assert.throws(() => compileDatatype({ ...cells, stride: 1 }), /smaller than the item size/);
});

Deno.test("compileDatatype() packed bit fields decode to an object and write only their bits", () => {
  const status = {
    kind: "packed",
    base: { kind: "int", bytes: 2, signed: false },
    fields: [
      { name: "fault", bits: [4, 7] },
      { name: "progress", bits: [8, 11] },
      { name: "state", bits: [12, 15], values: { "0": "idle", "1": "aging" } },
    ],
  } as const;
  assert.deepEqual(read(status, [0x13, 0x50]), { fault: 5, progress: 3, state: "aging" });
  const warnings: string[] = [];
  assert.deepEqual(read(status, [0x20, 0x00], (m) => warnings.push(m)), {
    fault: 0,
    progress: 0,
    state: "UNKNOWN_2",
  });
  assert.equal(warnings.length, 1);
  const type = compileDatatype(status);
  const bytes = new Uint8Array([0x00, 0x0f]);
  type.write(bytes, 0, { progress: 9, state: "aging" }, 0);
  assert.deepEqual([...bytes], [0x19, 0x0f]);
  assert.throws(() => write(status, { fault: 16 }, 2), /fault: 16 is outside 0\.\.15/);
  assert.throws(
    () => compileDatatype({ ...status, fields: [{ name: "x", bits: [3, 16] }] }),
    /outside 0\.\.15/,
  );
});

Deno.test("parseDatatype() rejects unknown datatypes with the list of known ones", () => {
  for (const bad of ["uint24", "string", "string:x", "bitmap:12", "float32", "string_swapped:"]) {
    assert.throws(
      () => parseDatatype(bad),
      (e: unknown) =>
        e instanceof SchemaDefinitionError && e.code === "SCHEMA_INVALID_TYPE" &&
        e.message.includes(`'${bad}'`) && e.message.includes("uint32_lw"),
    );
  }
  assert.throws(() => compileDatatype("string_swapped:3"), /must be even/);
  assert.throws(() => compileDatatype("string:0"), /1\.\.250/);
});

Deno.test("compileDatatype() serial_u64_rev matches BigInt arithmetic for every word pattern", () => {
  const type = compileDatatype("serial_u64_rev");
  let x = 12345;
  for (let n = 0; n < 2000; n++) {
    const bytes = new Uint8Array(8);
    for (let i = 0; i < 8; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = x >>> 16;
    }
    if (n % 3 === 0) bytes[6] = 0xff; // above 2^53
    if (n % 7 === 0) bytes.fill(0, 0, 6); // quotient chunks of zeros
    const word = (i: number) => BigInt((bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
    const expected = ((word(3) << 48n) | (word(2) << 32n) | (word(1) << 16n) | word(0)).toString();
    assert.equal(type.read(bytes, 0, noWarn), expected, `bytes ${bytes.join(",")}`);
  }
});

Deno.test("compileDatatype() text types report non-printable bytes through invalid(), without throwing", () => {
  const text = compileDatatype("string_swapped:4");
  assert.equal(text.invalid?.(new Uint8Array([0x50, 0x41, 0x33, 0x30]), 0), null);
  assert.equal(text.invalid?.(new Uint8Array([0x50, 0x41, 0x07, 0x00]), 0), null); // after the NUL (swapped)
  assert.equal(
    text.invalid?.(new Uint8Array([0x50, 0x01, 0x33, 0x30]), 0),
    "byte 0x01 at +1 is not printable ASCII",
  );
  const list = compileDatatype({ kind: "array", item: { kind: "string", length: 2 }, count: 2 });
  assert.equal(
    list.invalid?.(new Uint8Array([0x41, 0x42, 0x43, 0x1f]), 0),
    "item 1: byte 0x1f at +1 is not printable ASCII",
  );
  assert.equal(compileDatatype("uint16").invalid, undefined);
});
