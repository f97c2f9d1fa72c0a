/**
 * The payload envelopes of BLUETTI stations: `iot-v2` (the vendor cloud's 10-byte envelope) and
 * `v1` (one `0x01` byte). Registered by name when the plugin is defined.
 *
 * @module
 */
import { ProtocolError } from "../../errors/errors.ts";
import type { Framing } from "../../protocol/framing.ts";
import { hex, hexBytes, readU16 } from "./_bytes.ts";
import type { ModbusRequest } from "../../protocol/types.ts";

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

/**
 * The `v1` framing: one `0x01` byte before the RTU frame, device address 1.
 *
 * @example
 * ```ts
 * import { BLUETTI_V1_FRAMING } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...BLUETTI_V1_FRAMING.wrapReply(Uint8Array.of(1, 2))], [1, 1, 2]);
 * ```
 */
export const BLUETTI_V1_FRAMING: Framing = Object.freeze({
  name: "v1",
  deviceAddress: 1,
  wrap: v1Wrap,
  unwrap: v1Unwrap,
  unwrapRequest: v1Unwrap,
  wrapReply: v1Wrap,
});

// --- iot-v2: a 10-byte envelope, then the RTU frame with address 0 ---------------------------

const IOT_V2_ENVELOPE = 10;
/** Bytes 3-9 of reply envelopes as observed on a live AP300 (byte 7 varies: b9, b4). */
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
        `Cannot unwrap iot-v2 request: envelope bytes 5\u20139 must be 00, got ${
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

/**
 * The vendor cloud's `iot-v2` envelope: 10 bytes (`01 F8 0F`, the request's register, padding)
 * before the RTU frame, device address 0; live stations with protocol version >= 2000.
 *
 * @example
 * ```ts
 * import { BLUETTI_IOT_V2_FRAMING } from "@power-sdk/sdk/plugins";
 * import { getFraming } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getFraming("iot-v2"), BLUETTI_IOT_V2_FRAMING);
 * assert.equal(BLUETTI_IOT_V2_FRAMING.deviceAddress, 0);
 * ```
 */
export const BLUETTI_IOT_V2_FRAMING: Framing = Object.freeze({
  name: "iot-v2",
  deviceAddress: 0,
  wrap: iotV2Wrap,
  unwrap: iotV2Unwrap,
  unwrapRequest: iotV2UnwrapRequest,
  wrapReply: iotV2WrapReply,
});
