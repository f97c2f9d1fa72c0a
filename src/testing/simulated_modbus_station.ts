import { mbapFrameLength, parseMbapRequest, wrapMbapAdu } from "../protocol/mbap.ts";
import {
  buildExceptionReplyPdu,
  buildReadReplyPdu,
  buildWriteSingleReplyPdu,
} from "../protocol/pdu.ts";
import type { RegisterMap, RegisterValue } from "../parser/register_map.ts";
import { ConfigError } from "../errors/errors.ts";
import { findPluginProfile, pluginOf } from "../plugin/plugin.ts";

/**
 * The quirks observed on real stations, each switchable. Defaults: all on, as a real AC500 or
 * Balco behaves.
 */
export interface ModbusStationQuirks {
  /** No reply at all to a multi-register read touching an unserved address. @default {true} */
  readonly silentOnUnservedSpan?: boolean;
  /** Exception 02 (illegal data address) on a one-register read of an unserved address. @default {true} */
  readonly exceptionOnUnservedSingle?: boolean;
  /** No reply to requests for another unit id. @default {true} */
  readonly silentForOtherUnits?: boolean;
  /** One client at a time: a second connection is closed at once. @default {true} */
  readonly oneConnection?: boolean;
  /** Write replies echo the internal address on file (`writable.echo`). @default {true} */
  readonly echoInternalAddress?: boolean;
  /** After a write, reads serve the old value for this long (ms). @default {2000} */
  readonly staleAfterWriteMs?: number;
}

/** Options of {@linkcode SimulatedModbusStation.start}. */
export interface SimulatedModbusStationOptions {
  /**
   * The id, name or alias of a profile whose plugin is defined over register maps (`AC500`,
   * local Modbus TCP); or give `map`.
   */
  readonly profile?: string;
  /** The register map to serve (a map file's, for instance). */
  readonly map?: RegisterMap;
  /** Address to listen on. @default {"127.0.0.1"} */
  readonly hostname?: string;
  /** Port; 0 picks a free one. @default {0} */
  readonly port?: number;
  /** Initial values by field name (in the field's unit); others read 0, the model string the id. */
  readonly values?: Readonly<Record<string, RegisterValue>>;
  /** The unit id it answers. @default {the map's unit_id, else 1} */
  readonly unitId?: number;
  /** Quirks; see {@linkcode ModbusStationQuirks}. */
  readonly quirks?: ModbusStationQuirks;
}

/** A request the station received, for assertions. */
export interface ModbusStationRequest {
  /** Function code. */
  readonly function: number;
  /** Unit id. */
  readonly unitId: number;
  /** First register (read) or the register written. */
  readonly address: number;
  /** Registers read, or 1 for a write. */
  readonly quantity: number;
  /** How the station answered. */
  readonly outcome: "reply" | "exception" | "silence" | "truncated";
}

type Injected = { kind: "exception"; code: number } | { kind: "truncated" };

/**
 * A Modbus TCP station on a real socket, serving a register map (a profile's, through its
 * plugin's `registerMap`) with the quirks seen on vendors' local Modbus TCP servers (see
 * {@linkcode ModbusStationQuirks}), plus injected exceptions
 * (05 acknowledge, 06 busy) and truncated replies. For tests and `simulate --transport
 * modbus-tcp`, without hardware.
 *
 * @example Serve an AC500 and read its SOC register by hand
 * ```ts
 * import { buildMbapRequest, parseMbapReply } from "@power-sdk/sdk/protocol";
 * import { SimulatedModbusStation } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * await using station = await SimulatedModbusStation.start({ profile: "AC500", values: { soc: 64 } });
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: station.port });
 * const request = { function: 0x03, address: 1, start: 51004, quantity: 1 } as const;
 * await conn.write(buildMbapRequest(1, request));
 * const buf = new Uint8Array(64);
 * const n = (await conn.read(buf))!;
 * const reply = parseMbapReply(buf.subarray(0, n), request, { transactionId: 1 });
 * assert.equal(reply.function === 0x03 && reply.data[1], 64);
 * conn.close();
 * ```
 */
export class SimulatedModbusStation implements AsyncDisposable {
  /** The map served. */
  readonly map: RegisterMap;
  /** Requests received, oldest first. */
  readonly requests: ModbusStationRequest[] = [];
  #listener: Deno.TcpListener;
  #unitId: number;
  #quirks: Required<ModbusStationQuirks>;
  #words = new Map<number, number>();
  #stale = new Map<number, { value: number; until: number }>();
  #conns = new Set<Deno.Conn>();
  #tasks = new Set<Promise<void>>();
  #accepting: Promise<void>;
  #injected: Injected[] = [];
  #connections = 0;
  #refused = 0;

