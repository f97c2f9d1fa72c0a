// A generic Modbus register responder, the station side of a request: unwraps the framing,
// checks the address, parses the request (0x03, 0x06, 0x10), answers from a register bank or
// with an exception, and applies the faults. Pure, no I/O, no vendor: the registers come from
// a `RegisterBank` (the simulated station), the extra frames of some faults from its hooks.
import { ProtocolError } from "../errors/errors.ts";
import { crc16Modbus, type Framing, type ModbusRequest } from "../protocol/mod.ts";
import {
  buildExceptionReply,
  buildReadReply,
  buildWriteMultipleReply,
  buildWriteSingleReply,
} from "../protocol/build_reply.ts";
import { parseRequest } from "../protocol/parse_request.ts";
import type { FaultDecision, FaultKind, FaultSet } from "./faults.ts";

/**
 * What a {@linkcode StationModel} does with one request payload.
 *
 * @example Inspect why a request got no reply
 * ```ts
 * import { StationModel } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21" });
 * const response = model.respond(new Uint8Array([0x01, 0x03, 0x00, 0x64, 0x00, 0x05, 0x00, 0x00]));
 * assert.equal(response.outcome, "ignored");
 * assert.match(response.reason ?? "", /CRC/);
 * assert.deepEqual(response.payloads, []);
 * ```
 */
export interface StationResponse {
  /** The payloads to publish, in order: unsolicited frames first, then the reply. */
  readonly payloads: readonly Uint8Array[];
  /** The reply payload (possibly damaged by a fault), or null. */
  readonly reply: Uint8Array | null;
  /**
   * Payloads the faults add before the reply: `unsolicited` frames, `foreign` replies of other
   * blocks, `short` frames, and the previous reply again for `duplicate`.
   */
  readonly unsolicited: readonly Uint8Array[];
  /** The request, when the frame could be parsed. */
  readonly request: ModbusRequest | null;
  /**
   * `reply`: answered normally; `exception`: answered with a Modbus exception; `ignored`: no
   * reply because the payload was invalid (framing, CRC, address, length), as a real station;
   * `silent` / `disconnect`: no reply because of a fault.
   */
  readonly outcome: "reply" | "exception" | "ignored" | "silent" | "disconnect";
  /** Why the request was ignored or refused; null for a normal reply. */
  readonly reason: string | null;
  /** Milliseconds to wait before publishing the reply (`late` fault); 0 for none. */
  readonly delayMs: number;
  /** For a `disconnect` fault: milliseconds before reconnecting; otherwise null. */
  readonly downtimeMs: number | null;
  /** The fault kinds that hit this request, in order. */
  readonly faults: readonly FaultKind[];
}

/**
 * Counters of a {@linkcode StationModel}.
 *
 * @example
 * ```ts
 * import { StationModel } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21" });
 * assert.deepEqual(model.stats, { requests: 0, replies: 0, exceptions: 0, ignored: 0, faults: 0 });
 * ```
 */
export interface StationModelStats {
  /** Payloads handed to `respond`/`handle`. */
  readonly requests: number;
  /** Replies produced (exception replies included, unsolicited frames not). */
  readonly replies: number;
  /** Exception replies produced. */
  readonly exceptions: number;
  /** Payloads ignored as invalid. */
  readonly ignored: number;
  /** Requests hit by at least one fault. */
  readonly faults: number;
}

/** A refused access: the exception code and why. */
export interface BankRefusal {
  /** Modbus exception code (2 illegal data address, 3 illegal data value). */
  readonly code: number;
  /** Why, for the response's `reason`. */
  readonly reason: string;
}

/** The registers a {@linkcode ModbusResponder} serves. */
export interface RegisterBank {
  /**
   * The data bytes of a read (`2 x quantity` or fewer, clipped to a block), or the refusal.
   *
   * @param start First register.
   * @param quantity Registers asked for, 1..125.
   */
  read(start: number, quantity: number): Uint8Array | BankRefusal;
  /**
   * Checks and applies a write of consecutive registers.
   *
   * @param start First register.
   * @param values The words.
   * @returns Null when written, else the refusal (nothing written).
   */
  write(start: number, values: readonly number[]): BankRefusal | null;
}

