import { ProtocolError } from "../errors/errors.ts";
import type { ModbusRequest } from "./types.ts";

/**
 * Name of a payload framing: `rtu` (the bare RTU frame, address 1) is built in; plugins
 * register their envelopes under their own names ({@linkcode registerFraming}).
 *
 * @example
 * ```ts
 * import type { FramingName } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const name: FramingName = "rtu";
 * assert.equal(name, "rtu");
 * ```
 */
export type FramingName = string;

/**
 * How Modbus RTU frames travel in an MQTT payload: an envelope step composed around
 * `buildRequest`/`parseReply`, with a client side (`wrap`, `unwrap`) and a station side
 * (`unwrapRequest`, `wrapReply`). Stateless; get one with {@linkcode getFraming}. A plugin
 * brings its vendor's envelopes as Framing values and registers them by name.
 *
 * Error offsets of `unwrap`/`unwrapRequest` count from the start of the payload, envelope
 * included.
 *
 * @example A read round trip over iot-v2
 * ```ts
 * import "@power-sdk/sdk/plugins"; // the built-in plugins register iot-v2 and v1
 * import { buildRequest, getFraming, parseReply, type ReadRequest } from "@power-sdk/sdk/protocol";
 * import { buildReadReply } from "@power-sdk/sdk/testing";
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

const FRAMINGS = new Map<string, Framing>();

/**
 * Makes a framing available by its name to {@linkcode getFraming} (and so to runtime.yaml's
 * `framing` and the CLI's `--framing`). Plugins register their envelopes when they are
 * defined; registering the same value twice is a no-op.
 *
 * @param framing The framing (frozen, stateless).
 * @throws {TypeError} when another framing already has that name.
 *
 * @example A framing of one's own: a 0xAA byte before the frame
 * ```ts
 * import { type Framing, getFraming, registerFraming } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const wrap = (frame: Uint8Array) => Uint8Array.of(0xaa, ...frame);
 * const AA: Framing = Object.freeze({
 *   name: "doc-aa",
 *   deviceAddress: 1,
 *   wrap,
 *   unwrap: (payload: Uint8Array) => payload.subarray(1),
 *   unwrapRequest: (payload: Uint8Array) => payload.subarray(1),
 *   wrapReply: wrap,
 * });
 * registerFraming(AA);
 * assert.equal(getFraming("doc-aa"), AA);
 * ```
 */
export function registerFraming(framing: Framing): void {
  const known = FRAMINGS.get(framing.name);
  if (known === framing) return;
  if (known !== undefined) {
    throw new TypeError(`Cannot register framing "${framing.name}": already registered`);
  }
  FRAMINGS.set(framing.name, framing);
}

/**
 * The names of every registered framing: `rtu` first, then in registration order.
 *
 * @returns The names.
 *
 * @example
 * ```ts
 * import { framingNames } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(framingNames()[0], "rtu");
 * ```
 */
export function framingNames(): string[] {
  return [...FRAMINGS.keys()];
}

/**
 * Returns the framing with the given name.
 *
 * An unknown name is a {@linkcode ProtocolError} (not a `TypeError`) because the name usually
 * comes from configuration: callers catch every library error by its stable code.
 *
 * @param name `"rtu"`, or a name a plugin registered (`"iot-v2"`).
 * @returns The framing, a frozen stateless object.
 * @throws {ProtocolError} `PROTOCOL_FRAMING` if no framing has that name.
 *
 * @example Wrap the AC-on write for an iot-v2 station
 * ```ts
 * import "@power-sdk/sdk/plugins"; // the built-in plugins register iot-v2 and v1
 * import { buildRequest, getFraming, type WriteSingleRequest } from "@power-sdk/sdk/protocol";
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
 * import "@power-sdk/sdk/plugins"; // the built-in plugins register iot-v2 and v1
 * import { getFraming } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => getFraming("v3"), {
 *   code: "PROTOCOL_FRAMING",
 *   message: /^Cannot use framing "v3": expected one of "rtu", "iot-v2", "v1"/,
 * });
 * ```
 */
export function getFraming(name: string): Framing {
  const framing = FRAMINGS.get(name);
  if (framing !== undefined) return framing;
  throw new ProtocolError(
    "PROTOCOL_FRAMING",
    `Cannot use framing ${JSON.stringify(name)}: expected one of ${
      framingNames().map((n) => JSON.stringify(n)).join(", ")
    }`,
  );
}

// --- rtu: the payload is the bare RTU frame --------------------------------------------------

function identity(frame: Uint8Array): Uint8Array {
  return frame;
}

/**
 * The bare RTU framing: the payload is the RTU frame itself, device address 1.
 *
 * @example
 * ```ts
 * import { getFraming, RTU_FRAMING } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getFraming("rtu"), RTU_FRAMING);
 * ```
 */
export const RTU_FRAMING: Framing = Object.freeze({
  name: "rtu",
  deviceAddress: 1,
  wrap: identity,
  unwrap: identity,
  unwrapRequest: identity,
  wrapReply: identity,
});
FRAMINGS.set(RTU_FRAMING.name, RTU_FRAMING);
