import { ProtocolError } from "../errors/mod.ts";
import { hex, hexBytes, readU16 } from "./_frame.ts";
import type { ModbusRequest } from "./types.ts";

/**
 * Name of a payload framing: `rtu` (bare RTU frame, address 1), `iot-v2` (10-byte envelope,
 * address 0; live stations with protocol version ≥ 2000) or `v1` (one `0x01` byte, address 1).
 *
 * @example Narrow a configured name
 * ```ts
 * import { FRAMING_NAMES, type FramingName } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const configured: string = "iot-v2";
 * const name = FRAMING_NAMES.find((n) => n === configured) satisfies FramingName | undefined;
 * assert.equal(name, "iot-v2");
 * ```
 */
export type FramingName = "rtu" | "iot-v2" | "v1";

/**
 * Every framing name, in documentation order.
 *
 * @example List the choices
 * ```ts
 * import { FRAMING_NAMES } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(FRAMING_NAMES, ["rtu", "iot-v2", "v1"]);
 * ```
 */
export const FRAMING_NAMES: readonly FramingName[] = Object.freeze(["rtu", "iot-v2", "v1"]);

/**
 * How Modbus RTU frames travel in an MQTT payload: an envelope step composed around
 * `buildRequest`/`parseReply`, with a client side (`wrap`, `unwrap`) and a station side
 * (`unwrapRequest`, `wrapReply`). Stateless; get one with {@linkcode getFraming}.
 *
 * Error offsets of `unwrap`/`unwrapRequest` count from the start of the payload, envelope
 * included.
 *
 * @example A read round trip over iot-v2
 * ```ts
 * import { buildReadReply, buildRequest, getFraming, parseReply, type ReadRequest } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const framing = getFraming("iot-v2");
 * const request: ReadRequest = {
 *   function: 0x03,
 *   address: framing.deviceAddress,
 *   start: 100,
 *   quantity: 1,
 * };
 * const payload = framing.wrap(buildRequest(request), request);
 * assert.deepEqual([...payload.subarray(0, 10)], [0x01, 0xf8, 0x0f, 0x00, 0x64, 0, 0, 0, 0, 0]);
 *
 * const answer = framing.wrapReply(buildReadReply(0, new Uint8Array([0x00, 0x5f])));
 * const reply = parseReply(framing.unwrap(answer), request);
 * assert.equal(reply.function === 0x03 && reply.data[1], 0x5f);
 * ```
 */
export interface Framing {
  /** The framing's name. */
  readonly name: FramingName;
  /** The Modbus device address stations expect in this framing: rtu 1, iot-v2 0, v1 1. */
  readonly deviceAddress: number;
  /**
   * Client side: puts a request's RTU frame into a payload. `rtu` returns `rtuFrame` itself;
   * the others return a new array. iot-v2 writes the request's start register (for 0x06 the
   * register written) into its envelope.
   *
   * @param rtuFrame The request frame from `buildRequest`.
   * @param request The request it encodes.
   * @returns The payload to publish.
   */
  wrap(rtuFrame: Uint8Array, request: ModbusRequest): Uint8Array;
  /**
   * Client side: takes the RTU frame out of a received payload (a reply or an unsolicited
   * frame). Returns a view into `payload`, no copy. iot-v2 checks the `01 F8 0F` prefix and
   * skips the other 7 envelope bytes without validating them.
   *
   * @param payload The received payload.
   * @returns The RTU frame inside it.
   * @throws {ProtocolError} `PROTOCOL_FRAMING` if the envelope is missing or malformed.
   */
  unwrap(payload: Uint8Array): Uint8Array;
  /**
   * Station side: takes the RTU frame out of a request payload, a view into `payload`.
   * iot-v2 is strict here: prefix `01 F8 0F`, five zero bytes, and the envelope's register
   * equal to the RTU frame's start register (when the frame has one).
   *
   * @param payload The request payload a client published.
   * @returns The RTU frame inside it.
   * @throws {ProtocolError} `PROTOCOL_FRAMING` if the envelope is missing or malformed.
   */
  unwrapRequest(payload: Uint8Array): Uint8Array;
  /**
   * Station side: puts a reply's (or an unsolicited push's) RTU frame into a payload. `rtu`
   * returns `rtuFrame` itself; iot-v2 uses the envelope `01 F8 0F 00 00 00 00 B9 00 00`, as
   * observed on live stations.
   *
   * @param rtuFrame The reply frame.
   * @returns The payload to publish.
   */
  wrapReply(rtuFrame: Uint8Array): Uint8Array;
}

