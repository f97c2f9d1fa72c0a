// The simulated station's brain: pure, no I/O. It joins the generic Modbus responder
// (./modbus_responder.ts), the station physics (./station_physics.ts) and the block mapping of
// the profile's plugin (`ProtocolPlugin.simulation`, e.g. src/plugins/bluetti_v2/sim_mapping.ts).
// The room's mod.ts exports its public symbols through ./simulated_station.ts.
import { type Framing, type FramingName, getFraming } from "../protocol/mod.ts";
import { buildReadReply } from "../protocol/build_reply.ts";
import type { ModbusRequest } from "../protocol/mod.ts";
import type { BlockSchema, SchemaRegistry } from "../parser/mod.ts";
import type { ControlRegisterDef } from "../device/control_register.ts";
import { findPluginProfile, pluginOf } from "../plugin/plugin.ts";
import {
  type SimulatedBlocks,
  simulationOf,
  type StationSnapshot,
} from "../plugin/station_simulation.ts";
import { type DeviceProfile, profileBlocks } from "../device/profile.ts";
import {
  type FaultKind,
  type FaultRule,
  FaultSet,
  type FaultSpec,
  seededRandom,
} from "./faults.ts";
import {
  type BankRefusal,
  buildPushFrame,
  ModbusResponder,
  type StationModelStats,
  type StationResponse,
} from "./modbus_responder.ts";
import { StationPhysics } from "./station_physics.ts";

export type { StationSnapshot } from "../plugin/station_simulation.ts";
export type { StationModelStats, StationResponse } from "./modbus_responder.ts";

/**
 * Options of {@linkcode StationModel}.
 *
 * @example A seeded Elite 100 V2 on a fixed clock
 * ```ts
 * import { StationModel, type StationModelOptions } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const options: StationModelOptions = {
 *   profile: "EL100V2",
 *   sn: "EL100V22345000012345",
 *   seed: 7,
 *   now: () => Date.UTC(2025, 5, 1, 12),
 * };
 * assert.equal(new StationModel(options).serialNumber, "2345000012345");
 * ```
 */
export interface StationModelOptions {
  /**
   * The station's profile, or the name, id or alias of a profile of a defined plugin that
   * can be simulated (`"EL100V2"`).
   */
  readonly profile: string | DeviceProfile;
  /**
   * The station's serial number as printed (`EL100V22345000012345`). It must not contain `+`,
   * `#`, `/` or NUL: it goes into MQTT topics.
   */
  readonly sn: string;
  /** The payload framing the station speaks. @default {the profile's `defaultFraming`} */
  readonly framing?: FramingName;
  /**
   * Serve every block of the plugin's registry, not only the profile's. Zero-filled where the
   * simulation has no values (accessories that are not connected). @default {false}
   */
  readonly allBlocks?: boolean;
  /** Seed of every random choice (initial state, noise, fault draws). @default {derived from `sn`} */
  readonly seed?: number;
  /** The clock, in milliseconds since the epoch. @default {Date.now} */
  readonly now?: () => number;
  /** Faults active from the start. @default {none} */
  readonly faults?: FaultSpec;
  /** Called after every change of the active fault rules (an MQTT wrapper restarts its timers). */
  readonly onFaultsChange?: (rules: readonly FaultRule[]) => void;
}

