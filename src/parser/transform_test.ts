import assert from "node:assert/strict";
import { SchemaDefinitionError } from "../errors/errors.ts";
import { compileTransforms, formatTransform, parseTransform } from "./transform.ts";
import type { TransformSpec } from "./types.ts";

function run(specs: TransformSpec[], raw: number, bits = 16, signed = false): number | null {
  return compileTransforms(specs, bits, signed).apply(raw);
}

Deno.test("parseTransform() reads every string form", () => {
  assert.deepEqual(parseTransform("abs"), { op: "abs" });
  assert.deepEqual(parseTransform("scale:0.1"), { op: "scale", factor: 0.1 });
  assert.deepEqual(parseTransform("minus:40"), { op: "minus", value: 40 });
  assert.deepEqual(parseTransform("bitmask:0x7"), { op: "bitmask", mask: 7 });
  assert.deepEqual(parseTransform("bitmask:3fff"), { op: "bitmask", mask: 0x3fff });
  assert.deepEqual(parseTransform("shift:3"), { op: "shift", bits: 3 });
  assert.deepEqual(parseTransform("clamp:0:100"), { op: "clamp", min: 0, max: 100 });
  assert.deepEqual(parseTransform("hex_enable_list:0:3"), {
    op: "hex_enable_list",
    mode: 0,
    index: 3,
  });
  assert.deepEqual(parseTransform("null_if_zero"), { op: "null_if_zero" });
});

Deno.test("parseTransform() rejects unknown and malformed transforms at definition time", () => {
  const cases: [TransformSpec, RegExp][] = [
    ["multiply:2", /unknown transform 'multiply'/],
    ["scale", /takes 1 argument/],
    ["scale:x", /scale factor must be a number, got 'x'/],
    ["scale:0", /non-zero/],
    ["minus:1:2", /takes 1 argument/],
    ["bitmask:zz", /mask \(hex\) must be an integer/],
    ["bitmask:0", /0x1\.\.0xffffffff/],
    ["shift:40", /0\.\.31/],
    ["clamp:5:1", /min ≤ max/],
    ["hex_enable_list:0:8", /index must be in 0\.\.7/],
    ["hex_enable_list:3:5", /index must be in 0\.\.4/],
    ["abs:1", /takes 0 argument/],
    [{ op: "scale", factor: Infinity }, /finite/],
  ];
  for (const [spec, pattern] of cases) {
    assert.throws(
      () => parseTransform(spec),
      (e: unknown) =>
        e instanceof SchemaDefinitionError && e.code === "SCHEMA_INVALID_TRANSFORM" &&
        pattern.test(e.message),
      JSON.stringify(spec),
    );
  }
});

Deno.test("formatTransform() round-trips through parseTransform()", () => {
  for (
    const spec of ["abs", "scale:0.01", "minus:40", "bitmask:0x3fff", "shift:3", "clamp:0:100"]
  ) {
    assert.equal(formatTransform(parseTransform(spec)), spec);
  }
});

Deno.test("compileTransforms() scales without float noise", () => {
  assert.equal(run(["scale:0.1"], 2266), 226.6);
  assert.equal(run(["scale:0.01"], 5313), 53.13);
  assert.equal(run(["scale:0.001"], 3245), 3.245);
  assert.equal(run(["scale:10"], 5), 50);
  assert.equal(run(["scale:0.25"], 7), 1.75);
  // 0.1 * 3 is 0.30000000000000004 in floats; the chain gives 0.3.
  assert.equal(run(["scale:0.1"], 3), 0.3);
  assert.equal(run(["scale:0.1", "minus:40"], 2266), 186.6);
  assert.equal(run(["minus:0.5", "scale:0.1"], 3), 0.25);
  for (let raw = 0; raw < 70000; raw += 7) {
    const v = run(["scale:0.1"], raw, 32)!;
    assert.equal(v, Number((raw / 10).toFixed(1)));
  }
});

