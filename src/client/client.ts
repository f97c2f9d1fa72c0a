/**
 * The client of one station: it orchestrates a read from request to typed record - the
 * profile says how many registers, the protocol room builds the frame and recognises its reply,
 * the transport carries it, the protocol room validates the reply, the parser decodes it.
 *
 * @module
 */
import { type LinkedSignal, linkedSignal } from "../_shared/linked_signal.ts";
import {
  ModbusExceptionError,
  ParserError,
  PowerSdkError,
  ProtocolError,
  TransportError,
} from "../errors/errors.ts";
import { type DeviceProfile, profileGroup } from "../device/profile.ts";
import type { BlockRecord, BlockSchema, ValidationIssue } from "../parser/block_schema.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import type { BlockSchemaDef } from "../parser/types.ts";
import { buildRequest } from "../protocol/build_request.ts";
import { type Framing, type FramingName, getFraming } from "../protocol/framing.ts";
import { parseReply } from "../protocol/parse_reply.ts";
import { parseRequest } from "../protocol/parse_request.ts";
import { replyMatches } from "../protocol/reply_matches.ts";
import type { ModbusReply, ModbusRequest, ReadRequest } from "../protocol/types.ts";
import type { Transport, UnsolicitedFrame } from "../transport/types.ts";
import type { ControlRegisterDef } from "../device/control_register.ts";
import { pluginOf, type ProtocolPlugin } from "../plugin/plugin.ts";
import { checkWrite, describeWrite, type ResolvedWrite } from "../device/write_gates.ts";
import { DeviceState } from "../device/device_state.ts";
import { checkPlausibility } from "../device/plausibility.ts";
import {
  DEFAULT_RETRY_POLICY,
  isRetryable,
  retry,
  type RetryEvent,
  type RetryPolicy,
} from "./retry_policy.ts";
import { maxAttemptsOf } from "./_retry_attempts.ts";

/** Options of a {@linkcode Client}. */
export interface ClientOptions {
  /** The connection to the station (MQTT, loopback, ...). */
  readonly transport: Transport;
  /** The station's profile: groups, register counts, overrides, writable registers. */
  readonly profile: DeviceProfile;
  /** The payload framing. @default {the profile's `defaultFraming`} */
  readonly framing?: FramingName;
  /**
   * The plugin the profile belongs to: schemas, control registers, identity extraction and
   * framings come from it. @default {pluginOf(profile)}
   */
  readonly plugin?: ProtocolPlugin;
  /** The schemas. @default {the plugin's registry with the profile's overrides} */
  readonly registry?: SchemaRegistry;
  /** The station's protocol version; null decodes every field whose bytes are present. @default {the profile's} */
  readonly protocolVersion?: number | null;
  /** Retries of transport failures. @default {DEFAULT_RETRY_POLICY} */
  readonly retry?: RetryPolicy;
  /** Time allowed for one reply, ms. @default {the transport's} */
  readonly timeoutMs?: number;
  /** Called before each retry wait (for logs and metrics). */
  readonly onRetry?: (event: RetryEvent & { readonly blockId: number }) => void;
  /** Allow writes to this station (each write still passes every other gate). @default {false} */
  readonly writesEnabled?: boolean;
  /** The control registers writes may target. @default {the plugin's} */
  readonly controlRegisters?: readonly ControlRegisterDef[];
}

/** Options of {@linkcode Client.write}. */
export interface WriteOptions {
  /** Build and return the frame, send nothing. @default {false} */
  readonly dryRun?: boolean;
  /** Write to a block whose layout is not verified. Does not cover dangerous registers. @default {false} */
  readonly force?: boolean;
  /** The separate confirmation dangerous registers (power off, factory reset, battery aging) need. @default {false} */
  readonly confirmDangerous?: boolean;
  /** Read the register back and report whether the station took the value. @default {true} */
  readonly verify?: boolean;
  /** Cancels the write and the read-back. */
  readonly signal?: AbortSignal;
  /** Time allowed for each reply, ms. */
  readonly timeoutMs?: number;
}