/**
 * A simulated station without any I/O: hand it a request payload in the station's framing, get
 * back the payloads a real station would publish. It joins three parts: the generic Modbus
 * responder (function codes, exceptions, faults), the station physics, and the block mapping
 * of the profile's plugin (`ProtocolPlugin.simulation`; a plugin without one cannot be
 * simulated). The built-in mapping is BLUETTI V2's. Deterministic for a given seed
 * and clock; time is never ticked, the state is computed from the time elapsed since the
 * model was created.
 *
 * What it serves: the blocks of the profile's groups, the blocks that hold a writable register
 * (2000, 2200 on V2), every block of the plugin's registry with `allBlocks`, and single
 * registers the station keeps read directly (2023, 2233 on V2). A read of a block answers `2 x quantity` bytes encoded with the
 * block's schema, clipped to what the schema spans; other registers inside a served block can
 * be read too. An unknown register is exception 2; a quantity of 0 or above 125 exception 3; a
 * write to a register the profile does not allow-list exception 2, a value outside the
 * register's range exception 3. A payload with a bad envelope, a bad CRC, a wrong address or
 * a wrong length gets no reply at all, as on a real station.
 *
 * The state: SOC drifts with the energy flows (loads, solar by time of day, grid charging from
 * 20 % up to the SOC ceiling when grid charging is on), the pack voltage follows SOC
 * (16 cells x 3.20-3.45 V), powers fluctuate smoothly, grid 230 V / 50 Hz, temperatures
 * 20-35 deg C, lifetime energy counters only increase. Writes to the control registers change
 * the flows (AC/DC output off, charging mode, grid charge and feed-in, SOC ceiling, grid
 * limits).
 *
 * @example Read block 100 and decode it
 * ```ts
 * import { StationModel } from "@power-sdk/sdk/testing";
 * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
 * import { buildRequest, getFraming, parseReply, type ReadRequest } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const model = new StationModel({ profile: "EL100V2", sn: "EL100V22345000012345", seed: 1 });
 * const framing = getFraming("rtu");
 * const request: ReadRequest = { function: 0x03, address: framing.deviceAddress, start: 100, quantity: 62 };
 * const [payload] = model.handle(framing.wrap(buildRequest(request), request));
 *
 * const reply = parseReply(framing.unwrap(payload!), request);
 * assert.ok(reply.function === 0x03);
 * const record = createBluettiRegistry().require(100).decode(reply.data);
 * assert.deepEqual(record.warnings, []);
 * assert.equal(record.values.device_model, "EL100V2");
 * assert.equal(record.values.device_serial, "2345000012345");
 * const soc = record.values.soc as number;
 * assert.ok(soc >= 0 && soc <= 100);
 * ```
 *
 * @example Turn the AC output off and read it back from block 2000
 * ```ts
 * import { StationModel } from "@power-sdk/sdk/testing";
 * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
 * import { buildRequest, getFraming, type ModbusRequest, parseReply } from "@power-sdk/sdk/protocol";
 * import assert from "node:assert/strict";
 *
 * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21", framing: "iot-v2" });
 * const framing = getFraming("iot-v2");
 * function ask(request: ModbusRequest) {
 *   const [payload] = model.handle(framing.wrap(buildRequest(request), request));
 *   return parseReply(framing.unwrap(payload!), request);
 * }
 * ask({ function: 0x06, address: 0, register: 2011, value: 0 });
 * const reply = ask({ function: 0x03, address: 0, start: 2000, quantity: 22 });
 * assert.ok(reply.function === 0x03);
 * assert.equal(createBluettiRegistry().require(2000).decode(reply.data).values.ctrl_ac, 0);
 * assert.equal(model.snapshot().acOutputPower, 0);
 * ```
 */
export class StationModel {
  /** The profile the station follows. */
  readonly profile: DeviceProfile;
  /** The serial number as given. */
  readonly sn: string;
  /** The framing the station speaks. */
  readonly framing: Framing;
  /** The model string the blocks carry (`EL100V2`). */
  readonly modelName: string;
  /** The serial as the blocks carry it: a decimal string (`2345000012345`). */
  readonly serialNumber: string;
  /** The block ids the station answers, ascending. */
  readonly blocks: readonly number[];
  /** The registers a write may change: the profile's allow-list. */
  readonly writableRegisters: readonly number[];
  /** The seed in use. */
  readonly seed: number;

