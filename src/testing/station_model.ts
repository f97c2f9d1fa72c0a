// The simulated station's brain: pure, no I/O (the room's mod.ts exports its public symbols
// through ./simulated_station.ts).
import { ProtocolError } from "../errors/errors.ts";
import {
  crc16Modbus,
  type Framing,
  type FramingName,
  getFraming,
  type ModbusRequest,
} from "../protocol/mod.ts";
import {
  buildExceptionReply,
  buildReadReply,
  buildWriteMultipleReply,
  buildWriteSingleReply,
} from "../protocol/build_reply.ts";
import { parseRequest } from "../protocol/parse_request.ts";
import type { BlockSchema, SchemaRegistry } from "../parser/mod.ts";
import type { ControlRegisterDef } from "../device/control_register.ts";
import { pluginOf } from "../plugin/plugin.ts";
import { type DeviceProfile, profileBlocks } from "../device/profile.ts";
import { getProfile } from "../../profiles/mod.ts";
import {
  type FaultKind,
  type FaultRule,
  FaultSet,
  type FaultSpec,
  seededRandom,
} from "./faults.ts";

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
  /** The station's profile, or the name, id or alias of a built-in one (`"EL100V2"`). */
  readonly profile: string | DeviceProfile;
  /**
   * The station's serial number as printed (`EL100V22345000012345`). It must not contain `+`,
   * `#`, `/` or NUL: it goes into MQTT topics.
   */
  readonly sn: string;
  /** The payload framing the station speaks. @default {the profile's `defaultFraming`} */
  readonly framing?: FramingName;
  /**
   * Serve every block of the BLUETTI V2 registry, not only the profile's. Zero-filled where the
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
 * The physical state of a simulated station at one instant. Energies are lifetime counters in
 * kWh, floored to 0.1 kWh as the station reports them, and never decrease.
 *
 * @example Read the state
 * ```ts
 * import { StationModel } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const state = new StationModel({ profile: "EL30V2", sn: "EL30V21" }).snapshot();
 * assert.ok(state.soc >= 0 && state.soc <= 100);
 * assert.ok(state.packVoltage > 50 && state.packVoltage < 56);
 * ```
 */
export interface StationSnapshot {
  /** The clock time, ms since the epoch. */
  readonly time: number;
  /** State of charge, %, 0..100 with 0.1 % resolution. */
  readonly soc: number;
  /** Pack voltage, V (16 cells, 3.20–3.45 V each). */
  readonly packVoltage: number;
  /** Pack current, A, a magnitude (direction in `chargingStatus`). */
  readonly packCurrent: number;
  /** Power into the battery, W: positive while charging, negative while discharging. */
  readonly batteryPower: number;
  /** Whether the pack is charging, discharging or idle (|power| below 5 W). */
  readonly chargingStatus: "idle" | "charging" | "discharging";
  /** AC output power, W. */
  readonly acOutputPower: number;
  /** DC output power, W. */
  readonly dcOutputPower: number;
  /** Solar input power, W. */
  readonly pvPower: number;
  /** Grid power, W: positive when importing, negative when feeding in. */
  readonly gridPower: number;
  /** Grid voltage, V (about 230). */
  readonly gridVoltage: number;
  /** Grid frequency, Hz (about 50). */
  readonly gridFrequency: number;
  /** Ambient temperature, °C. */
  readonly ambientTemperature: number;
  /** Battery temperature, °C (20–35). */
  readonly batteryTemperature: number;
  /** Inverter temperature, °C (20–35). */
  readonly inverterTemperature: number;
  /** Lifetime energy counters, kWh. */
  readonly energy: {
    /** Energy delivered by the AC outputs. */
    readonly acOutput: number;
    /** Energy delivered by the DC outputs. */
    readonly dcOutput: number;
    /** Solar energy taken in. */
    readonly pv: number;
    /** Energy imported from the grid (charging and pass-through). */
    readonly gridImport: number;
    /** Energy fed into the grid. */
    readonly feedIn: number;
    /** Energy stored into the pack. */
    readonly packCharge: number;
    /** Energy taken out of the pack. */
    readonly packDischarge: number;
    /** Solar energy delivered straight to the AC outputs. */
    readonly pvToAc: number;
  };
}

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

// --- physical model --------------------------------------------------------------------------

interface ModelSpec {
  readonly name: string;
  readonly capacityWh: number;
  readonly maxAcW: number;
  readonly maxPvW: number;
  readonly maxGridW: number;
}

const MODEL_SPECS: Readonly<Record<string, ModelSpec>> = {
  EL30V2: { name: "EL30V2", capacityWh: 288, maxAcW: 600, maxPvW: 200, maxGridW: 500 },
  EL100V2: { name: "EL100V2", capacityWh: 1024, maxAcW: 1800, maxPvW: 500, maxGridW: 1000 },
  ELITE200V2: {
    name: "ELITE200V2",
    capacityWh: 2073.6,
    maxAcW: 2000,
    maxPvW: 800,
    maxGridW: 1500,
  },
};