/** The outcome of {@linkcode Client.write}. */
export interface WriteResult {
  /** The register written. */
  readonly register: number;
  /** The control register's name. */
  readonly name: string;
  /** The 16-bit word sent. */
  readonly value: number;
  /** One line describing the write. */
  readonly description: string;
  /** The payload (framing included) that was, or in a dry run would be, published. */
  readonly payload: Uint8Array;
  /** True for a dry run: nothing was sent. */
  readonly dryRun: boolean;
  /** The value read back after writing; null in a dry run or without `verify`. */
  readonly readBack: number | null;
  /** True when the read-back equals the value; null when not checked. */
  readonly applied: boolean | null;
}

/** An unsolicited payload, decoded when it names its block (a 0x10 push). */
export type PushEvent =
  | { readonly kind: "block"; readonly record: BlockRecord; readonly frame: UnsolicitedFrame }
  | { readonly kind: "frame"; readonly reason: string; readonly frame: UnsolicitedFrame };

/** Options of one read. */
export interface ReadOptions {
  /** Registers to ask for (1..125). @default {the profile's count for the block, else the schema's} */
  readonly registerCount?: number;
  /** Cancels the read, including retry waits. */
  readonly signal?: AbortSignal;
  /** Time allowed for the reply, ms. */
  readonly timeoutMs?: number;
  /** Retries for this read; `false` for none. @default {the client's} */
  readonly retry?: RetryPolicy | false;
  /** The group the read belongs to, for the device state. @default {the profile's group of the block} */
  readonly group?: string;
}

/** Options of {@linkcode Client.readGroup}. */
export interface ReadGroupOptions extends Omit<ReadOptions, "registerCount"> {
  /** Keep reading the other blocks when one fails (its error is listed). @default {true} */
  readonly partialOk?: boolean;
}

/** One block of a group that could not be read. */
export interface BlockReadError {
  /** The block id. */
  readonly blockId: number;
  /** Why. */
  readonly error: PowerSdkError;
}

/** The outcome of {@linkcode Client.readGroup}. */
export interface GroupReadResult {
  /** The group name. */
  readonly group: string;
  /** The blocks read, in the group's order. */
  readonly records: readonly BlockRecord[];
  /** The blocks that failed. */
  readonly errors: readonly BlockReadError[];
  /** True when every block was read. */
  readonly ok: boolean;
}

/**
 * The client of one station.
 *
 * @example Read block 100 from a station in the same process
 * ```ts
 * import { Client, getProfile, LoopbackTransport } from "@power-sdk/sdk";
 * import { StationModel } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const station = new StationModel({ profile: "EL100V2", sn: "EL100V2000123" });
 * await using client = new Client({
 *   transport: new LoopbackTransport((payload) => station.handle(payload)),
 *   profile: getProfile("EL100V2"),
 * });
 * await client.connect();
 * const record = await client.readBlock(100);
 * assert.equal(record.name, "APP_HOME_DATA");
 * assert.ok(typeof record.values.soc === "number");
 * ```
 */
export class Client implements AsyncDisposable {
  #transport: Transport;
  #profile: DeviceProfile;
  #framing: Framing;
  #registry: SchemaRegistry;
  #protocolVersion: number | null;
  #retry: RetryPolicy;
  #timeoutMs: number | undefined;
  #onRetry: ClientOptions["onRetry"];
  #writesEnabled: boolean;
  #controlRegisters: readonly ControlRegisterDef[];
  #state: DeviceState;
  #pushListeners = new Set<(event: PushEvent) => void>();
  #unsubscribe: (() => void) | null = null;
  #closed = false;
  // Aborted by close(): ends every retry wait and in-flight request of this client at once.
  #closing = new AbortController();
  /** Callers' signals joined with #closing's, and how many operations use each (#signalFor). */
  #joins = new Map<AbortSignal, { readonly link: LinkedSignal; users: number }>();

