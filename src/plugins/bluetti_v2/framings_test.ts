import assert from "node:assert/strict";
import { ProtocolError, type ProtocolErrorCode } from "../../errors/mod.ts";
import {
  buildRequest,
  framingNames,
  getFraming,
  type ModbusReply,
  type ModbusRequest,
  parseReply,
  replyMatches,
} from "../../protocol/mod.ts";
import {
  buildExceptionReply,
  buildReadReply,
  buildWriteMultipleReply,
  buildWriteSingleReply,
} from "../../protocol/build_reply.ts";
import { parseRequest } from "../../protocol/parse_request.ts";
import { bytes, concat, ramp, withCrc } from "../../protocol/_test_utils.ts";
import { BLUETTI_V2 } from "./plugin.ts";

const FRAMING_NAMES = ["rtu", ...BLUETTI_V2.framings.map((f) => f.name)];

function assertFramingError(fn: () => unknown, offset: number, message?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.code, "PROTOCOL_FRAMING" satisfies ProtocolErrorCode, error.message);
    assert.equal(error.offset, offset);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

Deno.test("the plugin registers its envelopes by name, after the built-in rtu", () => {
  assert.deepEqual(framingNames().slice(0, 3), ["rtu", "iot-v2", "v1"]);
});

Deno.test("getFraming() returns each named framing with its device address", () => {
  assert.deepEqual(
    FRAMING_NAMES.map((name) => [getFraming(name).name, getFraming(name).deviceAddress]),
    [["rtu", 1], ["iot-v2", 0], ["v1", 1]],
  );
  for (const name of FRAMING_NAMES) {
    assert.equal(getFraming(name), getFraming(name));
    assert.ok(Object.isFrozen(getFraming(name)));
  }
});

Deno.test("getFraming() refuses an unknown name and lists the three", () => {
  assert.throws(() => getFraming("IOT-V2"), {
    name: "ProtocolError",
    code: "PROTOCOL_FRAMING",
    message: /^Cannot use framing "IOT-V2": expected one of "rtu", "iot-v2", "v1"/,
  });
});

Deno.test("getFraming('rtu') passes frames through unchanged in both directions", () => {
  const rtu = getFraming("rtu");
  const frame = bytes("01 03 00 64 00 05 c4 16");
  const request: ModbusRequest = { function: 0x03, address: 1, start: 100, quantity: 5 };
  assert.equal(rtu.wrap(frame, request), frame);
  assert.equal(rtu.unwrap(frame), frame);
  assert.equal(rtu.unwrapRequest(frame), frame);
  assert.equal(rtu.wrapReply(frame), frame);
});

Deno.test("getFraming('iot-v2') wraps the AC-on write exactly as captured", () => {
  const framing = getFraming("iot-v2");
  const request: ModbusRequest = { function: 0x06, address: 0, register: 2011, value: 1 };
  const payload = framing.wrap(buildRequest(request), request);
  assert.equal(payload.toHex(), "01f80f07db0000000000000607db00013894");
});

Deno.test("getFraming('iot-v2') puts the start register of reads and multiple writes in the envelope", () => {
  const framing = getFraming("iot-v2");
  const read: ModbusRequest = { function: 0x03, address: 0, start: 6100, quantity: 104 };
  assert.equal(
    framing.wrap(buildRequest(read), read).subarray(0, 10).toHex(),
    "01f80f17d40000000000",
  );
  const write: ModbusRequest = { function: 0x10, address: 0, start: 2014, values: [1] };
  assert.equal(
    framing.wrap(buildRequest(write), write).subarray(0, 10).toHex(),
    "01f80f07de0000000000",
  );
});

Deno.test("getFraming('iot-v2') unwraps replies without validating envelope bytes 3-9", () => {
  const framing = getFraming("iot-v2");
  const rtu = buildReadReply(0, ramp(4));
  for (const tail of ["00000000b90000", "00000000b40000", "ffffffffffffff"]) {
    const payload = concat(bytes(`01f80f${tail}`), rtu);
    const unwrapped = framing.unwrap(payload);
    assert.deepEqual(unwrapped, rtu);
    assert.equal(unwrapped.buffer, payload.buffer, "a view, not a copy");
  }
});

Deno.test("getFraming('iot-v2') wraps replies in an envelope whose bytes 3-9 are not all zero", () => {
  const framing = getFraming("iot-v2");
  const rtu = buildWriteSingleReply(0, 2011, 1);
  const payload = framing.wrapReply(rtu);
  assert.equal(payload.toHex(), "01f80f00000000b90000" + rtu.toHex());
  assert.deepEqual(framing.unwrap(payload), rtu);
});

Deno.test("getFraming('iot-v2') unwraps requests on the station side", () => {
  const framing = getFraming("iot-v2");
  const payload = bytes("01f80f07db0000000000000607db00013894");
  assert.deepEqual(parseRequest(framing.unwrapRequest(payload)), {
    function: 0x06,
    address: 0,
    register: 2011,
    value: 1,
  });
});

Deno.test("getFraming('iot-v2') refuses a payload without the 01 f8 0f prefix", () => {
  const framing = getFraming("iot-v2");
  const rtu = buildReadReply(0, ramp(4));
  assertFramingError(
    () => framing.unwrap(rtu),
    0,
    "Cannot unwrap iot-v2 payload: payload must start with 01 f8 0f, got 00 03 04",
  );
  assertFramingError(() => framing.unwrap(concat(bytes("01 f9 0f 00 00 00 00 b9 00 00"), rtu)), 1);
  assertFramingError(() => framing.unwrap(concat(bytes("01 f8 0e 00 00 00 00 b9 00 00"), rtu)), 2);
  assertFramingError(
    () => framing.unwrap(bytes("")),
    0,
    "Cannot unwrap iot-v2 payload: payload must start with 01 f8 0f, got an empty payload",
  );
  assertFramingError(() => framing.unwrap(bytes("01 f8")), 2);
  assertFramingError(() => framing.unwrapRequest(bytes("01 03 00 64 00 05 c4 16")), 1);
});