/** Frames some faults add; each already in the station's framing. */
export interface ResponderHooks {
  /** An unsolicited frame (`unsolicited` fault). */
  unsolicited(): Uint8Array;
  /** The reply to a read of another block than `request`'s, or null (`foreign` fault). */
  foreign(request: ModbusRequest): Uint8Array | null;
  /** A short unsolicited frame (`short` fault). */
  short(): Uint8Array;
}

/**
 * The station side of Modbus over a framing: one request payload in, the payloads to publish
 * out, with faults applied. A payload with a bad envelope, a bad CRC, a wrong address or a
 * wrong length gets no reply at all, as on a real station; a frame that parses but asks for
 * something unsupported gets an exception (1 function, 2 address, 3 value or quantity).
 */
export class ModbusResponder {
  /** The framing it speaks. */
  readonly framing: Framing;
  #bank: RegisterBank;
  #faults: FaultSet;
  #hooks: ResponderHooks;
  #lastReply: Uint8Array | null = null;
  #stats = { requests: 0, replies: 0, exceptions: 0, ignored: 0, faults: 0 };

  /**
   * @param framing The framing.
   * @param bank The registers.
   * @param faults The active faults.
   * @param hooks The frames of the `unsolicited`, `foreign` and `short` faults.
   */
  constructor(framing: Framing, bank: RegisterBank, faults: FaultSet, hooks: ResponderHooks) {
    this.framing = framing;
    this.#bank = bank;
    this.#faults = faults;
    this.#hooks = hooks;
  }

  /** The counters so far (a copy). */
  get stats(): StationModelStats {
    return { ...this.#stats };
  }

  /**
   * Handles one request payload.
   *
   * @param payload The request payload, in the framing.
   * @returns What happened and what to publish.
   * @throws {TypeError} when the payload is not a Uint8Array.
   */
  respond(payload: Uint8Array): StationResponse {
    if (!(payload instanceof Uint8Array)) {
      throw new TypeError(`Cannot handle request: payload must be a Uint8Array`);
    }
    this.#stats.requests++;
    const address = this.framing.deviceAddress;
    let frame: Uint8Array;
    try {
      frame = this.framing.unwrapRequest(payload);
    } catch (error) {
      return this.#ignored(reasonOf(error));
    }
    if (frame.length >= 1 && frame[0] !== address) {
      return this.#ignored(`address ${frame[0]} is not the station's ${address}`);
    }
    let request: ModbusRequest;
    try {
      request = parseRequest(frame);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      switch (error.code) {
        case "PROTOCOL_FUNCTION_MISMATCH":
          return this.#refuse(frame[1]!, 1, reasonOf(error));
        case "PROTOCOL_BYTE_COUNT":
          return this.#refuse(frame[1]!, 3, reasonOf(error));
        case "PROTOCOL_INVALID_REQUEST": {
          const quantity = (frame[4]! << 8) | frame[5]!;
          const badQuantity = frame[1] === 0x03
            ? quantity < 1 || quantity > 125
            : quantity < 1 || quantity > 123;
          return this.#refuse(frame[1]!, badQuantity ? 3 : 2, reasonOf(error));
        }
        default:
          return this.#ignored(reasonOf(error));
      }
    }

    const decision = this.#faults.decide();
    if (decision.hits.length > 0) this.#stats.faults++;
    if (decision.terminal === "disconnect") {
      return this.#result(request, null, [], "disconnect", "disconnect fault", 0, decision);
    }
    if (decision.terminal === "exception") {
      this.#stats.exceptions++;
      const reply = buildExceptionReply(address, request.function, decision.exceptionCode);
      return this.#finish(request, reply, "exception", "exception fault", decision);
    }

    const outcome = this.#execute(request);
    if (decision.terminal === "silent") {
      return this.#result(request, null, [], "silent", "silent fault", 0, decision);
    }
    if (outcome.exception !== null) this.#stats.exceptions++;
    return this.#finish(
      request,
      outcome.frame,
      outcome.exception === null ? "reply" : "exception",
      outcome.reason,
      decision,
    );
  }