  /**
   * Create a client; nothing is sent until a read.
   *
   * @param options Transport, profile and the rest.
   * @throws {ProtocolError} `PROTOCOL_FRAMING` for an unknown framing.
   * @throws {ConfigError} `CONFIG_INVALID` when no plugin is given and none is defined for
   * the profile's protocol.
   */
  constructor(options: ClientOptions) {
    this.#transport = options.transport;
    this.#profile = options.profile;
    const plugin = options.plugin ??
      (options.registry !== undefined && options.controlRegisters !== undefined
        ? undefined
        : pluginOf(options.profile));
    this.#framing = getFraming(options.framing ?? options.profile.defaultFraming);
    this.#registry = options.registry ?? plugin!.createRegistry(options.profile);
    this.#protocolVersion = options.protocolVersion !== undefined
      ? options.protocolVersion
      : options.profile.protocolVersion;
    this.#retry = options.retry ?? {};
    this.#timeoutMs = options.timeoutMs;
    this.#onRetry = options.onRetry;
    this.#writesEnabled = options.writesEnabled === true;
    this.#controlRegisters = options.controlRegisters ?? plugin!.controlRegisters;
    // The client checks plausibility itself so that the records it returns carry the warnings.
    this.#state = new DeviceState({
      profile: options.profile,
      protocolVersion: this.#protocolVersion,
      plausibility: false,
      ...(plugin !== undefined ? { identity: plugin.identity } : {}),
    });
  }

  /** The station's state: every block read (or pushed) so far, merged views, identity. */
  get state(): DeviceState {
    return this.#state;
  }

  /** The station's profile. */
  get profile(): DeviceProfile {
    return this.#profile;
  }

  /** The client's own schema registry. */
  get registry(): SchemaRegistry {
    return this.#registry;
  }

  /** The framing in use. */
  get framing(): Framing {
    return this.#framing;
  }

  /** The transport. */
  get transport(): Transport {
    return this.#transport;
  }

  /**
   * Connect the transport.
   *
   * @param options An abort signal.
   * @throws {TransportError} as the transport's `connect`.
   */
  connect(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    this.#ensureOpen("connect");
    return this.#transport.connect(options);
  }

  /**
   * Register a schema on this client's registry (a block of your own).
   *
   * @param def The definition.
   * @returns The compiled schema.
   * @throws {SchemaDefinitionError} for an invalid definition or a conflict with a registered
   * block (same id or name, different structure).
   */
  registerSchema(def: BlockSchemaDef | BlockSchema): BlockSchema {
    return this.#registry.register(def);
  }

  /**
   * Read one block: request, reply, validation, decode. Transport failures are retried per
   * the policy; protocol and parse errors fail at once.
   *
   * @param blockId The block id (= start register).
   * @param options Register count, signal, timeout, retry.
   * Only a reply of the requested length is taken (or of a short length the profile's
   * `shortReplies` lists for the block); frames of other lengths, late replies to earlier
   * requests and repeats of the previous reply are not (docs/reliability.md). A record with a
   * value that cannot be true is returned with `suspect: true` and its warnings, and is not
   * merged into {@linkcode Client.state}.
   *
   * @returns The decoded record.
   * @throws {TransportError} after the last attempt, {ProtocolError} for an invalid reply or a
   * Modbus exception, {ParserError} for an unknown block, undecodable data, or a reply too short
   * for the block's required fields (`PARSER_SHORT_PAYLOAD`, `PARSER_MISSING_FIELD`).
   */
  async readBlock(blockId: number, options: ReadOptions = {}): Promise<BlockRecord> {
    this.#ensureOpen("read");
    const schema = this.#registry.require(blockId);
    const quantity = this.#registerCount(schema, options.registerCount);
    const request: ReadRequest = {
      function: 0x03,
      address: this.#framing.deviceAddress,
      start: schema.id,
      quantity,
    };
    const payload = this.#frame(request);
    const shortCounts = this.#profile.shortReplies?.[String(schema.id)];
    const retryPolicy = options.retry === false ? null : options.retry ?? this.#retry;
    // A policy retry() would refuse is refused before anything is sent.
    if (retryPolicy !== null) maxAttemptsOf(retryPolicy, DEFAULT_RETRY_POLICY.maxAttempts);
    const timeoutMs = options.timeoutMs;
    // One join of the caller's signal with close()'s for the whole read, retries included.
    const signal = this.#signalFor(options.signal);
    let reply: ModbusReply;
    try {
      try {
        // The first attempt on its own: most reads need no other, and retry() costs an async
        // call per read.
        reply = await this.#exchange(request, signal, timeoutMs, payload, shortCounts);
      } catch (first) {
        if (retryPolicy === null || !isRetryable(first)) throw first;
        // The later attempts by retry(), whose first attempt is the one that just failed.
        reply = await retry(
          (attempt) =>
            attempt === 1
              ? Promise.reject(first)
              : this.#exchange(request, signal, timeoutMs, payload, shortCounts),
          retryPolicy,
          {
            signal,
            onRetry: this.#onRetry && ((event) => this.#onRetry!({ ...event, blockId })),
          },
        );
      }
    } catch (error) {
      throw this.#closed ? closedError("finish the request", error) : error;
    } finally {
      this.#releaseSignal(options.signal);
    }
    if (reply.function !== 0x03) {
      throw new ProtocolError(
        "PROTOCOL_FUNCTION_MISMATCH",
        `Read of block ${blockId} got a reply to function ${reply.function}`,
      );
    }
    if (reply.data.length < schema.maxFieldEnd) {
      // A record without a required field is no record of this block (docs/reliability.md).
      const issue = firstError(schema, reply.data);
      if (issue) {
        throw new ParserError(
          issue.code,
          `Cannot read block ${blockId}: the reply has ${reply.data.length} data bytes: ${issue.message}`,
          {
            blockId,
            ...(issue.field === null ? {} : { field: issue.field }),
            offset: issue.offset,
          },
        );
      }
    }
    const record = checkPlausibility(
      schema.decode(reply.data, { protocolVersion: this.#protocolVersion }),
    );
    // A suspect record (a value that cannot be true) is returned, flagged, but never merged.
    if (record.suspect !== true) {
      this.#state.apply(record, options.group === undefined ? {} : { group: options.group });
    }
    return record;
  }

  /**
   * Read every block of one of the profile's groups, in order.
   *
   * @param group The group name (`core`, `battery`, ...).
   * @param options `partialOk` (default true: a failed block is listed, the others are read),
   * signal, timeout, retry.
   * @returns The records and the per-block errors.
   * @throws {ConfigError} for a group the profile lacks; with `partialOk: false`, the first
   * block's error.
   */
  async readGroup(group: string, options: ReadGroupOptions = {}): Promise<GroupReadResult> {
    this.#ensureOpen("read");
    const def = profileGroup(this.#profile, group);
    const partialOk = options.partialOk ?? true;
    // The group's reads take the options as they are (readBlock ignores partialOk).
    const read: ReadOptions = { ...options, group: def.name };
    const records: BlockRecord[] = [];
    const errors: BlockReadError[] = [];
    for (const blockId of def.blocks) {
      try {
        records.push(await this.readBlock(blockId, read));
      } catch (error) {
        if (!partialOk || !(error instanceof PowerSdkError)) throw error;
        if (error.code === "TRANSPORT_ABORTED" || error.code === "TRANSPORT_CLOSED") throw error;
        errors.push({ blockId, error });
      }
    }
    return { group: def.name, records, errors, ok: errors.length === 0 };
  }

  /**
   * Read the blocks of a group one by one and yield each as soon as it is decoded (the seed's
   * streaming API). A failing block ends the stream with its error.
   *
   * @param group The group name.
   * @param options Signal, timeout, retry.
   * @returns The records, in the group's order.
   * @throws {ConfigError} for a group the profile lacks, or the first failing block's error.
   */
  async *streamGroup(
    group: string,
    options: Omit<ReadOptions, "registerCount"> = {},
  ): AsyncGenerator<BlockRecord> {
    this.#ensureOpen("read");
    const def = profileGroup(this.#profile, group);
    for (const blockId of def.blocks) {
      yield await this.readBlock(blockId, { ...options, group: def.name });
    }
  }

  /**
   * Listen to what the station sends unprompted. A 0x10 push names its start register, so it
   * is decoded when a schema of that id is registered; anything else (a 0x03 frame carries no
   * register address, so its block cannot be known for sure) is delivered undecoded, with the
   * reason. Decoding never guesses.
   *
   * @param listener Called for each push.
   * @returns A function that removes the listener.
   */
  onPush(listener: (event: PushEvent) => void): () => void {
    this.#pushListeners.add(listener);
    this.#unsubscribe ??= this.#transport.onUnsolicited((frame) => this.#dispatchPush(frame));
    return () => {
      this.#pushListeners.delete(listener);
      if (this.#pushListeners.size === 0 && this.#unsubscribe) {
        this.#unsubscribe();
        this.#unsubscribe = null;
      }
    };
  }

  /**
   * The pushes as an async iterator; ends when the signal aborts or the client closes. Holds
   * at most `bufferSize` events when the consumer is slow (the oldest are dropped).
   *
   * @param options Abort signal and buffer size (default 100).
   * @returns The push events.
   */
  async *pushes(
    options: { readonly signal?: AbortSignal; readonly bufferSize?: number } = {},
  ): AsyncGenerator<PushEvent> {
    const limit = options.bufferSize ?? 100;
    const buffer: PushEvent[] = [];
    let wake: (() => void) | null = null;
    const stop = () => wake?.();
    const remove = this.onPush((event) => {
      buffer.push(event);
      if (buffer.length > limit) buffer.shift();
      wake?.();
    });
    options.signal?.addEventListener("abort", stop, { once: true });
    const closed = this.#transport.onState((change) => change.state === "closed" && stop());
    try {
      while (!options.signal?.aborted && !this.#closed) {
        const next = buffer.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      remove();
      closed();
      options.signal?.removeEventListener("abort", stop);
    }
  }

  /**
   * Write a control register through every safety gate (writes enabled, profile allow-list,
   * value range or label, verified block or `force`, dangerous registers only with
   * `confirmDangerous`), send it with function 0x06, then read it back.
   *
   * @param target A control register name (`ac_output`) or number (2011).
   * @param value `on`/`off`/true/false, a label (`turbo`) or a number.
   * @param options Dry run, force, confirmation, verify, signal, timeout.
   * @returns What was sent and whether the station took it.
   * @throws {WriteError} `WRITE_REFUSED` naming the gate; {TransportError} or
   * {ProtocolError} when sending or reading back fails (writes are not retried).
   */
  async write(
    target: string | number,
    value: number | string | boolean,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    this.#ensureOpen("write");
    const resolved: ResolvedWrite = checkWrite(
      {
        target,
        value,
        ...(options.force !== undefined ? { force: options.force } : {}),
        ...(options.confirmDangerous !== undefined
          ? { confirmDangerous: options.confirmDangerous }
          : {}),
      },
      {
        profile: this.#profile,
        controlRegisters: this.#controlRegisters,
        writesEnabled: this.#writesEnabled,
        verificationOf: (register) => this.#verificationOf(register),
      },
    );
    const request: ModbusRequest = {
      function: 0x06,
      address: this.#framing.deviceAddress,
      register: resolved.register,
      value: resolved.value,
    };
    const payload = this.#frame(request);
    const base = {
      register: resolved.register,
      name: resolved.name,
      value: resolved.value,
      description: describeWrite(resolved),
      payload,
    };
    if (options.dryRun) return { ...base, dryRun: true, readBack: null, applied: null };
    await this.#exchangeOnce(request, options, payload);
    if (options.verify === false) return { ...base, dryRun: false, readBack: null, applied: null };
    const readBack = await this.readRegister(resolved.register, options);
    return { ...base, dryRun: false, readBack, applied: readBack === resolved.value };
  }

  /**
   * Read one 16-bit register directly (function 0x03, quantity 1).
   *
   * @param register The register.
   * @param options Signal and timeout.
   * @returns Its value.
   * @throws {TransportError}, {ProtocolError}.
   */
  async readRegister(
    register: number,
    options: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
  ): Promise<number> {
    return (await this.readRegisters(register, 1, options))[0]!;
  }

  /**
   * Read consecutive 16-bit registers directly (function 0x03), e.g. the control registers
   * between two others, in one request.
   *
   * @param start The first register.
   * @param quantity How many, 1 to 125.
   * @param options Signal and timeout.
   * @returns Their values, in register order.
   * @throws {ProtocolError} `PROTOCOL_INVALID_REQUEST` for a quantity outside 1..125;
   * `PROTOCOL_BYTE_COUNT` when the reply holds fewer registers; {TransportError}.
   */
  async readRegisters(
    start: number,
    quantity: number,
    options: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
  ): Promise<number[]> {
    this.#ensureOpen("read");
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 125) {
      throw new ProtocolError(
        "PROTOCOL_INVALID_REQUEST",
        `Cannot read registers from ${start}: the quantity must be 1..125 (one Modbus read), got ${quantity}`,
      );
    }
    const request: ReadRequest = {
      function: 0x03,
      address: this.#framing.deviceAddress,
      start,
      quantity,
    };
    const reply = await this.#exchangeOnce(request, options);
    const data = reply.function === 0x03 ? reply.data : new Uint8Array(0);
    if (data.length < quantity * 2) {
      throw new ProtocolError(
        "PROTOCOL_BYTE_COUNT",
        quantity === 1
          ? `Read of register ${start} returned no register`
          : `Read of registers ${start}..${start + quantity - 1} returned ${
            Math.floor(data.length / 2)
          } of ${quantity} registers`,
      );
    }
    return Array.from({ length: quantity }, (_, i) => (data[2 * i]! << 8) | data[2 * i + 1]!);
  }

  /** The request as published: the RTU frame in the station's framing. */
  #frame(request: ModbusRequest): Uint8Array {
    return this.#framing.wrap(buildRequest(request), request);
  }

  /**
   * One exchange of a write or a register read, not retried: the caller's signal joined with
   * close()'s for its duration; once the client is closed, whatever it failed with becomes
   * `TRANSPORT_CLOSED`.
   */
  async #exchangeOnce(
    request: ModbusRequest,
    options: { readonly signal?: AbortSignal | undefined; readonly timeoutMs?: number | undefined },
    payload: Uint8Array = this.#frame(request),
  ): Promise<ModbusReply> {
    const signal = this.#signalFor(options.signal);
    try {
      return await this.#exchange(request, signal, options.timeoutMs, payload, undefined);
    } catch (error) {
      throw this.#closed ? closedError("finish the request", error) : error;
    } finally {
      this.#releaseSignal(options.signal);
    }
  }

  /**
   * Send one request and validate its reply. Protocol errors fail at once, except a Modbus
   * exception 05 (acknowledge) or 06 (busy): the station asks to be asked again, and the
   * request is sent once more (docs/modbus-tcp.md).
   */
  async #exchange(
    request: ModbusRequest,
    signal: AbortSignal,
    timeoutMs: number | undefined,
    payload: Uint8Array,
    shortCounts: readonly number[] | undefined,
  ): Promise<ModbusReply> {
    const framing = this.#framing;
    const wait = timeoutMs ?? this.#timeoutMs;
    const matchOptions = shortCounts === undefined ? undefined : { shortCounts };
    const isReply = (p: Uint8Array) => replyMatches(request, framing.unwrap(p), matchOptions);
    const options = wait === undefined ? { signal } : { signal, timeoutMs: wait };
    for (let sent = 1;; sent++) {
      const reply = await this.#transport.request(payload, isReply, options);
      try {
        return parseReply(framing.unwrap(reply), request);
      } catch (error) {
        const busy = error instanceof ModbusExceptionError &&
          (error.exceptionCode === 5 || error.exceptionCode === 6);
        if (!busy || sent === 2) throw error;
      }
    }
  }

  #verificationOf(register: number): string | null {
    for (const schema of this.#registry.list()) {
      if (register >= schema.id && register < schema.id + schema.registerCount) {
        return schema.verificationStatus;
      }
    }
    return null;
  }

  #dispatchPush(frame: UnsolicitedFrame): void {
    let event: PushEvent;
    try {
      const rtu = this.#framing.unwrap(frame.payload);
      if (rtu[1] !== 0x10) {
        event = {
          kind: "frame",
          reason: `function 0x${
            (rtu[1] ?? 0).toString(16).padStart(2, "0")
          } frames carry no register address: the block cannot be known`,
          frame,
        };
      } else {
        const push = parseRequest(rtu);
        if (push.function !== 0x10) {
          throw new ProtocolError("PROTOCOL_FUNCTION_MISMATCH", "not a 0x10 push");
        }
        const schema = this.#registry.get(push.start);
        if (!schema) {
          event = { kind: "frame", reason: `no schema for block ${push.start}`, frame };
        } else {
          const data = new Uint8Array(push.values.length * 2);
          push.values.forEach((v, i) => {
            data[2 * i] = v >> 8;
            data[2 * i + 1] = v & 0xff;
          });
          event = {
            kind: "block",
            record: checkPlausibility(
              schema.decode(data, { protocolVersion: this.#protocolVersion }),
            ),
            frame,
          };
        }
      }
    } catch (error) {
      const reason = error instanceof PowerSdkError
        ? `${error.code}: ${error.message}`
        : String(error);
      event = { kind: "frame", reason, frame };
    }
    for (const listener of this.#pushListeners) listener(event);
  }

  /**
   * Close the client and its transport. Every pending read or write (one waiting for its reply,
   * one waiting to retry) rejects at once with `TRANSPORT_CLOSED`, and no timer of the client
   * outlives the call; later calls reject with `TRANSPORT_CLOSED` too.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort(closedError("finish the request"));
    await this.#transport.close();
  }

  /** Same as {@linkcode Client.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #registerCount(schema: BlockSchema, explicit: number | undefined): number {
    const count = explicit ?? this.#profile.registerCounts[String(schema.id)] ??
      schema.registerCount;
    if (!Number.isInteger(count) || count < 1 || count > 125) {
      throw new ProtocolError(
        "PROTOCOL_INVALID_REQUEST",
        `Cannot read block ${schema.id}: the register count must be 1..125 (one Modbus read), got ${count}`,
      );
    }
    return count;
  }

  #ensureOpen(what: string): void {
    if (this.#closed) throw closedError(what);
  }

  /**
   * The signal an operation runs with: close()'s own, joined with the caller's when there is
   * one. A join is kept for the next operations with the same caller's signal (a device runner
   * passes the same one to every read) instead of being made and undone per read: each makes
   * an AbortController and two listeners. A join no operation uses any more is undone when an
   * operation with another signal comes (see _shared/linked_signal.ts: AbortSignal.any would
   * leave one signal per request in both long-lived sources). Pair with #releaseSignal.
   */
  #signalFor(signal: AbortSignal | undefined): AbortSignal {
    if (signal === undefined) return this.#closing.signal;
    let join = this.#joins.get(signal);
    if (join === undefined) {
      for (const [source, idle] of this.#joins) {
        if (idle.users > 0) continue;
        idle.link.dispose();
        this.#joins.delete(source);
      }
      join = { link: linkedSignal(signal, this.#closing.signal), users: 0 };
      this.#joins.set(signal, join);
    }
    join.users++;
    return join.link.signal;
  }

  /** The operation that got its signal from #signalFor for `signal` is over. */
  #releaseSignal(signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    const join = this.#joins.get(signal);
    if (join !== undefined) join.users--;
  }
}

/**
 * The first error `schema.validate` finds in data of this length, or null. What validation
 * finds depends on the length only: found once per schema and length (a profile may read a
 * block shorter than its schema on every poll), not listed again for each reply.
 */
function firstError(schema: BlockSchema, data: Uint8Array): ValidationIssue | null {
  let byLength = FIRST_ERRORS.get(schema);
  if (byLength === undefined) FIRST_ERRORS.set(schema, byLength = new Map());
  let issue = byLength.get(data.length);
  if (issue === undefined) {
    issue = schema.validate(data).find((i) => i.severity === "error") ?? null;
    byLength.set(data.length, issue);
  }
  return issue;
}

const FIRST_ERRORS = new WeakMap<BlockSchema, Map<number, ValidationIssue | null>>();

function closedError(what: string, cause?: unknown): TransportError {
  return new TransportError(
    "TRANSPORT_CLOSED",
    `Cannot ${what}: the client is closed`,
    cause === undefined ? undefined : { cause },
  );
}
