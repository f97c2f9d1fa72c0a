// The physics of a simulated power station: SOC, power flows, AC/DC outputs, grid charging and
// feed-in, temperatures, lifetime energy counters. Pure, no I/O, no vendor: the settings come
// from the plugin's block mapping (src/plugin/station_simulation.ts), the state goes back to it.
import type {
  StationPhysicsView,
  StationSettings,
  StationSnapshot,
  StationSpec,
} from "../plugin/station_simulation.ts";

/** Cells in series in a simulated pack. */
export const PACK_CELLS = 16;
/** Grid charging starts at or below this SOC (when allowed) and runs up to the ceiling. */
export const GRID_CHARGE_START_SOC = 20;
/** Below this SOC the AC load is passed through from the grid (when grid charging is on). */
export const PASSTHROUGH_SOC = 10;

const STEP_MS = 5_000;
const COARSE_STEP_MS = 300_000;
/** Beyond this many fine steps in one jump, integrate in coarse steps. */
const MAX_FINE_STEPS = 100_000;
const INVERTER_EFFICIENCY = 0.92;
const DC_EFFICIENCY = 0.95;
const CHARGE_EFFICIENCY = 0.96;

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
type Phases = Record<NoiseChannel, [number, number, number]>;

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

/** What {@linkcode StationPhysics} is built with. */
export interface StationPhysicsOptions {
  /** The station's size. */
  readonly spec: StationSpec;
  /** The clock, ms since the epoch. */
  readonly now: () => number;
  /** The seeded random stream: the noise phases, then the history and initial SOC. */
  readonly random: () => number;
  /** The current settings (read at every step). */
  readonly settings: () => StationSettings;
  /**
   * Called between the draws of the noise phases and those of the initial state, so that what
   * the caller draws there keeps its place in the seeded sequence.
   */
  readonly between?: () => void;
}

/**
 * A station's physics, deterministic for a seed and a clock. Time is never ticked: the state
 * is integrated (5 s steps, 5 min beyond 100,000 of them) up to the clock when asked. SOC
 * drifts with the flows (loads, solar by time of day, grid charging from 20 % up to the SOC
 * ceiling), the pack voltage follows SOC (16 cells x 3.20-3.45 V), powers fluctuate smoothly,
 * grid 230 V / 50 Hz, temperatures 20-35 deg C, lifetime energy counters only increase.
 */
export class StationPhysics implements StationPhysicsView {
  /** Energy delivered before the simulation started, Wh (seeded). */
  readonly historyWh: number;
  /** Cells in series. */
  readonly cells: number = PACK_CELLS;
  /** SOC at or below which grid charging starts, %. */
  readonly gridChargeStartSoc: number = GRID_CHARGE_START_SOC;
  /** SOC below which the AC load is passed through from the grid, %. */
  readonly passthroughSoc: number = PASSTHROUGH_SOC;
  #spec: StationSpec;
  #now: () => number;
  #settings: () => StationSettings;
  #start: number;
  #state: PhysState;
  #phases: Phases;

  /** @param options Spec, clock, random stream, settings. */
  constructor(options: StationPhysicsOptions) {
    this.#spec = options.spec;
    this.#now = options.now;
    this.#settings = options.settings;
    const random = options.random;
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
    options.between?.();
    const historyWh = (20 + random() * 200) * 1000;
    const initialSoc = 40 + random() * 50;
    this.historyWh = historyWh;
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
  }

  /**
   * The state now (per the clock).
   *
   * @returns The state.
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

  /** Commits the flows up to now under the current settings (call before changing them). */
  commit(): void {
    this.#advance(Math.max(this.#now() - this.#start, this.#state.at));
  }

  /**
   * Smooth seeded noise in [-1, 1]: three sines with incommensurate periods.
   *
   * @param channel The channel.
   * @param time Ms since the epoch.
   * @returns The noise.
   */
  noise(channel: NoiseChannel, time: number): number {
    const seconds = time / 1000;
    const base = NOISE_PERIODS[channel];
    const [a, b, c] = this.#phases[channel];
    return (Math.sin(2 * Math.PI * seconds / base + a) +
      0.5 * Math.sin(2 * Math.PI * seconds / (base * 0.37) + b) +
      0.15 * Math.sin(2 * Math.PI * seconds / (base * 0.15) + c)) / 1.65;
  }

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
    const settings = this.#settings();
    const gridOn = settings.gridCharge;
    const ceiling = settings.socCeiling;
    if (!state.gridCharging && gridOn && soc <= GRID_CHARGE_START_SOC) state.gridCharging = true;
    else if (state.gridCharging && (!gridOn || soc >= ceiling)) state.gridCharging = false;
  }

  /** The energy flows, W, at `elapsed` ms after the start in `state`. */
  #flows(elapsed: number, state: PhysState): Flows {
    const spec = this.#spec;
    const settings = this.#settings();
    const time = this.#start + elapsed;
    const soc = 100 * state.socWh / spec.capacityWh;
    const ceiling = settings.socCeiling;
    const unit = (channel: NoiseChannel) => 0.5 + 0.5 * this.noise(channel, time);

    let ac = settings.acOutput ? spec.maxAcW * (0.04 + 0.4 * unit("acLoad") ** 2) : 0;
    let dc = settings.dcOutput ? 8 + 70 * unit("dcLoad") : 0;
    const pvAvailable = spec.maxPvW * daylight(time) * (0.5 + 0.5 * unit("clouds"));
    const gridOn = settings.gridCharge;
    const gridCap = Math.min(spec.maxGridW, settings.gridLimitW || spec.maxGridW);
    const passthrough = gridOn && (state.gridCharging || soc <= PASSTHROUGH_SOC)
      ? Math.min(ac, gridCap)
      : 0;
    let gridCharge = state.gridCharging && soc < ceiling
      ? Math.max(0, Math.min(gridCap - passthrough, settings.chargeRate * spec.maxGridW))
      : 0;
    let pv = pvAvailable;
    const draw = () => (ac - passthrough) / INVERTER_EFFICIENCY + dc / DC_EFFICIENCY;
    const supply = () => pv * CHARGE_EFFICIENCY + gridCharge * INVERTER_EFFICIENCY;
    let feedIn = 0;
    if (soc >= ceiling && supply() > draw()) {
      // Full: no grid charging, solar curtailed to the load, the surplus fed in when allowed.
      gridCharge = 0;
      pv = Math.min(pvAvailable, draw() / CHARGE_EFFICIENCY);
      if (settings.feedIn) {
        feedIn = Math.min((pvAvailable - pv) * INVERTER_EFFICIENCY, settings.feedInLimitW);
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
    const packVoltage = round(PACK_CELLS * cell, 2);
    const batteryPower = Math.round(flows.battery);
    const ambient = 24 + 3 * this.noise("ambient", time);
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
      gridVoltage: round(230 + 1.2 * this.noise("gridVoltage", time), 1),
      gridFrequency: round(50 + 0.03 * this.noise("gridFrequency", time), 2),
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

/** Floored to 0.1, as stations report energy counters. */
function floorTenth(value: number): number {
  return Math.floor(value * 10 + 1e-9) / 10;
}

function cloneState(state: PhysState): PhysState {
  return { ...state, energy: { ...state.energy } };
}