Deno.test("getFraming('iot-v2') refuses a payload shorter than its envelope", () => {
  assertFramingError(
    () => getFraming("iot-v2").unwrap(bytes("01 f8 0f 00 00 00")),
    6,
    "Cannot unwrap iot-v2 payload: the envelope needs 10 bytes, got 6",
  );
});

Deno.test("getFraming('iot-v2') refuses request envelopes with non-zero padding or another register", () => {
  const framing = getFraming("iot-v2");
  const rtu = bytes("000607db00013894");
  assertFramingError(
    () => framing.unwrapRequest(concat(bytes("01f80f07db00000000b9"), rtu)),
    9,
    "Cannot unwrap iot-v2 request: envelope bytes 5–9 must be 00, got 00 00 00 00 b9",
  );
  assertFramingError(
    () => framing.unwrapRequest(concat(bytes("01f80f07dc0000000000"), rtu)),
    3,
    "Cannot unwrap iot-v2 request: envelope register must equal the frame's 2011, got 2012",
  );
});

Deno.test("getFraming('v1') prefixes one 0x01 byte in both directions", () => {
  const framing = getFraming("v1");
  const request: ModbusRequest = { function: 0x03, address: 1, start: 100, quantity: 5 };
  const payload = framing.wrap(buildRequest(request), request);
  assert.equal(payload.toHex(), "01010300640005c416");
  assert.deepEqual(parseRequest(framing.unwrapRequest(payload)), request);
  const reply = framing.wrapReply(buildReadReply(1, ramp(2)));
  assert.equal(reply.toHex(), "01" + buildReadReply(1, ramp(2)).toHex());
  const unwrapped = framing.unwrap(reply);
  assert.equal(unwrapped.byteOffset, 1, "a view, not a copy");
  assert.deepEqual(unwrapped, buildReadReply(1, ramp(2)));
});

Deno.test("getFraming('v1') refuses a payload without the 0x01 prefix", () => {
  const framing = getFraming("v1");
  assertFramingError(
    () => framing.unwrap(bytes("02 03 02 00 01")),
    0,
    "Cannot unwrap v1 payload: first byte must be 01, got 02",
  );
  assertFramingError(
    () => framing.unwrapRequest(bytes("")),
    0,
    "Cannot unwrap v1 payload: payload is empty",
  );
});

/** A minimal station: unwrap, parse the request, answer, wrap. */
function station(name: string, payload: Uint8Array, registers: Uint8Array): Uint8Array {
  const framing = getFraming(name);
  const request = parseRequest(framing.unwrapRequest(payload));
  switch (request.function) {
    case 0x03:
      if (request.start !== 100) {
        return framing.wrapReply(buildExceptionReply(request.address, 0x03, 2));
      }
      return framing.wrapReply(
        buildReadReply(request.address, registers.subarray(0, 2 * request.quantity)),
      );
    case 0x06:
      return framing.wrapReply(
        buildWriteSingleReply(request.address, request.register, request.value),
      );
    case 0x10:
      return framing.wrapReply(
        buildWriteMultipleReply(request.address, request.start, request.values.length),
      );
  }
}

Deno.test("getFraming() frames complete a request/reply round trip for every framing", () => {
  const registers = ramp(124);
  for (const name of FRAMING_NAMES) {
    const framing = getFraming(name);
    const address = framing.deviceAddress;
    const requests: ModbusRequest[] = [
      { function: 0x03, address, start: 100, quantity: 62 },
      { function: 0x06, address, register: 2011, value: 1 },
      { function: 0x10, address, start: 2014, values: [1, 2, 3] },
    ];
    const expected: ModbusReply[] = [
      { function: 0x03, address, data: registers, registerCount: 62 },
      { function: 0x06, address, register: 2011, value: 1 },
      { function: 0x10, address, start: 2014, quantity: 3 },
    ];
    requests.forEach((request, i) => {
      const answer = station(name, framing.wrap(buildRequest(request), request), registers);
      const rtu = framing.unwrap(answer);
      assert.ok(replyMatches(request, rtu), `${name} ${request.function}`);
      assert.deepEqual(parseReply(rtu, request), expected[i]);
    });
    const refused: ModbusRequest = { function: 0x03, address, start: 9999, quantity: 1 };
    const rtu = framing.unwrap(
      station(name, framing.wrap(buildRequest(refused), refused), registers),
    );
    assert.ok(replyMatches(refused, rtu));
    assert.throws(() => parseReply(rtu, refused), {
      name: "ModbusExceptionError",
      exceptionCode: 2,
    });
  }
});

Deno.test("getFraming() leaves CRC checking to parseReply: the CRC covers only the RTU part", () => {
  const framing = getFraming("iot-v2");
  const request: ModbusRequest = { function: 0x03, address: 0, start: 100, quantity: 1 };
  const payload = concat(bytes("01f80f00000000b40000"), withCrc("00 03 02 00 5f"));
  assert.deepEqual(parseReply(framing.unwrap(payload), request), {
    function: 0x03,
    address: 0,
    data: bytes("00 5f"),
    registerCount: 1,
  });
});