  private constructor(
    map: RegisterMap,
    listener: Deno.TcpListener,
    options: SimulatedModbusStationOptions,
  ) {
    this.map = map;
    this.#listener = listener;
    this.#unitId = options.unitId ?? map.def.unit_id ?? 1;
    const q = options.quirks ?? {};
    this.#quirks = {
      silentOnUnservedSpan: q.silentOnUnservedSpan ?? true,
      exceptionOnUnservedSingle: q.exceptionOnUnservedSingle ?? true,
      silentForOtherUnits: q.silentForOtherUnits ?? true,
      oneConnection: q.oneConnection ?? true,
      echoInternalAddress: q.echoInternalAddress ?? true,
      staleAfterWriteMs: q.staleAfterWriteMs ?? 2_000,
    };
    for (const field of map.fields) {
      const given = options.values?.[field.name];
      const initial = given ?? defaultValue(map, field.name);
      this.#store(field.name, initial);
    }
    this.#accepting = this.#acceptLoop();
  }

  /**
   * Start listening.
   *
   * @param options Profile or map, address, values, unit id, quirks.
   * @returns The running station.
   * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` for an unknown profile; `CONFIG_INVALID`
   * for a profile whose plugin has no register map.
   * @throws {TypeError} When neither `profile` nor `map` is given.
   */
  static start(options: SimulatedModbusStationOptions): Promise<SimulatedModbusStation> {
    const map = options.map ??
      (options.profile !== undefined ? mapOf(options.profile) : undefined);
    if (map === undefined) {
      return Promise.reject(new TypeError("Cannot start the station: give a profile or a map"));
    }
    const listener = Deno.listen({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 0,
    });
    return Promise.resolve(new SimulatedModbusStation(map, listener, options));
  }

  /** The port it listens on. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** Connections accepted and served so far. */
  get connections(): number {
    return this.#connections;
  }

  /** Connections closed at once because one was already open. */
  get refusedConnections(): number {
    return this.#refused;
  }

  /**
   * Set a field's value (in its unit), as the station's own physics would.
   *
   * @param name Field name.
   * @param value The value.
   */
  set(name: string, value: RegisterValue): void {
    this.#store(name, value);
  }

  /**
   * Set raw register words, whatever field they belong to (a captured value, a corrupt one).
   *
   * @param address The first register.
   * @param words The words, 0..65535 each.
   * @throws {RangeError} For a word out of range.
   */
  setRegisters(address: number, words: readonly number[]): void {
    words.forEach((w, i) => {
      if (!Number.isInteger(w) || w < 0 || w > 0xffff) {
        throw new RangeError(`Cannot set register ${address + i}: ${w} is not a 16-bit word`);
      }
      this.#words.set(address + i, w);
    });
  }

  /**
   * The current value of a field (what a read after the stale window returns).
   *
   * @param name Field name.
   * @returns The value.
   */
  get(name: string): RegisterValue {
    const field = this.map.field(name);
    const bytes = new Uint8Array(field.registers * 2);
    for (let i = 0; i < field.registers; i++) {
      const w = this.#words.get(field.address + i) ?? 0;
      bytes[2 * i] = w >>> 8;
      bytes[2 * i + 1] = w & 0xff;
    }
    return this.map.decode(name, bytes, 0);
  }

  /**
   * Answer the next `count` requests with exception `code` (5 acknowledge, 6 busy, ...).
   *
   * @param code The exception code.
   * @param count How many requests. @default {1}
   */
  injectException(code: number, count = 1): void {
    for (let i = 0; i < count; i++) this.#injected.push({ kind: "exception", code });
  }

  /**
   * Cut the next `count` replies short on the wire (the header announces more bytes than come).
   *
   * @param count How many replies. @default {1}
   */
  injectTruncated(count = 1): void {
    for (let i = 0; i < count; i++) this.#injected.push({ kind: "truncated" });
  }

  /**
   * Resolves once no client is connected (the station has seen the last one close): a station
   * that takes one client at a time refuses the next until then.
   *
   * @returns When idle.
   */
  async whenIdle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.race([...this.#tasks]);
  }

  /** Stop listening and close every connection. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch { /* closed */ }
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* closed */ }
    }
    await this.#accepting;
    await Promise.all([...this.#tasks]);
  }

  /** Same as {@linkcode SimulatedModbusStation.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #store(name: string, value: RegisterValue): void {
    const field = this.map.field(name);
    const words = this.map.encode(name, value);
    words.forEach((w, i) => this.#words.set(field.address + i, w));
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        if (this.#quirks.oneConnection && this.#conns.size > 0) {
          this.#refused++;
          conn.close();
          continue;
        }
        this.#connections++;
        conn.setNoDelay(true);
        this.#conns.add(conn);
        const task = this.#serve(conn).finally(() => {
          this.#conns.delete(conn);
          this.#tasks.delete(task);
        });
        this.#tasks.add(task);
      }
    } catch {
      // listener closed
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    let buffer = new Uint8Array(0);
    const chunk = new Uint8Array(1024);
    try {
      while (true) {
        const n = await conn.read(chunk);
        if (n === null) break;
        const joined = new Uint8Array(buffer.length + n);
        joined.set(buffer);
        joined.set(chunk.subarray(0, n), buffer.length);
        buffer = joined;
        while (true) {
          const length = mbapFrameLength(buffer);
          if (length < 0) throw new Error("not Modbus TCP");
          if (length === 0) break;
          const reply = this.#answer(buffer.subarray(0, length));
          buffer = buffer.slice(length);
          if (reply !== null) await conn.write(reply);
        }
      }
    } catch {
      // connection closed or garbage: drop it
    }
    try {
      conn.close();
    } catch { /* closed */ }
  }

  #answer(frame: Uint8Array): Uint8Array | null {
    let parsed;
    try {
      parsed = parseMbapRequest(frame);
    } catch {
      return wrapMbapAdu(
        (frame[0]! << 8) | frame[1]!,
        frame[6]!,
        buildExceptionReplyPdu(frame[7]! & 0x7f || 1, 1),
      );
    }
    const { transactionId: tid, unitId, request } = parsed;
    const address = request.function === 0x06 ? request.register : request.start;
    const quantity = request.function === 0x03
      ? request.quantity
      : request.function === 0x10
      ? request.values.length
      : 1;
    const log = (outcome: ModbusStationRequest["outcome"]) =>
      this.requests.push({ function: request.function, unitId, address, quantity, outcome });
    if (unitId !== this.#unitId && this.#quirks.silentForOtherUnits) {
      log("silence");
      return null;
    }
    const reply = (pdu: Uint8Array, outcome: "reply" | "exception") => {
      const injected = this.#injected.shift();
      if (injected?.kind === "exception") {
        log("exception");
        return wrapMbapAdu(tid, unitId, buildExceptionReplyPdu(request.function, injected.code));
      }
      const full = wrapMbapAdu(tid, unitId, pdu);
      if (injected?.kind === "truncated") {
        log("truncated");
        return full.subarray(0, full.length - 2);
      }
      log(outcome);
      return full;
    };
    const exception = (code: number) =>
      reply(buildExceptionReplyPdu(request.function, code), "exception");
    if (request.function === 0x10) return exception(1);
    if (!this.map.serves(address, quantity)) {
      if (quantity > 1 && this.#quirks.silentOnUnservedSpan) {
        log("silence");
        return null;
      }
      return this.#quirks.exceptionOnUnservedSingle || quantity > 1 ? exception(2) : null;
    }
    const now = Date.now();
    if (request.function === 0x03) {
      const data = new Uint8Array(quantity * 2);
      for (let i = 0; i < quantity; i++) {
        const stale = this.#stale.get(address + i);
        const w = stale !== undefined && stale.until > now
          ? stale.value
          : this.#words.get(address + i) ?? 0;
        data[2 * i] = w >>> 8;
        data[2 * i + 1] = w & 0xff;
      }
      return reply(buildReadReplyPdu(data), "reply");
    }
    const field = this.map.fields.find((f) => f.address === address);
    const writable = field?.def.writable;
    if (writable === undefined) return exception(2);
    const old = this.#words.get(address) ?? 0;
    if (this.#quirks.staleAfterWriteMs > 0) {
      this.#stale.set(address, { value: old, until: now + this.#quirks.staleAfterWriteMs });
    }
    this.#words.set(address, request.value);
    const echo = this.#quirks.echoInternalAddress && writable.echo !== undefined
      ? writable.echo
      : address;
    return reply(buildWriteSingleReplyPdu(echo, request.value), "reply");
  }
}

/** The register map of a profile of a defined plugin, by id, name or alias. */
function mapOf(name: string): RegisterMap {
  const profile = findPluginProfile(name, (plugin) => plugin.registerMap !== undefined);
  const plugin = pluginOf(profile);
  const map = plugin.registerMap?.(profile);
  if (map === undefined) {
    throw new ConfigError(
      "CONFIG_INVALID",
      `Cannot serve profile ${profile.id} on Modbus TCP: plugin ${plugin.id} has no register map for it`,
      { path: "profile" },
    );
  }
  return map;
}

function defaultValue(map: RegisterMap, name: string): RegisterValue {
  if (name === map.def.identity?.model) return map.id;
  if (name === map.def.identity?.serial) return "2345000012345678";
  return map.field(name).datatype.integer === null ? "" : 0;
}
