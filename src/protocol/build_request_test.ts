import assert from "node:assert/strict";
import { ProtocolError } from "../errors/errors.ts";
import { buildRequest } from "./build_request.ts";
import type { ModbusRequest } from "./types.ts";

function assertInvalid(request: ModbusRequest, message: string): void {
  assert.throws(() => buildRequest(request), (error: unknown) => {
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.code, "PROTOCOL_INVALID_REQUEST");
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("buildRequest() encodes a read request with CRC", () => {
  const frame = buildRequest({ function: 0x03, address: 1, start: 100, quantity: 5 });
  assert.equal(frame.toHex(), "010300640005c416");
});

Deno.test("buildRequest() encodes a write-single request with CRC", () => {
  const frame = buildRequest({ function: 0x06, address: 1, register: 3007, value: 1 });
  assert.equal(frame.toHex(), "01060bbf00017bca");
});

Deno.test("buildRequest() encodes the AC-on write with address 0 as captured", () => {
  const frame = buildRequest({ function: 0x06, address: 0, register: 2011, value: 1 });
  assert.equal(frame.toHex(), "000607db00013894");
});

Deno.test("buildRequest() encodes a write-multiple request with byte count and values", () => {
  const frame = buildRequest({ function: 0x10, address: 1, start: 2014, values: [1, 0x1234] });
  assert.equal(frame.length, 13);
  assert.equal(frame.subarray(0, 11).toHex(), "011007de00020400011234");
});

Deno.test("buildRequest() accepts the limits of every field", () => {
  assert.equal(
    buildRequest({ function: 0x03, address: 247, start: 65535 - 124, quantity: 125 }).length,
    8,
  );
  assert.equal(buildRequest({ function: 0x03, address: 0, start: 65535, quantity: 1 }).length, 8);
  assert.equal(
    buildRequest({ function: 0x06, address: 0, register: 65535, value: 65535 }).length,
    8,
  );
  const values = new Array<number>(123).fill(65535);
  assert.equal(buildRequest({ function: 0x10, address: 1, start: 0, values }).length, 255);
});

Deno.test("buildRequest() refuses a read quantity above 125 with the current value", () => {
  assertInvalid(
    { function: 0x03, address: 1, start: 100, quantity: 126 },
    "Cannot build read request: quantity must be 1..125, got 126",
  );
  assertInvalid(
    { function: 0x03, address: 1, start: 100, quantity: 0 },
    "Cannot build read request: quantity must be 1..125, got 0",
  );
});

Deno.test("buildRequest() refuses addresses outside 0..247", () => {
  assertInvalid(
    { function: 0x03, address: 248, start: 100, quantity: 1 },
    "Cannot build read request: address must be 0..247, got 248",
  );
  assertInvalid(
    { function: 0x06, address: -1, register: 1, value: 1 },
    "Cannot build write-single request: address must be 0..247, got -1",
  );
  assertInvalid(
    { function: 0x10, address: 1.5, start: 1, values: [1] },
    "Cannot build write-multiple request: address must be 0..247, got 1.5",
  );
});

Deno.test("buildRequest() refuses registers and values outside 0..65535", () => {
  assertInvalid(
    { function: 0x03, address: 1, start: 65536, quantity: 1 },
    "Cannot build read request: start must be an integer 0..65535, got 65536",
  );
  assertInvalid(
    { function: 0x06, address: 1, register: 70000, value: 1 },
    "Cannot build write-single request: register must be an integer 0..65535, got 70000",
  );
  assertInvalid(
    { function: 0x06, address: 1, register: 1, value: -1 },
    "Cannot build write-single request: value must be an integer 0..65535, got -1",
  );
  assertInvalid(
    { function: 0x06, address: 1, register: 1, value: Number.NaN },
    "Cannot build write-single request: value must be an integer 0..65535, got NaN",
  );
  assertInvalid(
    { function: 0x10, address: 1, start: 10, values: [1, 2.5] },
    "Cannot build write-multiple request: values[1] must be an integer 0..65535, got 2.5",
  );
});

Deno.test("buildRequest() refuses register ranges that run past 65535", () => {
  assertInvalid(
    { function: 0x03, address: 1, start: 65500, quantity: 100 },
    "Cannot build read request: registers must end at 65535, got 65500..65599",
  );
  assertInvalid(
    { function: 0x10, address: 1, start: 65535, values: [1, 2] },
    "Cannot build write-multiple request: registers must end at 65535, got 65535..65536",
  );
});

Deno.test("buildRequest() refuses a write-multiple of 0 or more than 123 values", () => {
  assertInvalid(
    { function: 0x10, address: 1, start: 10, values: [] },
    "Cannot build write-multiple request: values.length must be 1..123, got 0",
  );
  assertInvalid(
    { function: 0x10, address: 1, start: 10, values: new Array<number>(124).fill(0) },
    "Cannot build write-multiple request: values.length must be 1..123, got 124",
  );
});

Deno.test("buildRequest() refuses an unsupported function", () => {
  const request = { function: 0x04, address: 1, start: 1, quantity: 1 } as unknown as ModbusRequest;
  assertInvalid(request, "Cannot build request: function must be 0x03, 0x06 or 0x10, got 0x04");
  const named = { function: "read" } as unknown as ModbusRequest;
  assertInvalid(named, 'Cannot build request: function must be 0x03, 0x06 or 0x10, got "read"');
});
