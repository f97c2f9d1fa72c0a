import { ModbusExceptionError, ProtocolError, WriteError } from "../errors/errors.ts";
import { ParserError, PowerSdkError, SchemaDefinitionError } from "../errors/errors.ts";
import { checkWrite, type ResolvedWrite, type WriteRequest } from "../device/write_gates.ts";
import { buildMbapRequest, mbapReplyMatches, parseMbapReply } from "../protocol/mbap.ts";
import type { ModbusRequest, ReadRequest, WriteSingleRequest } from "../protocol/types.ts";
import { planReads, type ReadStep } from "../parser/read_plan.ts";
import type { RegisterMap, RegisterValue } from "../parser/register_map.ts";
import type { Transport } from "../transport/types.ts";
import { registerMapWriteContext } from "./_register_map_writes.ts";
import { abortableDelay } from "./retry_policy.ts";

/** Options of {@linkcode ModbusRegisterClient}. */
export interface ModbusRegisterClientOptions {
  /** The connection (a `TcpStreamTransport` with `MBAP_STREAM_FRAMING`). */
  readonly transport: Transport;
  /** The device's register map. */
  readonly map: RegisterMap;
  /** Unit id. @default {the map's unit_id, else 1} */
  readonly unitId?: number;
  /**
   * Required to use a unit id other than the map's: on an AC500 a request to another unit id
   * froze the Modbus TCP server until a power cycle. @default {false}
   */
  readonly allowOtherUnitId?: boolean;
  /** Receives warnings (another unit id, an unexpected write echo). @default {console.warn} */
  readonly warn?: (message: string) => void;
  /** Reply timeout per request. @default {the transport's} */
  readonly timeoutMs?: number;
  /** Whether writes are enabled for this device (the first write gate). @default {false} */
  readonly writesEnabled?: boolean;
  /** Wait before each read-back after a write (the station serves the old value ~2 s). @default {2000} */
  readonly readBackDelayMs?: number;
  /** Read-backs before a write counts as not applied. @default {3} */
  readonly readBackTries?: number;
}

/** The outcome of one read of a plan that failed. */
export interface RegisterReadFailure {
  /** First register of the read. */
  readonly start: number;
  /** Registers asked. */
  readonly quantity: number;
  /** Fields it would have given. */
  readonly fields: readonly string[];
  /** Why: `TRANSPORT_TIMEOUT` (on these stations often an unserved span), an exception, ... */
  readonly error: PowerSdkError;
}

/** What {@linkcode ModbusRegisterClient.read} returns. */
export interface RegisterReadResult {
  /** Values by field name; a field whose read failed is absent, never guessed. */
  readonly values: Readonly<Record<string, RegisterValue>>;
  /** Units by field name, for the fields that have one. */
  readonly units: Readonly<Record<string, string>>;
  /** Reads that failed. */
  readonly failures: readonly RegisterReadFailure[];
  /** The plan that was run. */
  readonly plan: readonly ReadStep[];
}

/** What {@linkcode ModbusRegisterClient.write} returns. */
export interface RegisterWriteResult {
  /** The write as the gates resolved it. */
  readonly write: ResolvedWrite;
  /** The register the station echoed (an internal address on some models). */
  readonly echoedRegister: number;
  /** The value read back. */
  readonly readBack: RegisterValue;
  /** Read-backs it took. */
  readonly tries: number;
}

/**
 * Reads and writes a Modbus TCP device described by a register map: FC 0x03 reads planned
 * from the ranges the device serves, FC 0x06 writes through the same safety gates as every
 * write, one retry on exceptions 05 (acknowledge) and 06 (busy).
 *
 * A failed read of a plan step leaves its fields out and says why; the other steps still
 * count. A write-single echo of another register (stations that echo an internal address) is
 * accepted when function and value match, with a warning when the register is not the one on
 * file. After a write the field is read back, waiting out the station's stale window, up to
 * `readBackTries` times; a value that never shows is `WRITE_NOT_APPLIED`.
 *
 * @example Read SOC from a simulated AC500
 * ```ts
 * import {
 *   getLocalProfile,
 *   MBAP_STREAM_FRAMING,
 *   ModbusRegisterClient,
 *   TcpStreamTransport,
 * } from "@power-sdk/sdk";
 * import { SimulatedModbusStation } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * await using station = await SimulatedModbusStation.start({ profile: "AC500", values: { soc: 87 } });
 * await using transport = new TcpStreamTransport({
 *   host: "127.0.0.1",
 *   port: station.port,
 *   framing: MBAP_STREAM_FRAMING,
 *   pacingMs: 0,
 * });
 * await transport.connect();
 * const client = new ModbusRegisterClient({ transport, map: getLocalProfile("AC500") });
 * const { values } = await client.read({ fields: ["soc"] });
 * assert.equal(values.soc, 87);
 * ```
 */