/**
 * Returns the framing with the given name.
 *
 * An unknown name is a {@linkcode ProtocolError} (not a `TypeError`) because the name usually
 * comes from configuration: callers catch every library error by its stable code.
 *
 * @param name `"rtu"`, `"iot-v2"` or `"v1"`.
 * @returns The framing, a frozen stateless object.
 * @throws {ProtocolError} `PROTOCOL_FRAMING` if `name` is none of the three.
 *
 * @example Wrap the AC-on write for an iot-v2 station
 * ```ts
 * import { buildRequest, getFraming, type WriteSingleRequest } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const framing = getFraming("iot-v2");
 * const request: WriteSingleRequest = {
 *   function: 0x06,
 *   address: framing.deviceAddress,
 *   register: 2011,
 *   value: 1,
 * };
 * const payload = framing.wrap(buildRequest(request), request);
 * assert.equal(payload.toHex(), "01f80f07db0000000000000607db00013894");
 * ```
 *
 * @example An unknown name lists the choices
 * ```ts
 * import { getFraming } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => getFraming("v3"), {
 *   code: "PROTOCOL_FRAMING",
 *   message: 'Cannot use framing "v3": expected one of "rtu", "iot-v2", "v1"',
 * });
 * ```
 */
export function getFraming(name: string): Framing {
  switch (name) {
    case "rtu":
      return RTU;
    case "iot-v2":
      return IOT_V2;
    case "v1":
      return V1;
    default:
      throw new ProtocolError(
        "PROTOCOL_FRAMING",
        `Cannot use framing ${JSON.stringify(name)}: expected one of ${
          FRAMING_NAMES.map((n) => JSON.stringify(n)).join(", ")
        }`,
      );
  }
}

// --- rtu: the payload is the bare RTU frame --------------------------------------------------

function identity(frame: Uint8Array): Uint8Array {
  return frame;
}

const RTU: Framing = Object.freeze({
  name: "rtu",
  deviceAddress: 1,
  wrap: identity,
  unwrap: identity,
  unwrapRequest: identity,
  wrapReply: identity,
});

// --- v1: one 0x01 byte, then the RTU frame ---------------------------------------------------

function v1Wrap(rtuFrame: Uint8Array): Uint8Array {
  const payload = new Uint8Array(1 + rtuFrame.length);
  payload[0] = 0x01;
  payload.set(rtuFrame, 1);
  return payload;
}

function v1Unwrap(payload: Uint8Array): Uint8Array {
  if (payload.length === 0) {
    throw new ProtocolError("PROTOCOL_FRAMING", "Cannot unwrap v1 payload: payload is empty", {
      offset: 0,
    });
  }
  if (payload[0] !== 0x01) {
    throw new ProtocolError(
      "PROTOCOL_FRAMING",
      `Cannot unwrap v1 payload: first byte must be 01, got ${hex(payload[0]!, 2)}`,
      { offset: 0 },
    );
  }
  return payload.subarray(1);
}

const V1: Framing = Object.freeze({
  name: "v1",
  deviceAddress: 1,
  wrap: v1Wrap,
  unwrap: v1Unwrap,
  unwrapRequest: v1Unwrap,
  wrapReply: v1Wrap,
});

