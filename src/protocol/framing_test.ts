import assert from "node:assert/strict";
import type { ModbusRequest } from "./types.ts";
import { type Framing, framingNames, getFraming, registerFraming, RTU_FRAMING } from "./framing.ts";

const frame = Uint8Array.fromHex("010300640005c416");

Deno.test("getFraming('rtu') passes frames through unchanged in both directions", () => {
  const rtu = getFraming("rtu");
  const request: ModbusRequest = { function: 0x03, address: 1, start: 100, quantity: 5 };
  assert.equal(rtu, RTU_FRAMING);
  assert.ok(Object.isFrozen(rtu));
  assert.equal(rtu.wrap(frame, request), frame);
  assert.equal(rtu.unwrap(frame), frame);
  assert.equal(rtu.unwrapRequest(frame), frame);
  assert.equal(rtu.wrapReply(frame), frame);
});

Deno.test("registerFraming() makes a framing known by name, once", () => {
  const prefix = (payload: Uint8Array) => Uint8Array.of(0x7e, ...payload);
  const strip = (payload: Uint8Array) => payload.subarray(1);
  const tilde: Framing = Object.freeze({
    name: "test-tilde",
    deviceAddress: 3,
    wrap: prefix,
    unwrap: strip,
    unwrapRequest: strip,
    wrapReply: prefix,
  });
  assert.throws(() => getFraming("test-tilde"), { code: "PROTOCOL_FRAMING" });
  registerFraming(tilde);
  registerFraming(tilde);
  assert.equal(getFraming("test-tilde"), tilde);
  assert.ok(framingNames().includes("test-tilde"));
  assert.throws(() => registerFraming({ ...tilde }), /already registered/);
});

Deno.test("getFraming() refuses an unknown name and lists the registered ones", () => {
  assert.throws(() => getFraming("IOT-V3"), {
    name: "ProtocolError",
    code: "PROTOCOL_FRAMING",
    message: /^Cannot use framing "IOT-V3": expected one of "rtu"/,
  });
});