export class ModbusRegisterClient {
  #transport: Transport;
  #map: RegisterMap;
  #unitId: number;
  #warn: (message: string) => void;
  #timeoutMs: number | undefined;
  #writesEnabled: boolean;
  #readBackDelayMs: number;
  #readBackTries: number;

  /**
   * Create the client; the transport must be connected before requests.
   *
   * @param options Transport, map, unit id and write settings.
   * @throws {RangeError} For a unit id outside 0..255, or another unit id than the map's
   * without `allowOtherUnitId`.
   */
  constructor(options: ModbusRegisterClientOptions) {
    this.#transport = options.transport;
    this.#map = options.map;
    this.#warn = options.warn ?? ((m) => console.warn(m));
    const expected = options.map.def.unit_id ?? 1;
    const unitId = options.unitId ?? expected;
    if (!Number.isInteger(unitId) || unitId < 0 || unitId > 255) {
      throw new RangeError(`Cannot use unit id ${unitId}: a unit id is an integer 0..255`);
    }
    if (unitId !== expected) {
      if (options.allowOtherUnitId !== true) {
        throw new RangeError(
          `Cannot use unit id ${unitId} for ${options.map.id}: the station answers on unit ${expected}, and requests to other unit ids have frozen some stations' Modbus TCP server until a power cycle; allow it explicitly (allow_other_unit_id: true / --allow-unit-id) if you are sure`,
        );
      }
      this.#warn(
        `warning: using unit id ${unitId} for ${options.map.id} (expected ${expected}); requests to other unit ids have frozen some stations' Modbus TCP server until a power cycle`,
      );
    }
    this.#unitId = unitId;
    this.#timeoutMs = options.timeoutMs;
    this.#writesEnabled = options.writesEnabled ?? false;
    this.#readBackDelayMs = options.readBackDelayMs ?? 2_000;
    this.#readBackTries = options.readBackTries ?? 3;
  }

  /** The register map. */
  get map(): RegisterMap {
    return this.#map;
  }

  /**
   * Read `quantity` holding registers (FC 0x03), retrying once on exception 05 or 06.
   *
   * @param start First register.
   * @param quantity Registers, 1..125.
   * @param options `signal` cancels.
   * @returns The register bytes, big-endian words, exactly `quantity` registers.
   * @throws {TransportError} `TRANSPORT_TIMEOUT` and friends.
   * @throws {ModbusExceptionError} The station's exception.
   * @throws {ProtocolError} A malformed reply, or fewer registers than asked.
   */
  async readRegisters(
    start: number,
    quantity: number,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<Uint8Array> {
    const request: ReadRequest = { function: 0x03, address: this.#unitId, start, quantity };
    const reply = await this.#exchange(request, options.signal);
    if (reply.function !== 0x03) throw new Error("unreachable");
    if (reply.registerCount !== quantity) {
      throw new ProtocolError(
        "PROTOCOL_BYTE_COUNT",
        `Cannot read ${quantity} registers from ${start}: the station sent ${reply.registerCount}`,
        { offset: 8 },
      );
    }
    return reply.data;
  }

  /**
   * Write one holding register (FC 0x06) without gates or read-back, retrying once on
   * exception 05 or 06. Use {@linkcode ModbusRegisterClient.write} for user writes.
   *
   * @param register The register.
   * @param value The word, 0..65535.
   * @param options `signal` cancels.
   * @returns The register the station echoed.
   * @throws {TransportError | ProtocolError | ModbusExceptionError} As for reads; an echo with
   * another value is `PROTOCOL_ECHO_MISMATCH`.
   */
  async writeRegister(
    register: number,
    value: number,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<number> {
    const request: WriteSingleRequest = {
      function: 0x06,
      address: this.#unitId,
      register,
      value,
    };
    const reply = await this.#exchange(request, options.signal);
    return reply.function === 0x06 ? reply.register : register;
  }

  /**
   * Read fields (by name or group) with a plan that never crosses an unserved address.
   *
   * @param options `fields` and/or `group` (all fields when neither is given); `signal`.
   * @returns Values, units, failures and the plan.
   * @throws {SchemaDefinitionError} `SCHEMA_INVALID_FIELD` for an unknown field or group.
   */
  async read(
    options: {
      readonly fields?: readonly string[];
      readonly group?: string;
      readonly signal?: AbortSignal;
    } = {},
  ): Promise<RegisterReadResult> {
    const names = this.#namesOf(options);
    const plan = planReads(this.#map, names);
    const values: Record<string, RegisterValue> = {};
    const units: Record<string, string> = {};
    const failures: RegisterReadFailure[] = [];
    for (const step of plan) {
      try {
        const data = await this.readRegisters(step.start, step.quantity, options);
        for (const { name, offset } of step.fields) {
          values[name] = this.#map.decode(name, data, offset * 2);
          const unit = this.#map.field(name).def.unit;
          if (unit !== undefined) units[name] = unit;
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
        failures.push({
          start: step.start,
          quantity: step.quantity,
          fields: step.fields.map((f) => f.name),
          error: error instanceof PowerSdkError ? error : new ParserError(
            "PARSER_INVALID_VALUE",
            `Cannot decode ${
              step.fields.map((f) => f.name).join(", ")
            } from registers ${step.start}..${step.start + step.quantity - 1}: ${
              error instanceof Error ? error.message : String(error)
            }`,
          ),
        });
      }
    }
    return { values, units, failures, plan };
  }

  /**
   * Write a field through the safety gates, then read it back until it shows.
   *
   * @param request Field name (or register), value, `force`, `confirmDangerous`.
   * @param options `signal` cancels.
   * @returns The resolved write, the echo, the value read back and the tries it took.
   * @throws {WriteError} `WRITE_REFUSED` from a gate (nothing sent), `WRITE_NOT_APPLIED` when
   * the value never reads back.
   * @throws {TransportError | ProtocolError | ModbusExceptionError} From the write itself.
   */
  async write(
    request: WriteRequest,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<RegisterWriteResult> {
    const write = checkWrite(request, registerMapWriteContext(this.#map, this.#writesEnabled));
    const field = this.#map.fields.find((f) => f.address === write.register)!;
    const echoedRegister = await this.writeRegister(write.register, write.value, options);
    const known = field.def.writable?.echo;
    if (echoedRegister !== write.register && echoedRegister !== known) {
      this.#warn(
        `warning: ${field.name}: the station echoed register ${echoedRegister} for a write to ${write.register}${
          known === undefined ? "" : ` (expected ${known})`
        }; accepted because function and value match`,
      );
    }
    let last: RegisterValue | undefined;
    for (let tries = 1; tries <= this.#readBackTries; tries++) {
      await abortableDelay(this.#readBackDelayMs, options.signal);
      const data = await this.readRegisters(field.address, field.registers, options);
      last = this.#map.decode(field.name, data, 0);
      if (this.#map.encode(field.name, last)[0] === write.value) {
        return { write, echoedRegister, readBack: last, tries };
      }
    }
    throw new WriteError(
      "WRITE_NOT_APPLIED",
      "not_applied",
      `Cannot confirm the write of ${field.name} (register ${write.register}) = ${write.value}: read back ${
        String(last)
      } ${this.#readBackTries} times, ${this.#readBackDelayMs} ms apart`,
      { register: write.register },
    );
  }

  #namesOf(options: { readonly fields?: readonly string[]; readonly group?: string }): string[] {
    const names: string[] = [...(options.fields ?? [])];
    if (options.group !== undefined) {
      const group = this.#map.def.groups[options.group];
      if (group === undefined) {
        throw new SchemaDefinitionError(
          "SCHEMA_INVALID_FIELD",
          `Unknown group '${options.group}' in profile ${this.#map.id}: expected one of ${
            Object.keys(this.#map.def.groups).join(", ")
          }`,
        );
      }
      names.push(...group.fields);
    }
    if (options.fields === undefined && options.group === undefined) {
      names.push(...this.#map.fields.map((f) => f.name));
    }
    return names;
  }

  async #exchange(request: ModbusRequest, signal: AbortSignal | undefined) {
    const frame = buildMbapRequest(0, request);
    const echo = { acceptRegisterEcho: true } as const;
    for (let attempt = 1;; attempt++) {
      const reply = await this.#transport.request(
        frame,
        (f) => mbapReplyMatches(request, f, echo),
        {
          ...(signal === undefined ? {} : { signal }),
          ...(this.#timeoutMs === undefined ? {} : { timeoutMs: this.#timeoutMs }),
        },
      );
      try {
        return parseMbapReply(reply, request, echo);
      } catch (error) {
        const busy = error instanceof ModbusExceptionError &&
          (error.exceptionCode === 5 || error.exceptionCode === 6);
        if (!busy || attempt >= 2) throw error;
      }
    }
  }
}