// --- iot-v2: a 10-byte envelope, then the RTU frame with address 0 ---------------------------

const IOT_V2_ENVELOPE = 10;
/** Bytes 3–9 of reply envelopes as observed on a live AP300 (byte 7 varies: b9, b4). */
const IOT_V2_REPLY_TAIL = [0x00, 0x00, 0x00, 0x00, 0xb9, 0x00, 0x00] as const;

function iotV2Wrap(rtuFrame: Uint8Array, request: ModbusRequest): Uint8Array {
  const register = request.function === 0x06 ? request.register : request.start;
  const payload = new Uint8Array(IOT_V2_ENVELOPE + rtuFrame.length);
  payload[0] = 0x01;
  payload[1] = 0xf8;
  payload[2] = 0x0f;
  payload[3] = register >>> 8;
  payload[4] = register;
  payload.set(rtuFrame, IOT_V2_ENVELOPE);
  return payload;
}

function iotV2WrapReply(rtuFrame: Uint8Array): Uint8Array {
  const payload = new Uint8Array(IOT_V2_ENVELOPE + rtuFrame.length);
  payload[0] = 0x01;
  payload[1] = 0xf8;
  payload[2] = 0x0f;
  payload.set(IOT_V2_REPLY_TAIL, 3);
  payload.set(rtuFrame, IOT_V2_ENVELOPE);
  return payload;
}

function iotV2Unwrap(payload: Uint8Array): Uint8Array {
  checkIotV2Envelope(payload, "payload");
  return payload.subarray(IOT_V2_ENVELOPE);
}

function iotV2UnwrapRequest(payload: Uint8Array): Uint8Array {
  checkIotV2Envelope(payload, "request");
  for (let i = 5; i < IOT_V2_ENVELOPE; i++) {
    if (payload[i] !== 0) {
      throw new ProtocolError(
        "PROTOCOL_FRAMING",
        `Cannot unwrap iot-v2 request: envelope bytes 5–9 must be 00, got ${
          hexBytes(payload, 5, 5)
        }`,
        { offset: i },
      );
    }
  }
  if (payload.length >= IOT_V2_ENVELOPE + 4) {
    const envelopeRegister = readU16(payload, 3);
    const rtuRegister = readU16(payload, IOT_V2_ENVELOPE + 2);
    if (envelopeRegister !== rtuRegister) {
      throw new ProtocolError(
        "PROTOCOL_FRAMING",
        `Cannot unwrap iot-v2 request: envelope register must equal the frame's ${rtuRegister}, got ${envelopeRegister}`,
        { offset: 3 },
      );
    }
  }
  return payload.subarray(IOT_V2_ENVELOPE);
}

function checkIotV2Envelope(payload: Uint8Array, what: string): void {
  if (payload[0] !== 0x01 || payload[1] !== 0xf8 || payload[2] !== 0x0f) {
    const offset = payload[0] !== 0x01 ? 0 : payload[1] !== 0xf8 ? 1 : 2;
    throw new ProtocolError(
      "PROTOCOL_FRAMING",
      `Cannot unwrap iot-v2 ${what}: payload must start with 01 f8 0f, got ${
        payload.length === 0 ? "an empty payload" : hexBytes(payload, 0, 3)
      }`,
      { offset: Math.min(offset, payload.length) },
    );
  }
  if (payload.length < IOT_V2_ENVELOPE) {
    throw new ProtocolError(
      "PROTOCOL_FRAMING",
      `Cannot unwrap iot-v2 ${what}: the envelope needs ${IOT_V2_ENVELOPE} bytes, got ${payload.length}`,
      { offset: payload.length },
    );
  }
}

const IOT_V2: Framing = Object.freeze({
  name: "iot-v2",
  deviceAddress: 0,
  wrap: iotV2Wrap,
  unwrap: iotV2Unwrap,
  unwrapRequest: iotV2UnwrapRequest,
  wrapReply: iotV2WrapReply,
});