  #execute(request: ModbusRequest): {
    frame: Uint8Array;
    exception: number | null;
    reason: string | null;
  } {
    const address = this.framing.deviceAddress;
    const refuse = ({ code, reason }: BankRefusal) => ({
      frame: buildExceptionReply(address, request.function, code),
      exception: code,
      reason,
    });
    switch (request.function) {
      case 0x03: {
        const data = this.#bank.read(request.start, request.quantity);
        if (!(data instanceof Uint8Array)) return refuse(data);
        return { frame: buildReadReply(address, data), exception: null, reason: null };
      }
      case 0x06: {
        const refusal = this.#bank.write(request.register, [request.value]);
        if (refusal !== null) return refuse(refusal);
        return {
          frame: buildWriteSingleReply(address, request.register, request.value),
          exception: null,
          reason: null,
        };
      }
      case 0x10: {
        const refusal = this.#bank.write(request.start, request.values);
        if (refusal !== null) return refuse(refusal);
        return {
          frame: buildWriteMultipleReply(address, request.start, request.values.length),
          exception: null,
          reason: null,
        };
      }
    }
  }

  #ignored(reason: string): StationResponse {
    this.#stats.ignored++;
    return {
      payloads: [],
      reply: null,
      unsolicited: [],
      request: null,
      outcome: "ignored",
      reason,
      delayMs: 0,
      downtimeMs: null,
      faults: [],
    };
  }

  /** An exception reply to a frame that did not parse (no faults drawn). */
  #refuse(functionCode: number, code: number, reason: string): StationResponse {
    this.#stats.exceptions++;
    this.#stats.replies++;
    const reply = this.framing.wrapReply(
      buildExceptionReply(this.framing.deviceAddress, functionCode & 0x7f || 1, code),
    );
    return {
      payloads: [reply],
      reply,
      unsolicited: [],
      request: null,
      outcome: "exception",
      reason,
      delayMs: 0,
      downtimeMs: null,
      faults: [],
    };
  }

  #finish(
    request: ModbusRequest,
    frame: Uint8Array,
    outcome: "reply" | "exception",
    reason: string | null,
    decision: FaultDecision,
  ): StationResponse {
    let rtu = frame;
    if (decision.truncated) rtu = rtu.slice(0, Math.max(3, rtu.length >>> 1));
    if (decision.crc) {
      rtu = rtu.slice();
      rtu[rtu.length - 1]! ^= 0xff;
    }
    this.#stats.replies++;
    const extras: Uint8Array[] = [];
    for (let i = 0; i < decision.unsolicited; i++) extras.push(this.#hooks.unsolicited());
    for (let i = 0; i < decision.foreign; i++) {
      const other = this.#hooks.foreign(request);
      if (other !== null) extras.push(other);
    }
    for (let i = 0; i < decision.short; i++) extras.push(this.#hooks.short());
    if (decision.duplicate && this.#lastReply !== null) extras.push(this.#lastReply);
    const reply = this.framing.wrapReply(rtu);
    this.#lastReply = reply;
    return this.#result(request, reply, extras, outcome, reason, decision.delayMs, decision);
  }

  #result(
    request: ModbusRequest,
    reply: Uint8Array | null,
    unsolicited: Uint8Array[],
    outcome: StationResponse["outcome"],
    reason: string | null,
    delayMs: number,
    decision: FaultDecision,
  ): StationResponse {
    return {
      payloads: reply === null ? unsolicited : [...unsolicited, reply],
      reply,
      unsolicited,
      request,
      outcome,
      reason,
      delayMs,
      downtimeMs: outcome === "disconnect" ? decision.downtimeMs : null,
      faults: decision.hits,
    };
  }
}

/**
 * An RTU push frame, as stations send unsolicited: `addr 0x10 start qty byte_count data crc`.
 *
 * @param address The device address.
 * @param start The first register.
 * @param data The register bytes (even length, at most 246).
 * @returns The frame.
 */
export function buildPushFrame(address: number, start: number, data: Uint8Array): Uint8Array {
  const registers = data.length >>> 1;
  const frame = new Uint8Array(9 + data.length);
  frame[0] = address;
  frame[1] = 0x10;
  frame[2] = start >>> 8;
  frame[3] = start & 0xff;
  frame[4] = registers >>> 8;
  frame[5] = registers & 0xff;
  frame[6] = data.length;
  frame.set(data, 7);
  const crc = crc16Modbus(frame, 0, frame.length - 2);
  frame[frame.length - 2] = crc & 0xff;
  frame[frame.length - 1] = crc >>> 8;
  return frame;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