Deno.test("compileTransforms() applies abs, minus, clamp, bitmask and shift left to right", () => {
  assert.equal(run(["abs", "scale:0.1"], -52, 16, true), 5.2);
  assert.equal(run(["minus:40"], 80), 40);
  assert.equal(run(["clamp:0:100"], 250), 100);
  assert.equal(run(["clamp:10:100"], 3), 10);
  assert.equal(run(["bitmask:0x3fff"], 0xcd05), 0x0d05);
  assert.equal(run(["shift:3", "bitmask:0x7"], 0b101_110), 0b101);
  assert.equal(run(["bitmask:0xffffffff"], 0xfffffffe, 32), 0xfffffffe);
  assert.equal(run(["shift:4"], -32, 16, true), -2);
});

Deno.test("compileTransforms() null_if_zero makes raw 0 null and skips later steps", () => {
  assert.equal(run(["null_if_zero", "minus:40"], 0, 8), null);
  assert.equal(run(["null_if_zero", "minus:40"], 65, 8), 25);
  assert.equal(run(["minus:40"], 0, 8), -40);
});

Deno.test("compileTransforms() hex_enable_list reads 2-bit and 3-bit elements, MSB first", () => {
  // bits (MSB first) 10 01 11 00 ...: element 0 = b0 + 2*b1 = 1, element 1 = 0 + 2 = 2, element 2 = 3.
  const raw = 0b1001_1100_0000_0000;
  assert.equal(run(["hex_enable_list:0:0"], raw), 1);
  assert.equal(run(["hex_enable_list:0:1"], raw), 2);
  assert.equal(run(["hex_enable_list:0:2"], raw), 3);
  assert.equal(run(["hex_enable_list:0:3"], raw), 0);
  // 3-bit: first chunk bits 100 → 1, second 111 → 7.
  assert.equal(run(["hex_enable_list:3:0"], 0b100_111_0000000000), 1);
  assert.equal(run(["hex_enable_list:3:1"], 0b100_111_0000000000), 7);
});

Deno.test("compileTransforms() rejects bit operations on fractional or wrong-width values", () => {
  assert.throws(
    () => compileTransforms(["scale:0.1", "bitmask:0xf"], 16, false),
    /needs an integer/,
  );
  assert.throws(() => compileTransforms(["hex_enable_list:0:1"], 8, false), /16-bit/);
});

Deno.test("TransformChain.invert() is the inverse of apply() with the bits it sets", () => {
  const scale = compileTransforms(["scale:0.1"], 16, false);
  assert.deepEqual(scale.invert(226.6), { raw: 2266, mask: 0xffff });
  const temp = compileTransforms(["null_if_zero", "minus:40"], 8, false);
  assert.deepEqual(temp.invert(null), { raw: 0, mask: 0xff });
  assert.deepEqual(temp.invert(-39), { raw: 1, mask: 0xff });
  const packed = compileTransforms(["shift:3", "bitmask:0x7"], 16, false);
  assert.deepEqual(packed.invert(5), { raw: 40, mask: 0x38 });
  assert.equal(packed.apply(packed.invert(5).raw), 5);
  const cell = compileTransforms(["bitmask:3fff", "scale:0.001"], 16, false);
  assert.deepEqual(cell.invert(3.321), { raw: 3321, mask: 0x3fff });
  const enable = compileTransforms(["hex_enable_list:0:2"], 16, false);
  const r = enable.invert(2);
  assert.equal(enable.apply(r.raw), 2);
  assert.equal(r.mask, 0b0000_1100_0000_0000);
});

Deno.test("TransformChain.invert() refuses values the chain cannot produce", () => {
  assert.throws(() => compileTransforms(["scale:0.1"], 16, false).invert(null), /null/);
  assert.throws(() => compileTransforms(["abs"], 16, true).invert(-3), /negative/);
  assert.throws(
    () => compileTransforms(["clamp:0:100"], 16, false).invert(101),
    /outside 0\.\.100/,
  );
  assert.throws(() => compileTransforms(["bitmask:0x7"], 16, false).invert(9), /outside mask/);
  assert.throws(() => compileTransforms(["hex_enable_list:0:0"], 16, false).invert(4), /0\.\.3/);
  assert.throws(() => compileTransforms([], 16, false).invert(Number.NaN), /finite/);
  assert.throws(() => compileTransforms(["minus:40"], 8, false).invert(-41), /-41 gives raw -1/);
});