  #registry: SchemaRegistry;
  #served: Map<number, BlockSchema>;
  #spans: BlockSchema[];
  #writable: Set<number>;
  #registers = new Map<number, number>();
  #controls = new Map<number, ControlRegisterDef>();
  #mapping: SimulatedBlocks;
  #physics: StationPhysics;
  #faults: FaultSet;
  #responder: ModbusResponder;
  #pushes = 0;
  #foreign = 0;

  /**
   * Builds a station in its initial state (seeded SOC 40-90 %, seeded lifetime counters).
   *
   * @param options Profile, serial, framing, seed, clock, faults.
   * @throws {TypeError} If the serial is empty or contains `+`, `#`, `/` or NUL, or a profile
   * block has no schema in its plugin.
   * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` for an unknown profile name;
   * `CONFIG_INVALID` when the profile's plugin brings no simulation mapping.
   * @throws {ProtocolError} `PROTOCOL_FRAMING` for an unknown framing.
   * @throws {SyntaxError} For a malformed fault spec string.
   * @throws {RangeError} For a fault value out of range or a non-integer seed.
   */
  constructor(options: StationModelOptions) {
    const profile = typeof options.profile === "string"
      ? findPluginProfile(options.profile, (plugin) => plugin.simulation !== undefined)
      : options.profile;
    this.profile = profile;
    this.sn = checkSerial(options.sn);
    const plugin = pluginOf(profile);
    const simulation = simulationOf(plugin);
    this.framing = getFraming(options.framing ?? profile.defaultFraming);
    const seed = options.seed ?? fnv1a32(options.sn);
    if (!Number.isInteger(seed)) {
      throw new RangeError(`Cannot create station model: seed must be an integer, got ${seed}`);
    }
    this.seed = seed;
    const spec = simulation.spec(profile);

    this.#registry = registryFor(profile);
    this.#writable = new Set(profile.writableRegisters);
    this.writableRegisters = Object.freeze([...this.#writable].sort((a, b) => a - b));
    const served = new Map<number, BlockSchema>();
    for (const id of profileBlocks(profile)) {
      const schema = this.#registry.get(id);
      if (schema === undefined) {
        throw new TypeError(
          `Cannot simulate profile ${profile.id}: block ${id} has no schema in plugin ${profile.protocol}`,
        );
      }
      served.set(id, schema);
    }
    for (const schema of this.#registry.list()) {
      const holdsWritable = [...this.#writable].some((r) => inSpan(schema, r));
      if (options.allBlocks === true || holdsWritable) served.set(schema.id, schema);
    }
    this.#served = new Map([...served].sort(([a], [b]) => a - b));
    this.blocks = Object.freeze([...this.#served.keys()]);
    this.#spans = [...this.#served.values()];
    for (const def of plugin.controlRegisters) this.#controls.set(def.register, def);

    // One seeded stream: the physics' noise phases, the mapping's per-station draws, then the
    // physics' history and initial SOC.
    const random = seededRandom(seed);
    let mapping: SimulatedBlocks | undefined;
    this.#physics = new StationPhysics({
      spec,
      now: options.now ?? Date.now,
      random,
      settings: () => mapping!.settings(),
      between: () => {
        mapping = simulation.createStation({
          profile,
          sn: options.sn,
          spec,
          random,
          register: (r) => this.#registers.get(r) ?? 0,
        });
      },
    });
    this.#mapping = mapping!;
    this.modelName = this.#mapping.modelName;
    this.serialNumber = this.#mapping.serialNumber;
    for (const [register, value] of this.#mapping.initialRegisters) {
      this.#registers.set(register, value);
    }
    for (const register of this.#writable) {
      if (!this.#registers.has(register)) this.#registers.set(register, 0);
    }

    this.#faults = new FaultSet(seededRandom(seed ^ 0x5a5a5a5a), options.onFaultsChange);
    if (options.faults !== undefined) this.#faults.add(options.faults);
    this.#responder = new ModbusResponder(
      this.framing,
      {
        read: (start, quantity) => this.#read(start, quantity),
        write: (start, values) => this.#write(start, values),
      },
      this.#faults,
      {
        unsolicited: () => this.unsolicitedFrame(),
        foreign: (request) => this.#foreignReply(request),
        short: () => this.#shortFrame(),
      },
    );
  }

  /**
   * The active fault rules (`count` is what is left); a new frozen array after every change.
   *
   * @example
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21", faults: "silent:2x" });
   * assert.deepEqual(model.faults, [{ kind: "silent", count: 2 }]);
   * ```
   */
  get faults(): readonly FaultRule[] {
    return this.#faults.rules;
  }

  /**
   * The counters so far (a copy).
   *
   * @example
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21" });
   * model.handle(new Uint8Array([1, 2, 3]));
   * assert.equal(model.stats.ignored, 1);
   * ```
   */
  get stats(): StationModelStats {
    return this.#responder.stats;
  }

  /**
   * Adds fault rules; they apply from the next request.
   *
   * @param spec A spec string (see `parseFaultSpec`), a rule or a list of rules.
   * @throws {SyntaxError} For a malformed spec string.
   * @throws {TypeError} For an unknown kind or a field the kind does not take.
   * @throws {RangeError} For a value out of range.
   *
   * @example The next request gets exception 6 (busy)
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import { buildRequest, getFraming, parseReply, type ReadRequest } from "@power-sdk/sdk/protocol";
   * import assert from "node:assert/strict";
   *
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21" });
   * model.injectFault({ kind: "exception", code: 6, count: 1 });
   * const request: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 62 };
   * const frame = buildRequest(request);
   * assert.throws(() => parseReply(model.handle(frame)[0]!, request), { exceptionCode: 6 });
   * assert.equal(parseReply(model.handle(frame)[0]!, request).function, 0x03);
   * ```
   */
  injectFault(spec: FaultSpec): void {
    this.#faults.add(spec);
  }

  /**
   * Removes the active fault rules, all or those of one kind.
   *
   * @param kind Only this kind.
   *
   * @example
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21", faults: "silent,crc:0.5" });
   * model.clearFaults("silent");
   * assert.deepEqual(model.faults.map((f) => f.kind), ["crc"]);
   * model.clearFaults();
   * assert.deepEqual(model.faults, []);
   * ```
   */
  clearFaults(kind?: FaultKind): void {
    this.#faults.clear(kind);
  }

  /**
   * The current value of a control register (or any register written before), or undefined.
   *
   * @param register The register number.
   * @returns Its value.
   *
   * @example
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21" });
   * assert.equal(model.register(2011), 1); // AC output on
   * assert.equal(model.register(9999), undefined);
   * ```
   */
  register(register: number): number | undefined {
    return this.#registers.get(register);
  }

  /**
   * The station's state now (per the clock).
   *
   * @returns The state.
   *
   * @example Energy counters never decrease
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * let now = Date.UTC(2025, 5, 1, 8);
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21", now: () => now });
   * const before = model.snapshot();
   * now += 3_600_000;
   * const after = model.snapshot();
   * assert.ok(after.energy.acOutput >= before.energy.acOutput);
   * assert.ok(after.energy.pv > before.energy.pv); // a sunny morning
   * ```
   */
  snapshot(): StationSnapshot {
    return this.#physics.snapshot();
  }

  /**
   * The data bytes a read of `registers` registers from block `blockId` returns (clipped to
   * what the schema spans), no faults applied.
   *
   * @param blockId A served block.
   * @param registers Registers asked for. @default {the schema's register count}
   * @returns The data bytes, `2 x min(registers, span)` of them.
   * @throws {RangeError} If the block is not served or `registers` is not 1..125.
   *
   * @example
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
   * import assert from "node:assert/strict";
   *
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21" });
   * const data = model.blockData(6000);
   * assert.equal(data.length, 64);
   * const soc = createBluettiRegistry().require(6000).decode(data).values.soc as number;
   * assert.ok(soc >= 0 && soc <= 100);
   * ```
   */
  blockData(blockId: number, registers?: number): Uint8Array {
    const schema = this.#served.get(blockId);
    if (schema === undefined) {
      throw new RangeError(
        `Cannot read block ${blockId}: the station serves ${this.blocks.join(", ")}`,
      );
    }
    const count = registers ?? schema.registerCount;
    if (!Number.isInteger(count) || count < 1 || count > 125) {
      throw new RangeError(`Cannot read block ${blockId}: registers must be 1..125, got ${count}`);
    }
    return this.#encodeBlock(schema, 2 * Math.min(count, schema.registerCount), this.snapshot());
  }

  /**
   * The next unsolicited payload, in the station's framing. Alternates a 0x03 frame carrying 98
   * registers of block 100 (196 bytes, as an AP300 push) and a 0x10 push frame
   * (`addr 10 start qty byte_count data crc`) with its first 62 registers.
   *
   * @returns The payload.
   *
   * @example Neither push looks like the reply to a 62-register read
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import { replyMatches } from "@power-sdk/sdk/protocol";
   * import assert from "node:assert/strict";
   *
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21" });
   * const read = { function: 0x03, address: 1, start: 100, quantity: 62 } as const;
   * const first = model.unsolicitedFrame();
   * const second = model.unsolicitedFrame();
   * assert.deepEqual([first[1], first[2], second[1]], [0x03, 196, 0x10]);
   * assert.equal(replyMatches(read, first), false);
   * assert.equal(replyMatches(read, second), false);
   * ```
   */
  unsolicitedFrame(): Uint8Array {
    const address = this.framing.deviceAddress;
    const push = this.#mapping.push;
    const pushed = push === undefined ? undefined : this.#served.get(push.block);
    const schema = pushed ?? this.#spans[0]!;
    const snap = this.snapshot();
    const n = this.#pushes++;
    if (n % 2 === 0) {
      const registers = pushed !== undefined
        ? push!.readRegisters
        : Math.min(125, schema.registerCount);
      return this.framing.wrapReply(
        buildReadReply(address, this.#encodeBlock(schema, 2 * registers, snap)),
      );
    }
    const registers = Math.min(
      123,
      pushed !== undefined ? push!.pushRegisters : schema.registerCount,
    );
    const data = this.#encodeBlock(schema, 2 * registers, snap);
    return this.framing.wrapReply(buildPushFrame(address, schema.id, data));
  }

  /**
   * Handles one request payload and returns the payloads to publish: usually one reply; none
   * for an invalid payload or a `silent`/`disconnect` fault; unsolicited frames first when an
   * `unsolicited` fault hits. Use {@linkcode StationModel.respond} for the details.
   *
   * @param payload The request payload, in the station's framing.
   * @returns The payloads to publish, in order.
   *
   * @example An unknown block is exception 2
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import { buildRequest, getFraming, parseReply, type ReadRequest } from "@power-sdk/sdk/protocol";
   * import assert from "node:assert/strict";
   *
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21", framing: "v1" });
   * const framing = getFraming("v1");
   * const request: ReadRequest = { function: 0x03, address: 1, start: 9000, quantity: 4 };
   * const [payload] = model.handle(framing.wrap(buildRequest(request), request));
   * assert.throws(() => parseReply(framing.unwrap(payload!), request), {
   *   name: "ModbusExceptionError",
   *   exceptionCode: 2,
   * });
   * ```
   */
  handle(payload: Uint8Array): Uint8Array[] {
    return [...this.respond(payload).payloads];
  }

  /**
   * Handles one request payload and tells what happened: the payloads, the parsed request, the
   * outcome and the faults that hit. A `late` fault only sets `delayMs`; waiting is the
   * caller's business.
   *
   * @param payload The request payload, in the station's framing.
   * @returns The response.
   *
   * @example A late reply
   * ```ts
   * import { StationModel } from "@power-sdk/sdk/testing";
   * import { buildRequest } from "@power-sdk/sdk/protocol";
   * import assert from "node:assert/strict";
   *
   * const model = new StationModel({ profile: "EL100V2", sn: "EL100V21", faults: "late:250ms" });
   * const response = model.respond(buildRequest({ function: 0x03, address: 1, start: 100, quantity: 62 }));
   * assert.equal(response.outcome, "reply");
   * assert.equal(response.delayMs, 250);
   * assert.deepEqual(response.faults, ["late"]);
   * ```
   */
  respond(payload: Uint8Array): StationResponse {
    return this.#responder.respond(payload);
  }

  // --- the register bank the responder serves -------------------------------------------------

  /** The data bytes of a read, or why there are none (exception 2). */
  #read(start: number, quantity: number): Uint8Array | BankRefusal {
    const snap = this.snapshot();
    const schema = this.#served.get(start);
    if (schema !== undefined) {
      return this.#encodeBlock(schema, 2 * Math.min(quantity, schema.registerCount), snap);
    }
    const data = new Uint8Array(2 * quantity);
    const encoded = new Map<number, Uint8Array>();
    for (let i = 0; i < quantity; i++) {
      const register = start + i;
      const holder = this.#spans.find((s) => inSpan(s, register));
      let word: number;
      if (holder !== undefined) {
        let bytes = encoded.get(holder.id);
        if (bytes === undefined) {
          bytes = this.#encodeBlock(holder, 2 * holder.registerCount, snap);
          encoded.set(holder.id, bytes);
        }
        const at = 2 * (register - holder.id);
        word = (bytes[at]! << 8) | bytes[at + 1]!;
      } else {
        const value = this.#registers.get(register);
        if (value === undefined) {
          return {
            code: 2,
            reason:
              `illegal data address: register ${register} is in no block the station serves (${
                this.blocks.join(", ")
              }) and is no control register`,
          };
        }
        word = value;
      }
      data[2 * i] = word >>> 8;
      data[2 * i + 1] = word & 0xff;
    }
    return data;
  }

  #write(start: number, values: readonly number[]): BankRefusal | null {
    const refusal = this.#checkWrite(start, values);
    if (refusal !== null) return refusal;
    // Commit the flows up to now under the old settings first.
    this.#physics.commit();
    values.forEach((value, i) => this.#registers.set(start + i, value));
    return null;
  }

  #checkWrite(
    start: number,
    values: readonly number[],
  ): BankRefusal | null {
    for (let i = 0; i < values.length; i++) {
      const register = start + i;
      if (!this.#writable.has(register)) {
        return {
          code: 2,
          reason:
            `illegal data address: register ${register} is not writable on ${this.profile.id}`,
        };
      }
    }
    for (let i = 0; i < values.length; i++) {
      const register = start + i;
      const value = values[i]!;
      const def = this.#controls.get(register);
      if (def === undefined) continue;
      if (def.kind === "number") {
        const min = def.min ?? 0;
        const max = def.max ?? 0xffff;
        if (value < min || value > max) {
          return {
            code: 3,
            reason:
              `illegal data value: ${def.name} (${register}) must be ${min}..${max}, got ${value}`,
          };
        }
      } else {
        const allowed = Object.values(def.values ?? {});
        if (!allowed.includes(value)) {
          return {
            code: 3,
            reason: `illegal data value: ${def.name} (${register}) must be one of ${
              allowed.join(", ")
            }, got ${value}`,
          };
        }
      }
    }
    return null;
  }

  /**
   * A `foreign` fault: the CRC-valid reply to a read of another block of the profile's groups
   * (round robin), with the register count a client asks that block with.
   */
  #foreignReply(request: ModbusRequest): Uint8Array | null {
    const start = request.function === 0x03 ? request.start : -1;
    const ids = [...new Set(this.profile.groups.flatMap((g) => g.blocks))]
      .filter((id) => id !== start && this.#served.has(id));
    if (ids.length === 0) return null;
    const id = ids[this.#foreign++ % ids.length]!;
    const schema = this.#served.get(id)!;
    const count = Math.min(this.profile.registerCounts[String(id)] ?? schema.registerCount, 125);
    const data = this.#encodeBlock(schema, 2 * count, this.snapshot());
    return this.framing.wrapReply(buildReadReply(this.framing.deviceAddress, data));
  }

  /** A `short` fault: an unsolicited 0x03 frame with the first 3 registers of the push block. */
  #shortFrame(): Uint8Array {
    const push = this.#mapping.push;
    const schema = (push === undefined ? undefined : this.#served.get(push.block)) ??
      this.#spans[0]!;
    const data = this.#encodeBlock(schema, 6, this.snapshot());
    return this.framing.wrapReply(buildReadReply(this.framing.deviceAddress, data));
  }

  // --- block encoding --------------------------------------------------------------------------

  #encodeBlock(schema: BlockSchema, length: number, snap: StationSnapshot): Uint8Array {
    const base = new Uint8Array(length);
    // Registers the station keeps (control registers) go in as raw words; fields over them are
    // not encoded from the state, so a write reads back whatever field sits on the register.
    const owned: [number, number][] = [];
    for (const [register, value] of this.#registers) {
      const at = 2 * (register - schema.id);
      if (at < 0 || at + 2 > length) continue;
      base[at] = value >>> 8;
      base[at + 1] = value & 0xff;
      owned.push([at, at + 2]);
    }
    const flat = this.#mapping.values(schema.id, snap, this.#physics);
    const values: Record<string, unknown> = {};
    for (const field of schema.fields) {
      if (field.end > length) continue;
      if (owned.some(([from, to]) => field.offset < to && field.end > from)) continue;
      const value = flat[field.path];
      if (value === undefined) continue;
      const dot = field.path.indexOf(".");
      if (dot < 0) {
        values[field.path] = value;
      } else {
        const group = field.path.slice(0, dot);
        ((values[group] ??= {}) as Record<string, unknown>)[field.path.slice(dot + 1)] = value;
      }
    }
    return schema.encode(values, { length, base });
  }
}

// --- helpers ---------------------------------------------------------------------------------

// deno-lint-ignore no-control-regex -- NUL is exactly what must be refused
const TOPIC_FORBIDDEN = /[+#/\u0000]/;

/** Checks a serial that goes into MQTT topics. */
export function checkSerial(sn: string): string {
  if (typeof sn !== "string" || sn.length === 0) {
    throw new TypeError(`Cannot simulate station: the serial must be a non-empty string`);
  }
  const bad = TOPIC_FORBIDDEN.exec(sn);
  if (bad !== null) {
    throw new TypeError(
      `Cannot simulate station: the serial goes into MQTT topics and must not contain ${
        bad[0] === "\u0000" ? "NUL" : `'${bad[0]}'`
      }, got ${JSON.stringify(sn)}`,
    );
  }
  return sn;
}

function inSpan(schema: BlockSchema, register: number): boolean {
  return register >= schema.id && register < schema.id + schema.registerCount;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

// Compiled schemas are read-only here: models of one profile share them (a fleet of 1,000
// stations would otherwise compile 45,000 decoders at start).
const REGISTRIES = new WeakMap<DeviceProfile, SchemaRegistry>();

function registryFor(profile: DeviceProfile): SchemaRegistry {
  let registry = REGISTRIES.get(profile);
  if (!registry) {
    registry = pluginOf(profile).createRegistry(profile);
    REGISTRIES.set(profile, registry);
  }
  return registry;
}
