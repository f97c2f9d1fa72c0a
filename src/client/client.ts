/**
 * The client of one station: it orchestrates a read from request to typed record — the
 * profile says how many registers, the protocol room builds the frame and recognises its reply,
 * the transport carries it, the protocol room validates the reply, the parser decodes it.
 *
 * @module
 */
import { PowerSdkError, ProtocolError, TransportError } from "../errors/errors.ts";
import { type DeviceProfile, profileGroup } from "../device/profile.ts";
import type { BlockRecord, BlockSchema } from "../parser/block_schema.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import type { BlockSchemaDef } from "../parser/types.ts";
import { createBluettiRegistry } from "../plugins/bluetti_v2/registry.ts";
import { buildRequest } from "../protocol/build_request.ts";
import { type Framing, type FramingName, getFraming } from "../protocol/framing.ts";
import { parseReply } from "../protocol/parse_reply.ts";
import { replyMatches } from "../protocol/reply_matches.ts";
import type { ReadRequest } from "../protocol/types.ts";
import type { Transport } from "../transport/types.ts";
import { retry, type RetryEvent, type RetryPolicy } from "./retry_policy.ts";

/** Options of a {@linkcode Client}. */
export interface ClientOptions {
  /** The connection to the station (MQTT, loopback, ...). */
  readonly transport: Transport;
  /** The station's profile: groups, register counts, overrides, writable registers. */
  readonly profile: DeviceProfile;
  /** The payload framing. @default {the profile's `defaultFraming`} */
  readonly framing?: FramingName;
  /** The schemas. @default {the built-in BLUETTI V2 blocks with the profile's overrides} */
  readonly registry?: SchemaRegistry;
  /** The station's protocol version; null decodes every field whose bytes are present. @default {the profile's} */
  readonly protocolVersion?: number | null;
  /** Retries of transport failures. @default {DEFAULT_RETRY_POLICY} */
  readonly retry?: RetryPolicy;
  /** Time allowed for one reply, ms. @default {the transport's} */
  readonly timeoutMs?: number;
  /** Called before each retry wait (for logs and metrics). */
  readonly onRetry?: (event: RetryEvent & { readonly blockId: number }) => void;
}

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
  #closed = false;

  /**
   * Create a client; nothing is sent until a read.
   *
   * @param options Transport, profile and the rest.
   * @throws {ProtocolError} `PROTOCOL_FRAMING` for an unknown framing.
   */
  constructor(options: ClientOptions) {
    this.#transport = options.transport;
    this.#profile = options.profile;
    this.#framing = getFraming(options.framing ?? options.profile.defaultFraming);
    this.#registry = options.registry ?? createBluettiRegistry(options.profile.fieldOverrides);
    this.#protocolVersion = options.protocolVersion !== undefined
      ? options.protocolVersion
      : options.profile.protocolVersion;
    this.#retry = options.retry ?? {};
    this.#timeoutMs = options.timeoutMs;
    this.#onRetry = options.onRetry;
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
   * @returns The decoded record.
   * @throws {TransportError} after the last attempt, {ProtocolError} for an invalid reply or a
   * Modbus exception, {ParserError} for an unknown block or undecodable data.
   */
  async readBlock(blockId: number, options: ReadOptions = {}): Promise<BlockRecord> {
    this.#ensureOpen("read");
    const schema = this.#registry.require(blockId);
    const quantity = this.#registerCount(schema, options.registerCount);
    const framing = this.#framing;
    const request: ReadRequest = {
      function: 0x03,
      address: framing.deviceAddress,
      start: schema.id,
      quantity,
    };
    const payload = framing.wrap(buildRequest(request), request);
    const isReply = (p: Uint8Array): boolean => replyMatches(request, framing.unwrap(p));
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const send = () =>
      this.#transport.request(payload, isReply, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
    const replyPayload = options.retry === false
      ? await send()
      : await retry(send, options.retry ?? this.#retry, {
        signal: options.signal,
        onRetry: this.#onRetry && ((event) => this.#onRetry!({ ...event, blockId })),
      });
    const reply = parseReply(framing.unwrap(replyPayload), request);
    if (reply.function !== 0x03) {
      throw new ProtocolError(
        "PROTOCOL_FUNCTION_MISMATCH",
        `Read of block ${blockId} got a reply to function ${reply.function}`,
      );
    }
    return schema.decode(reply.data, { protocolVersion: this.#protocolVersion });
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
    const { partialOk = true, ...read } = options;
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

  /** Close the client and its transport. Later calls reject with `TRANSPORT_CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
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
    if (this.#closed) {
      throw new TransportError("TRANSPORT_CLOSED", `Cannot ${what}: the client is closed`);
    }
  }
}
