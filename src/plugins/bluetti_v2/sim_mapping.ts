/**
 * The BLUETTI V2 stations in the simulator: model specs, the control registers a station keeps
 * (AC/DC output, charging mode, SOC ceiling, grid charge, feed-in, grid limits) and what each
 * V2 block carries for a physical state. Reached through `BLUETTI_V2.simulation`.
 *
 * @module
 */
import type { DeviceProfile } from "../../device/profile.ts";
import type {
  SimulatedBlocks,
  StationPhysicsView,
  StationSettings,
  StationSimulation,
  StationSimulationContext,
  StationSnapshot,
  StationSpec,
} from "../../plugin/station_simulation.ts";

const MODEL_SPECS: Readonly<Record<string, StationSpec>> = {
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

/** Cells of a V2 pack (one offset each, in mV, drawn per station). */
const PACK_CELLS = 16;

/** Charging power as a share of the model's grid maximum, per charging mode (register 2020). */
const MODE_FACTOR: Readonly<Record<number, number>> = { 0: 0.6, 1: 0.3, 2: 1, 4: 0.5 };

/** What one simulated V2 station keeps beyond the registers. */
interface V2Station {
  readonly context: StationSimulationContext;
  readonly spec: StationSpec;
  readonly modelName: string;
  readonly serialNumber: string;
  readonly packSerial: string;
  readonly iotSerial: string;
  readonly cellOffsets: readonly number[];
  readonly soh: number;
}

/**
 * The BLUETTI V2 simulator mapping (`BLUETTI_V2.simulation`).
 *
 * @example The spec of an Elite 100 V2
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import { BLUETTI_V2_SIMULATION } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * assert.equal(BLUETTI_V2_SIMULATION.spec(getProfile("EL100V2")).capacityWh, 1024);
 * ```
 */
export const BLUETTI_V2_SIMULATION: StationSimulation = Object.freeze({
  spec(profile: DeviceProfile): StationSpec {
    const known = MODEL_SPECS[profile.id];
    if (known !== undefined) return known;
    const name = profile.id.replace(/[^\x20-\x7e]/g, "").slice(0, 12) || "V2";
    return { name, capacityWh: 1024, maxAcW: 1800, maxPvW: 500, maxGridW: 1000 };
  },
  createStation(context: StationSimulationContext): SimulatedBlocks {
    const { spec, sn, profile, random } = context;
    const cellOffsets = Array.from(
      { length: PACK_CELLS },
      () => Math.round((random() - 0.5) * 16),
    );
    const soh = 96 + Math.floor(random() * 5);
    const station: V2Station = {
      context,
      spec,
      modelName: spec.name,
      serialNumber: serialDigits(sn, [spec.name, profile.id]),
      packSerial: derivedSerial(`${sn}:pack`),
      iotSerial: derivedSerial(`${sn}:iot`),
      cellOffsets,
      soh,
    };
    const reg = context.register;
    return {
      modelName: station.modelName,
      serialNumber: station.serialNumber,
      initialRegisters: defaultRegisters(spec),
      push: { block: 100, readRegisters: 98, pushRegisters: 62 },
      settings: (): StationSettings => ({
        acOutput: reg(2011) === 1,
        dcOutput: reg(2012) === 1,
        chargeRate: MODE_FACTOR[reg(2020)] ?? 0.6,
        socCeiling: reg(2023) || 100,
        gridCharge: reg(2207) === 1,
        feedIn: reg(2208) === 1,
        gridLimitW: reg(2213),
        feedInLimitW: reg(2215),
      }),
      values: (blockId, snapshot, physics) => blockValues(blockId, snapshot, physics, station),
    };
  },
});

function defaultRegisters(spec: StationSpec): [number, number][] {
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

/** Field path -> value for a block, from the state; fields left out stay zero. */
function blockValues(
  blockId: number,
  s: StationSnapshot,
  physics: StationPhysicsView,
  station: V2Station,
): Record<string, unknown> {
  const { context, spec, modelName, serialNumber, packSerial, iotSerial, cellOffsets, soh } =
    station;
  const priorYearsWh = physics.historyWh * 0.6 * 0.6;
  const e = s.energy;
  const charging = s.chargingStatus === "charging" ? 1 : s.chargingStatus === "discharging" ? 2 : 0;
  const soc = Math.round(s.soc);
  const reg = (r: number) => context.register(r);
  const acOn = reg(2011) === 1;
  const capacity = spec.capacityWh;
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
  const inverterVoltage = round(230 + 0.8 * physics.noise("inverterVoltage", s.time), 1);
  const acCurrent = round(s.acOutputPower / inverterVoltage, 1);
  const year = new Date(s.time).getUTCFullYear();
  const month = new Date(s.time).getUTCMonth();
  const yearEnergy = floorTenth(Math.max(0, e.acOutput - priorYearsWh / 1000));
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
        device_model: modelName,
        device_serial: serialNumber,
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
        inv_type: modelName,
        inv_sn: serialNumber,
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
          s.ambientTemperature + Math.round(6 * s.pvPower / spec.maxPvW),
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
        pv_chg_max_current: round(spec.maxPvW / 40, 1),
        grid_max_current: round(reg(2213) / 230, 1),
      };
    case 3500:
      return {
        energy_type: 0,
        total_energy: e.acOutput,
        year0_year: year,
        year0_energy: yearEnergy,
        year1_year: year - 1,
        year1_energy: floorTenth(priorYearsWh / 1000 * 2 / 3),
        year2_year: year - 2,
        year2_energy: floorTenth(priorYearsWh / 1000 / 3),
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
        soh: soh,
        temp_avg: s.batteryTemperature,
        running_status: 34,
        charging_status: charging,
        max_charge_voltage: 57.6,
        max_charge_current: round(spec.maxGridW / 50, 1),
        max_discharge_current: round(spec.maxAcW / 45, 1),
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
        pack_type: modelName,
        pack_sn: packSerial,
        voltage: s.packVoltage,
        current: s.packCurrent,
        pack_soc: soc,
        pack_soh: soh,
        average_temp: s.batteryTemperature,
        running_status: 34,
        charging_status: charging,
        pack_cap_online: 1,
        total_cell_cnt: physics.cells,
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
      const cells: Record<string, unknown> = { cell_count: physics.cells, ntc_count: 4 };
      const mean = s.packVoltage / physics.cells;
      for (let i = 0; i < physics.cells; i++) {
        cells[`cell_voltage_${i + 1}`] = round(mean + (cellOffsets[i] ?? 0) / 1000, 3);
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
        iot_sn: iotSerial,
        iot_software_ver: 1030,
        rf_ver: 0,
        ctrl_status: 0,
      };
    case 12002:
      return { wifi_ssid: "PowerSDK-Simulated", wifi_password: "simulated-only" };
    case 19000:
      return {
        grid_charge_threshold: physics.gridChargeStartSoc,
        ups_mode_threshold: physics.passthroughSoc,
        battery_protect_threshold: 5,
      };
    case 29770:
      return { is_supported: 1, software_version_total: 1 };
    default:
      return {};
  }
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

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function floorTenth(value: number): number {
  return Math.floor(value * 10 + 1e-9) / 10;
}