const CELLS = 16;
const STEP_MS = 5_000;
const COARSE_STEP_MS = 300_000;
/** Beyond this many fine steps in one jump, integrate in coarse steps. */
const MAX_FINE_STEPS = 100_000;
const INVERTER_EFFICIENCY = 0.92;
const DC_EFFICIENCY = 0.95;
const CHARGE_EFFICIENCY = 0.96;
/** Grid charging starts at or below this SOC (when allowed) and runs up to the ceiling. */
const GRID_CHARGE_START_SOC = 20;
/** Below this SOC the AC load is passed through from the grid (when grid charging is on). */
const PASSTHROUGH_SOC = 10;

/** Charging power as a share of the model's grid maximum, per charging mode (register 2020). */
const MODE_FACTOR: Readonly<Record<number, number>> = { 0: 0.6, 1: 0.3, 2: 1, 4: 0.5 };

/** Noise channels: base period in seconds. */
const NOISE_PERIODS = {
  acLoad: 3600,
  dcLoad: 2400,
  clouds: 1800,
  ambient: 7200,
  gridVoltage: 600,
  gridFrequency: 120,
  inverterVoltage: 300,
} as const;
type NoiseChannel = keyof typeof NOISE_PERIODS;

interface Energy {
  acOutput: number;
  dcOutput: number;
  pv: number;
  gridImport: number;
  feedIn: number;
  packCharge: number;
  packDischarge: number;
  pvToAc: number;
}

interface PhysState {
  /** Ms after the start, a multiple of STEP_MS. */
  at: number;
  socWh: number;
  gridCharging: boolean;
  energy: Energy;
}

interface Flows {
  ac: number;
  dc: number;
  pv: number;
  pvToAc: number;
  passthrough: number;
  gridCharge: number;
  feedIn: number;
  battery: number;
}

// --- the model -------------------------------------------------------------------------------

