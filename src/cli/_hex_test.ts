import assert from "node:assert/strict";
import { parseHex } from "./_hex.ts";

Deno.test("parseHex() reads plain, spaced, colon-separated and 0x-prefixed hex", () => {
  const expected = [0x14, 0xc1, 0x00, 0x5f];
  for (const text of ["14c1005f", "14 c1 00 5f", "14:C1:00:5F", "0x14c1005f", "  0X14c1\n005f\t"]) {
    assert.deepEqual([...parseHex(text)], expected, text);
  }
});

Deno.test("parseHex() names the position of a character that is not a hex digit", () => {
  assert.throws(() => parseHex("14c1zz"), {
    name: "SyntaxError",
    message: 'Cannot parse hex: "z" at position 5 is not a hex digit',
  });
  assert.throws(() => parseHex("0x14 0xc1"), /"x" at position 7 is not a hex digit/);
});

Deno.test("parseHex() rejects a separator inside a byte and an odd number of digits", () => {
  assert.throws(
    () => parseHex("1 4c1"),
    /a separator at position 2 splits the byte that starts at position 1/,
  );
  assert.throws(() => parseHex("14c"), /the byte that starts at position 3 has one digit/);
});

Deno.test("parseHex() rejects input without bytes", () => {
  for (const text of ["", "  ", "0x", ":"]) {
    assert.throws(() => parseHex(text), /the input holds no bytes/, JSON.stringify(text));
  }
});