/**
 * A simulated BLUETTI V2 station without any I/O: hand it a request payload in the station's
 * framing, get back the payloads a real station would publish. Deterministic for a given seed
 * and clock; time is never ticked, the state is computed from the time elapsed since the
 * model was created.
 *
 * What it serves: the blocks of the profile's groups, the blocks that hold a writable register
 * (2000, 2200), every built-in block with `allBlocks`, and single control registers read
 * directly (2023, 2233). A read of a block answers `2 × quantity` bytes encoded with the
 * block's schema, clipped to what the schema spans; other registers inside a served block can
 * be read too. An unknown register is exception 2; a quantity of 0 or above 125 exception 3; a
 * write to a register the profile does not allow-list exception 2, a value outside the
 * register's range exception 3. A payload with a bad envelope, a bad CRC, a wrong address or
 * a wrong length gets no reply at all, as on a real station.
 *
 * The state: SOC drifts with the energy flows (loads, solar by time of day, grid charging from
 * 20 % up to the SOC ceiling when grid charging is on), the pack voltage follows SOC
 * (16 cells × 3.20–3.45 V), powers fluctuate smoothly, grid 230 V / 50 Hz, temperatures
 * 20–35 °C, lifetime energy counters only increase. Writes to the control registers change
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
  /** The model string in block 100 (`EL100V2`). */
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
  #spec: ModelSpec;
  #now: () => number;
  #start: number;
  #state: PhysState;
  #phases: Record<NoiseChannel, [number, number, number]>;
  #cellOffsets: number[];
  #soh: number;
  #priorYearsWh: number;
  #packSerial: string;
  #iotSerial: string;
  #faults: FaultSet;
  #pushes = 0;
  #foreign = 0;
  #lastReply: Uint8Array | null = null;
  #stats = { requests: 0, replies: 0, exceptions: 0, ignored: 0, faults: 0 };

  /**
   * Builds a station in its initial state (seeded SOC 40–90 %, seeded lifetime counters).
   *
   * @param options Profile, serial, framing, seed, clock, faults.
   * @throws {TypeError} If the serial is empty or contains `+`, `#`, `/` or NUL, or a profile
   * block has no BLUETTI V2 schema.
   * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` for an unknown profile name.
   * @throws {ProtocolError} `PROTOCOL_FRAMING` for an unknown framing.
   * @throws {SyntaxError} For a malformed fault spec string.
   * @throws {RangeError} For a fault value out of range or a non-integer seed.
   */
  constructor(options: StationModelOptions) {
    const profile = typeof options.profile === "string"
      ? getProfile(options.profile)
      : options.profile;
    this.profile = profile;
    this.sn = checkSerial(options.sn);
    this.framing = getFraming(options.framing ?? profile.defaultFraming);
    const seed = options.seed ?? fnv1a32(options.sn);
    if (!Number.isInteger(seed)) {
      throw new RangeError(`Cannot create station model: seed must be an integer, got ${seed}`);
    }
    this.seed = seed;
    this.#now = options.now ?? Date.now;
    this.#spec = specFor(profile);
    this.modelName = this.#spec.name;
    this.serialNumber = serialDigits(options.sn, [this.modelName, profile.id]);
    this.#packSerial = derivedSerial(`${options.sn}:pack`);
    this.#iotSerial = derivedSerial(`${options.sn}:iot`);

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

    for (const def of pluginOf(profile).controlRegisters) this.#controls.set(def.register, def);
    for (const [register, value] of defaultRegisters(this.#spec)) {
      this.#registers.set(register, value);
    }
    for (const register of this.#writable) {
      if (!this.#registers.has(register)) this.#registers.set(register, 0);
    }

    const random = seededRandom(seed);
    const phase = () => [0, 0, 0].map(() => random() * 2 * Math.PI) as [number, number, number];
    this.#phases = {
      acLoad: phase(),
      dcLoad: phase(),
      clouds: phase(),
      ambient: phase(),
      gridVoltage: phase(),
      gridFrequency: phase(),
      inverterVoltage: phase(),
    };
    this.#cellOffsets = Array.from({ length: CELLS }, () => Math.round((random() - 0.5) * 16));
    this.#soh = 96 + Math.floor(random() * 5);
    const historyWh = (20 + random() * 200) * 1000;
    const initialSoc = 40 + random() * 50;
    this.#priorYearsWh = historyWh * 0.6 * 0.6;
    this.#start = this.#now();
    this.#state = {
      at: 0,
      socWh: this.#spec.capacityWh * initialSoc / 100,
      gridCharging: false,
      energy: {
        acOutput: historyWh * 0.6,
        dcOutput: historyWh * 0.05,
        pv: historyWh * 0.3,
        gridImport: historyWh * 0.45,
        feedIn: 0,
        packCharge: historyWh * 0.65,
        packDischarge: historyWh * 0.62,
        pvToAc: historyWh * 0.12,
      },
    };
    this.#faults = new FaultSet(seededRandom(seed ^ 0x5a5a5a5a), options.onFaultsChange);
    if (options.faults !== undefined) this.#faults.add(options.faults);
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
    return { ...this.#stats };
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
    const time = this.#now();
    const elapsed = Math.max(time - this.#start, this.#state.at);
    this.#advance(elapsed);
    const state = cloneState(this.#state);
    const partial = elapsed - state.at;
    if (partial > 0) this.#step(state, partial);
    const flows = this.#flows(elapsed, state);
    return this.#describe(this.#start + elapsed, state, flows);
  }

  /**
   * The data bytes a read of `registers` registers from block `blockId` returns (clipped to
   * what the schema spans), no faults applied.
   *
   * @param blockId A served block.
   * @param registers Registers asked for. @default {the schema's register count}
   * @returns The data bytes, `2 × min(registers, span)` of them.
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
    const schema = this.#served.get(100) ?? this.#spans[0]!;
    const snap = this.snapshot();
    const n = this.#pushes++;
    if (n % 2 === 0) {
      const registers = schema.id === 100 ? 98 : Math.min(125, schema.registerCount);
      return this.framing.wrapReply(
        buildReadReply(address, this.#encodeBlock(schema, 2 * registers, snap)),
      );
    }
    const registers = Math.min(123, schema.id === 100 ? 62 : schema.registerCount);
    const data = this.#encodeBlock(schema, 2 * registers, snap);
    const frame = new Uint8Array(9 + data.length);
    frame[0] = address;
    frame[1] = 0x10;
    frame[2] = schema.id >>> 8;
    frame[3] = schema.id & 0xff;
    frame[4] = 0;
    frame[5] = registers;
    frame[6] = data.length;
    frame.set(data, 7);
    const crc = crc16Modbus(frame, 0, frame.length - 2);
    frame[frame.length - 2] = crc & 0xff;
    frame[frame.length - 1] = crc >>> 8;
    return this.framing.wrapReply(frame);
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
    if (!(payload instanceof Uint8Array)) {
      throw new TypeError(`Cannot handle request: payload must be a Uint8Array`);
    }
    this.#stats.requests++;
    const address = this.framing.deviceAddress;
    let frame: Uint8Array;
    try {
      frame = this.framing.unwrapRequest(payload);
    } catch (error) {
      return this.#ignored(null, reasonOf(error));
    }
    if (frame.length >= 1 && frame[0] !== address) {
      return this.#ignored(null, `address ${frame[0]} is not the station's ${address}`);
    }
    let request: ModbusRequest;
    try {
      request = parseRequest(frame);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      switch (error.code) {
        case "PROTOCOL_FUNCTION_MISMATCH":
          return this.#refuse(null, frame[1]!, 1, reasonOf(error));
        case "PROTOCOL_BYTE_COUNT":
          return this.#refuse(null, frame[1]!, 3, reasonOf(error));
        case "PROTOCOL_INVALID_REQUEST": {
          const quantity = (frame[4]! << 8) | frame[5]!;
          const badQuantity = frame[1] === 0x03
            ? quantity < 1 || quantity > 125
            : quantity < 1 || quantity > 123;
          return this.#refuse(null, frame[1]!, badQuantity ? 3 : 2, reasonOf(error));
        }
        default:
          return this.#ignored(null, reasonOf(error));
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

  // --- request execution -----------------------------------------------------------------------

  #execute(request: ModbusRequest): {
    frame: Uint8Array;
    exception: number | null;
    reason: string | null;
  } {
    const address = this.framing.deviceAddress;
    const refuse = (code: number, reason: string) => ({
      frame: buildExceptionReply(address, request.function, code),
      exception: code,
      reason,
    });
    switch (request.function) {
      case 0x03: {
        const data = this.#read(request.start, request.quantity);
        if (typeof data === "string") return refuse(2, data);
        return { frame: buildReadReply(address, data), exception: null, reason: null };
      }
      case 0x06: {
        const problem = this.#checkWrite(request.register, [request.value]);
        if (problem !== null) return refuse(problem.code, problem.reason);
        this.#apply(request.register, [request.value]);
        return {
          frame: buildWriteSingleReply(address, request.register, request.value),
          exception: null,
          reason: null,
        };
      }
      case 0x10: {
        const problem = this.#checkWrite(request.start, request.values);
        if (problem !== null) return refuse(problem.code, problem.reason);
        this.#apply(request.start, request.values);
        return {
          frame: buildWriteMultipleReply(address, request.start, request.values.length),
          exception: null,
          reason: null,
        };
      }
    }
  }

  /** The data bytes of a read, or why there are none (exception 2). */
  #read(start: number, quantity: number): Uint8Array | string {
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
          return `illegal data address: register ${register} is in no block the station serves (${
            this.blocks.join(", ")
          }) and is no control register`;
        }
        word = value;
      }
      data[2 * i] = word >>> 8;
      data[2 * i + 1] = word & 0xff;
    }
    return data;
  }

  #checkWrite(
    start: number,
    values: readonly number[],
  ): { code: number; reason: string } | null {
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

  #apply(start: number, values: readonly number[]): void {
    // Commit the flows up to now under the old settings first.
    this.#advance(Math.max(this.#now() - this.#start, this.#state.at));
    values.forEach((value, i) => this.#registers.set(start + i, value));
  }

  #ignored(request: ModbusRequest | null, reason: string): StationResponse {
    this.#stats.ignored++;
    return {
      payloads: [],
      reply: null,
      unsolicited: [],
      request,
      outcome: "ignored",
      reason,
      delayMs: 0,
      downtimeMs: null,
      faults: [],
    };
  }

  /** An exception reply to a frame that did not parse (no faults drawn). */
  #refuse(
    request: ModbusRequest | null,
    functionCode: number,
    code: number,
    reason: string,
  ): StationResponse {
    this.#stats.exceptions++;
    this.#stats.replies++;
    const reply = this.framing.wrapReply(
      buildExceptionReply(this.framing.deviceAddress, functionCode & 0x7f || 1, code),
    );
    return {
      payloads: [reply],
      reply,
      unsolicited: [],
      request,
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
    decision: ReturnType<FaultSet["decide"]>,
  ): StationResponse {
    let rtu = frame;
    if (decision.truncated) rtu = rtu.slice(0, Math.max(3, rtu.length >>> 1));
    if (decision.crc) {
      rtu = rtu.slice();
      rtu[rtu.length - 1]! ^= 0xff;
    }
    this.#stats.replies++;
    const extras: Uint8Array[] = [];
    for (let i = 0; i < decision.unsolicited; i++) extras.push(this.unsolicitedFrame());
    for (let i = 0; i < decision.foreign; i++) {
      const other = this.#foreignReply(request);
      if (other !== null) extras.push(other);
    }
    for (let i = 0; i < decision.short; i++) extras.push(this.#shortFrame());
    if (decision.duplicate && this.#lastReply !== null) extras.push(this.#lastReply);
    const reply = this.framing.wrapReply(rtu);
    this.#lastReply = reply;
    return this.#result(
      request,
      reply,
      extras,
      outcome,
      reason,
      decision.delayMs,
      decision,
    );
  }

  #result(
    request: ModbusRequest,
    reply: Uint8Array | null,
    unsolicited: Uint8Array[],
    outcome: StationResponse["outcome"],
    reason: string | null,
    delayMs: number,
    decision: ReturnType<FaultSet["decide"]>,
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

  /** A `short` fault: an unsolicited 0x03 frame with the first 3 registers of block 100. */
  #shortFrame(): Uint8Array {
    const schema = this.#served.get(100) ?? this.#spans[0]!;
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
    const flat = this.#values(schema.id, snap);
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

  /** Field path → value for a block, from the state; fields left out stay zero. */
  #values(blockId: number, s: StationSnapshot): Record<string, unknown> {
    const e = s.energy;
    const charging = s.chargingStatus === "charging"
      ? 1
      : s.chargingStatus === "discharging"
      ? 2
      : 0;
    const soc = Math.round(s.soc);
    const reg = (r: number) => this.#registers.get(r) ?? 0;
    const acOn = reg(2011) === 1;
    const capacity = this.#spec.capacityWh;
    const ceiling = reg(2023) || 100;
    const timeToFull = s.batteryPower > 5
      ? Math.min(
        5999,
        Math.round(Math.max(0, ceiling - s.soc) / 100 * capacity / s.batteryPower * 60),
      )
      : 0;
    const timeToEmpty = s.batteryPower < -5
      ? Math.min(5999, Math.round(s.soc / 100 * capacity / -s.batteryPower * 60))
      : 0;
    const consumption = s.acOutputPower + s.dcOutputPower;
    const fromGrid = Math.max(0, s.gridPower);
    const selfSufficiency = consumption <= 0
      ? 100
      : Math.round(100 * Math.max(0, Math.min(1, 1 - fromGrid / consumption)));
    const inverterVoltage = round(230 + 0.8 * this.#noise("inverterVoltage", s.time), 1);
    const acCurrent = round(s.acOutputPower / inverterVoltage, 1);
    const year = new Date(s.time).getUTCFullYear();
    const month = new Date(s.time).getUTCMonth();
    const yearEnergy = floorTenth(Math.max(0, e.acOutput - this.#priorYearsWh / 1000));
    switch (blockId) {
      case 100:
        return {
          pack_voltage: s.packVoltage,
          pack_current: s.packCurrent,
          soc,
          charging_status: charging,
          time_to_full: timeToFull,
          time_to_empty: timeToEmpty,
          pack_aging_info: 0,
          pack_count: 1,
          pack_online: 1,
          can_bus_fault: 0,
          device_model: this.modelName,
          device_serial: this.serialNumber,
          inv_number: 1,
          inv_online: 1,
          inv_power_type: 1,
          energy_lines: 0,
          ctrl_status: 0,
          grid_parallel_soc: 0,
          total_dc_power: s.dcOutputPower,
          total_ac_power: s.acOutputPower,
          pv_power: s.pvPower,
          grid_power: s.gridPower,
          total_inv_power: s.acOutputPower,
          total_dc_energy: e.dcOutput,
          total_ac_energy: e.acOutput,
          pv_charge_energy: e.pv,
          total_grid_charge_energy: e.gridImport,
          total_feedback_energy: e.feedIn,
          charging_mode: reg(2020),
          inv_working_status: acOn ? 3 : 1,
          pv_to_ac_energy: e.pvToAc,
          self_sufficiency_rate: selfSufficiency,
          pv_to_ac_power: Math.round(Math.min(s.pvPower, s.acOutputPower)),
          pack_dsg_energy_total: e.packDischarge,
          rate_voltage: 230,
          rate_frequency: 50,
          component_online: 0x21,
        };
      case 1100:
        return {
          inv_id: 0,
          inv_type: this.modelName,
          inv_sn: this.serialNumber,
          inv_power_type: 1,
          software_number: 2,
          software_0_module_id: 1,
          software_0_version: 4031,
          software_1_module_id: 2,
          software_1_version: 3022,
          ambient_temp: s.ambientTemperature,
          inv_max_temp: s.inverterTemperature,
          pv_dcdc_max_temp: Math.min(
            35,
            s.ambientTemperature + Math.round(6 * s.pvPower / this.#spec.maxPvW),
          ),
          fault_code: 0,
        };
      case 1300:
        return {
          frequency: round(s.gridFrequency, 1),
          total_grid_power: s.gridPower,
          total_charge_energy: e.gridImport,
          total_feedback_energy: e.feedIn,
          sys_phase_number: 1,
          phase_0_power: s.gridPower,
          phase_0_voltage: round(s.gridVoltage, 1),
          phase_0_current: round(s.gridPower / s.gridVoltage, 1),
          phase_0_apparent: Math.round(Math.abs(s.gridPower) * 1.02),
        };
      case 1400: {
        const p5 = Math.round(s.dcOutputPower * 0.2);
        const p12 = Math.round(s.dcOutputPower * 0.5);
        const p24 = Math.round(s.dcOutputPower) - p5 - p12;
        return {
          dc_total_power: s.dcOutputPower,
          dc_total_energy: e.dcOutput,
          load_5v_power: p5,
          load_5v_current: round(p5 / 5, 1),
          load_12v_power: p12,
          load_12v_current: round(p12 / 12, 1),
          load_24v_power: p24,
          load_24v_current: round(p24 / 24, 1),
          dc_total_voltage: s.dcOutputPower > 0 ? 13.2 : 0,
          dc_total_current: round(s.dcOutputPower / 13.2, 1),
          ac_total_power: s.acOutputPower,
          ac_total_energy: e.acOutput,
          sys_phase_number: 1,
          phase_0_power: s.acOutputPower,
          phase_0_voltage: acOn ? inverterVoltage : 0,
          phase_0_current: acCurrent,
          phase_0_apparent: Math.round(s.acOutputPower * 1.03),
        };
      }
      case 1500:
        return {
          frequency: acOn ? 50 : 0,
          total_energy: e.acOutput,
          sys_phase_number: 1,
          phase_0_work_status: acOn ? 3 : 0,
          phase_0_power: s.acOutputPower,
          phase_0_voltage: acOn ? inverterVoltage : 0,
          phase_0_current: acCurrent,
        };
      case 2000:
        return {
          inv_address: 1,
          working_mode: 0,
          ctrl_led: 1,
          ctrl_grid_chg: reg(2207),
          ctrl_pv: 1,
          ctrl_inverter: 1,
        };
      case 2200:
        return {
          adv_login_password: "000000",
          inv_voltage: 1,
          inv_freq: 0,
          chg_max_voltage: 57.6,
          pv_chg_max_current: round(this.#spec.maxPvW / 40, 1),
          grid_max_current: round(reg(2213) / 230, 1),
        };
      case 3500:
        return {
          energy_type: 0,
          total_energy: e.acOutput,
          year0_year: year,
          year0_energy: yearEnergy,
          year1_year: year - 1,
          year1_energy: floorTenth(this.#priorYearsWh / 1000 * 2 / 3),
          year2_year: year - 2,
          year2_energy: floorTenth(this.#priorYearsWh / 1000 / 3),
        };
      case 3600:
        return {
          energy_type: 0,
          year,
          total_year_energy: yearEnergy,
          month0_energy: month === 0 ? yearEnergy : 0,
          month1_energy: month === 1 ? yearEnergy : 0,
          month2_energy: month === 2 ? yearEnergy : 0,
        };
      case 6000:
        return {
          pack_volt_type: 0,
          pack_count: 1,
          pack_online: 1,
          voltage: s.packVoltage,
          current: s.packCurrent,
          soc,
          soh: this.#soh,
          temp_avg: s.batteryTemperature,
          running_status: 34,
          charging_status: charging,
          max_charge_voltage: 57.6,
          max_charge_current: round(this.#spec.maxGridW / 50, 1),
          max_discharge_current: round(this.#spec.maxAcW / 45, 1),
          pack_mos: 3,
          time_to_full: timeToFull,
          time_to_empty: timeToEmpty,
          pack_total_chg_energy: e.packCharge,
          pack_total_dsg_energy: e.packDischarge,
          temp_max: Math.min(35, s.batteryTemperature + 1),
          temp_min: Math.max(20, s.batteryTemperature - 1),
          pack_fault_bits: 0,
        };
      case 6100:
        return {
          pack_id: 1,
          pack_type: this.modelName,
          pack_sn: this.#packSerial,
          voltage: s.packVoltage,
          current: s.packCurrent,
          pack_soc: soc,
          pack_soh: this.#soh,
          average_temp: s.batteryTemperature,
          running_status: 34,
          charging_status: charging,
          pack_cap_online: 1,
          total_cell_cnt: CELLS,
          ntc_cell_cnt: 4,
          bmu_cnt: 1,
          bmu_fault_bit: 0,
          dcdc_protect: 0,
          bmu_type: 1,
          software_0_module_id: 5,
          software_0_version: 1012,
          fm_ver_diff: 0,
          mcu_status: 0,
          pack_type_diff: 0,
          software_number: 1,
        };
      case 6300: {
        const cells: Record<string, unknown> = { cell_count: CELLS, ntc_count: 4 };
        const mean = s.packVoltage / CELLS;
        for (let i = 0; i < CELLS; i++) {
          cells[`cell_voltage_${i + 1}`] = round(mean + this.#cellOffsets[i]! / 1000, 3);
        }
        for (let i = 1; i <= 4; i++) {
          cells[`ntc_temp_${i}`] = Math.min(35, s.batteryTemperature + (i % 2));
        }
        return cells;
      }
      case 7000:
        return { pack_id: 1, pack_parallel_number: 1 };
      case 11000:
        return {
          iot_model: "IOT",
          iot_sn: this.#iotSerial,
          iot_software_ver: 1030,
          rf_ver: 0,
          ctrl_status: 0,
        };
      case 12002:
        return { wifi_ssid: "PowerSDK-Simulated", wifi_password: "simulated-only" };
      case 19000:
        return {
          grid_charge_threshold: GRID_CHARGE_START_SOC,
          ups_mode_threshold: PASSTHROUGH_SOC,
          battery_protect_threshold: 5,
        };
      case 29770:
        return { is_supported: 1, software_version_total: 1 };
      default:
        return {};
    }
  }

  // --- physics ---------------------------------------------------------------------------------

  /** Commits whole steps up to `elapsed` ms after the start. */
  #advance(elapsed: number): void {
    const state = this.#state;
    while (elapsed - state.at >= STEP_MS) {
      const coarse = elapsed - state.at > STEP_MS * MAX_FINE_STEPS;
      this.#step(state, coarse ? COARSE_STEP_MS : STEP_MS);
    }
  }

  /** Integrates `dtMs` from `state.at` and moves `state.at` on. */
  #step(state: PhysState, dtMs: number): void {
    const flows = this.#flows(state.at, state);
    const hours = dtMs / 3_600_000;
    const capacity = this.#spec.capacityWh;
    state.socWh = Math.min(capacity, Math.max(0, state.socWh + flows.battery * hours));
    const e = state.energy;
    e.acOutput += flows.ac * hours;
    e.dcOutput += flows.dc * hours;
    e.pv += flows.pv * hours;
    e.gridImport += (flows.passthrough + flows.gridCharge) * hours;
    e.feedIn += flows.feedIn * hours;
    e.pvToAc += flows.pvToAc * hours;
    if (flows.battery > 0) e.packCharge += flows.battery * hours;
    else e.packDischarge -= flows.battery * hours;
    state.at += dtMs;
    const soc = 100 * state.socWh / capacity;
    const gridOn = this.#registers.get(2207) === 1;
    const ceiling = this.#registers.get(2023) || 100;
    if (!state.gridCharging && gridOn && soc <= GRID_CHARGE_START_SOC) state.gridCharging = true;
    else if (state.gridCharging && (!gridOn || soc >= ceiling)) state.gridCharging = false;
  }

  /** The energy flows, W, at `elapsed` ms after the start in `state`. */
  #flows(elapsed: number, state: PhysState): Flows {
    const spec = this.#spec;
    const time = this.#start + elapsed;
    const reg = (r: number) => this.#registers.get(r) ?? 0;
    const soc = 100 * state.socWh / spec.capacityWh;
    const ceiling = reg(2023) || 100;
    const unit = (channel: NoiseChannel) => 0.5 + 0.5 * this.#noise(channel, time);

    let ac = reg(2011) === 1 ? spec.maxAcW * (0.04 + 0.4 * unit("acLoad") ** 2) : 0;
    let dc = reg(2012) === 1 ? 8 + 70 * unit("dcLoad") : 0;
    const pvAvailable = spec.maxPvW * daylight(time) * (0.5 + 0.5 * unit("clouds"));
    const gridOn = reg(2207) === 1;
    const gridCap = Math.min(spec.maxGridW, reg(2213) || spec.maxGridW);
    const passthrough = gridOn && (state.gridCharging || soc <= PASSTHROUGH_SOC)
      ? Math.min(ac, gridCap)
      : 0;
    let gridCharge = state.gridCharging && soc < ceiling
      ? Math.max(
        0,
        Math.min(gridCap - passthrough, (MODE_FACTOR[reg(2020)] ?? 0.6) * spec.maxGridW),
      )
      : 0;
    let pv = pvAvailable;
    const draw = () => (ac - passthrough) / INVERTER_EFFICIENCY + dc / DC_EFFICIENCY;
    const supply = () => pv * CHARGE_EFFICIENCY + gridCharge * INVERTER_EFFICIENCY;
    let feedIn = 0;
    if (soc >= ceiling && supply() > draw()) {
      // Full: no grid charging, solar curtailed to the load, the surplus fed in when allowed.
      gridCharge = 0;
      pv = Math.min(pvAvailable, draw() / CHARGE_EFFICIENCY);
      if (reg(2208) === 1) {
        feedIn = Math.min((pvAvailable - pv) * INVERTER_EFFICIENCY, reg(2215));
        pv += feedIn / INVERTER_EFFICIENCY;
      }
    } else if (soc <= 0 && draw() > supply()) {
      // Empty: the outputs get what solar and grid deliver.
      const share = draw() > 0 ? supply() / draw() : 0;
      ac = passthrough + (ac - passthrough) * share;
      dc *= share;
    }
    const battery = pv * CHARGE_EFFICIENCY + gridCharge * INVERTER_EFFICIENCY - draw() -
      feedIn / INVERTER_EFFICIENCY * CHARGE_EFFICIENCY;
    const pvToAc = Math.min(pv, Math.max(0, ac - passthrough));
    return { ac, dc, pv, pvToAc, passthrough, gridCharge, feedIn, battery };
  }

  #describe(time: number, state: PhysState, flows: Flows): StationSnapshot {
    const spec = this.#spec;
    const soc = 100 * state.socWh / spec.capacityWh;
    const load = Math.max(-1, Math.min(1, flows.battery / 1000));
    const cell = Math.max(3.2, Math.min(3.45, 3.2 + 0.23 * soc / 100 + 0.02 * load));
    const packVoltage = round(CELLS * cell, 2);
    const batteryPower = Math.round(flows.battery);
    const ambient = 24 + 3 * this.#noise("ambient", time);
    const clampTemp = (t: number) => Math.max(20, Math.min(35, Math.round(t)));
    const kwh = (wh: number) => floorTenth(wh / 1000);
    const e = state.energy;
    return {
      time,
      soc: round(soc, 1),
      packVoltage,
      packCurrent: round(Math.abs(flows.battery) / packVoltage, 1),
      batteryPower,
      chargingStatus: batteryPower > 5 ? "charging" : batteryPower < -5 ? "discharging" : "idle",
      acOutputPower: Math.round(flows.ac),
      dcOutputPower: Math.round(flows.dc),
      pvPower: Math.round(flows.pv),
      gridPower: Math.round(flows.passthrough + flows.gridCharge - flows.feedIn),
      gridVoltage: round(230 + 1.2 * this.#noise("gridVoltage", time), 1),
      gridFrequency: round(50 + 0.03 * this.#noise("gridFrequency", time), 2),
      ambientTemperature: clampTemp(ambient),
      batteryTemperature: clampTemp(
        ambient + 5 * Math.min(1, Math.abs(flows.battery) / spec.maxAcW),
      ),
      inverterTemperature: clampTemp(ambient + 8 * Math.min(1, flows.ac / spec.maxAcW)),
      energy: {
        acOutput: kwh(e.acOutput),
        dcOutput: kwh(e.dcOutput),
        pv: kwh(e.pv),
        gridImport: kwh(e.gridImport),
        feedIn: kwh(e.feedIn),
        packCharge: kwh(e.packCharge),
        packDischarge: kwh(e.packDischarge),
        pvToAc: kwh(e.pvToAc),
      },
    };
  }

  /** Smooth seeded noise in [-1, 1]: three sines with incommensurate periods. */
  #noise(channel: NoiseChannel, time: number): number {
    const seconds = time / 1000;
    const base = NOISE_PERIODS[channel];
    const [a, b, c] = this.#phases[channel];
    return (Math.sin(2 * Math.PI * seconds / base + a) +
      0.5 * Math.sin(2 * Math.PI * seconds / (base * 0.37) + b) +
      0.15 * Math.sin(2 * Math.PI * seconds / (base * 0.15) + c)) / 1.65;
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

function specFor(profile: DeviceProfile): ModelSpec {
  const known = MODEL_SPECS[profile.id];
  if (known !== undefined) return known;
  const name = profile.id.replace(/[^\x20-\x7e]/g, "").slice(0, 12) || "V2";
  return { name, capacityWh: 1024, maxAcW: 1800, maxPvW: 500, maxGridW: 1000 };
}

function defaultRegisters(spec: ModelSpec): [number, number][] {
  return [
    [2011, 1], // AC output on
    [2012, 1], // DC output on
    [2013, 0],
    [2014, 0], // DC ECO off, 2 h, 10 W
    [2015, 2],
    [2016, 10],
    [2017, 0], // AC ECO off, 2 h, 20 W
    [2018, 2],
    [2019, 20],
    [2020, 0], // charging mode standard
    [2021, 0],
    [2023, 100], // SOC ceiling
    [2206, 0],
    [2207, 1], // grid charging on
    [2208, 0], // feed-in off
    [2213, Math.max(300, spec.maxGridW)],
    [2215, spec.maxPvW],
    [2233, 0],
  ];
}

function inSpan(schema: BlockSchema, register: number): boolean {
  return register >= schema.id && register < schema.id + schema.registerCount;
}

/**
 * The serial as blocks carry it: the digits after the model name when the serial is
 * `<model><digits>`, else a stable 13-digit number derived from it.
 */
function serialDigits(sn: string, prefixes: readonly string[]): string {
  for (const prefix of prefixes) {
    if (sn.length <= prefix.length || sn.slice(0, prefix.length).toUpperCase() !== prefix) {
      continue;
    }
    const digits = sn.slice(prefix.length);
    if (/^\d{1,20}$/.test(digits) && BigInt(digits) <= 0xffffffffffffffffn) {
      return BigInt(digits).toString();
    }
  }
  return derivedSerial(sn);
}

function derivedSerial(text: string): string {
  return (1_000_000_000_000n + fnv1a64(text) % 9_000_000_000_000n).toString();
}

function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Sun over the day, 0 at night, 1 at noon UTC. */
function daylight(time: number): number {
  const hour = ((time / 3_600_000) % 24 + 24) % 24;
  return Math.max(0, Math.sin(Math.PI * (hour - 6) / 12));
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function floorTenth(value: number): number {
  return Math.floor(value * 10 + 1e-9) / 10;
}

function cloneState(state: PhysState): PhysState {
  return { ...state, energy: { ...state.energy } };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
