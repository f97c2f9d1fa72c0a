import assert from "node:assert/strict";
import {
  buildRequest,
  crc16Modbus,
  type FramingName,
  getFraming,
  type ModbusReply,
  type ModbusRequest,
  parseReply,
  type ReadRequest,
  replyMatches,
} from "../protocol/mod.ts";
import { createBluettiRegistry } from "../plugins/bluetti_v2/mod.ts";
import { profileBlocks } from "../device/profile.ts";
import { BUILTIN_PROFILES, getProfile } from "../../profiles/mod.ts";
import type { BlockRecord } from "../parser/mod.ts";
import { StationModel, type StationModelOptions } from "./station_model.ts";

const REGISTRY = createBluettiRegistry();
const NOON = Date.UTC(2025, 5, 21, 12);

function model(options: Partial<StationModelOptions> = {}): StationModel {
  return new StationModel({ profile: "EL100V2", sn: "EL100V22345000012345", seed: 1, ...options });
}

/** Sends a request in the model's framing and parses the single reply. */
function ask(station: StationModel, request: ModbusRequest): ModbusReply {
  const framing = station.framing;
  const payloads = station.handle(framing.wrap(buildRequest(request), request));
  assert.equal(payloads.length, 1, "one reply");
  return parseReply(framing.unwrap(payloads[0]!), request);
}

function read(station: StationModel, start: number, quantity: number): Uint8Array {
  const reply = ask(station, {
    function: 0x03,
    address: station.framing.deviceAddress,
    start,
    quantity,
  });
  assert.equal(reply.function, 0x03);
  return reply.function === 0x03 ? reply.data : new Uint8Array();
}

function decode(station: StationModel, blockId: number, quantity?: number): BlockRecord {
  const schema = REGISTRY.require(blockId);
  return schema.decode(read(station, blockId, quantity ?? schema.registerCount));
}

function write(station: StationModel, register: number, value: number): ModbusReply {
  return ask(station, {
    function: 0x06,
    address: station.framing.deviceAddress,
    register,
    value,
  });
}

/** The exception code a request is refused with. */
function exceptionOf(station: StationModel, request: ModbusRequest): number {
  try {
    ask(station, request);
  } catch (error) {
    const code = (error as { exceptionCode?: number }).exceptionCode;
    if (code !== undefined) return code;
    throw error;
  }
  assert.fail("expected an exception reply");
}

/** An RTU read frame with any quantity (buildRequest refuses 0 and 126). */
function rawRead(address: number, start: number, quantity: number): Uint8Array {
  const frame = new Uint8Array([
    address,
    0x03,
    start >> 8,
    start & 0xff,
    quantity >> 8,
    quantity,
    0,
    0,
  ]);
  const crc = crc16Modbus(frame, 0, 6);
  frame[6] = crc & 0xff;
  frame[7] = crc >>> 8;
  return frame;
}

function num(record: BlockRecord, field: string): number {
  const value = record.values[field];
  assert.equal(typeof value, "number", `${record.blockId}.${field} = ${value}`);
  return value as number;
}

function between(value: number, min: number, max: number, what: string): void {
  assert.ok(value >= min && value <= max, `${what} = ${value}, expected ${min}..${max}`);
}

// --- reads -------------------------------------------------------------------------------------

Deno.test("StationModel serves every block of each built-in profile, decoding without warnings", () => {
  for (const profile of BUILTIN_PROFILES) {
    let now = Date.UTC(2025, 0, 1);
    const station = model({ profile, sn: `${profile.id}1234567`, now: () => now });
    for (let hour = 0; hour < 72; hour += 5) {
      now = Date.UTC(2025, 0, 1) + hour * 3_600_000;
      for (const id of profileBlocks(profile)) {
        const quantity = profile.registerCounts[String(id)] ?? REGISTRY.require(id).registerCount;
        const record = decode(station, id, quantity);
        assert.deepEqual(record.warnings, [], `${profile.id} block ${id}`);
        assert.deepEqual(
          record.missing.filter((f) =>
            REGISTRY.require(id).fields.find((x) => x.path === f)?.required
          ),
          [],
        );
      }
    }
  }
});

Deno.test("StationModel values are plausible over three simulated days", () => {
  for (const profile of BUILTIN_PROFILES) {
    const start = Date.UTC(2025, 5, 1);
    let now = start;
    const station = model({ profile, sn: `${profile.id}42`, now: () => now, allBlocks: true });
    let last: Record<string, number> = {};
    for (let minute = 0; minute <= 3 * 24 * 60; minute += 37) {
      now = start + minute * 60_000;
      const home = decode(station, 100, 62);
      between(num(home, "soc"), 0, 100, "soc");
      between(num(home, "pack_voltage"), 40, 60, "pack_voltage");
      between(num(home, "total_ac_power"), 0, 2000, "total_ac_power");
      between(num(home, "pv_power"), 0, 800, "pv_power");
      between(num(home, "grid_power"), -1500, 1500, "grid_power");
      assert.equal(home.values.device_model, station.modelName);
      const grid = decode(station, 1300);
      between(num(grid, "frequency"), 49.9, 50.1, "frequency");
      between(num(grid, "phase_0_voltage"), 225, 235, "grid voltage");
      const pack = decode(station, 6000);
      between(num(pack, "temp_avg"), 20, 35, "temp_avg");
      between(num(pack, "voltage"), 40, 60, "6000 voltage");
      assert.equal(num(pack, "soc"), num(home, "soc"));
      const inverter = decode(station, 1100);
      between(num(inverter, "inv_max_temp"), 20, 35, "inv_max_temp");
      const counters: Record<string, number> = {
        total_ac_energy: num(home, "total_ac_energy"),
        total_dc_energy: num(home, "total_dc_energy"),
        pv_charge_energy: num(home, "pv_charge_energy"),
        total_grid_charge_energy: num(home, "total_grid_charge_energy"),
        pack_total_chg_energy: num(pack, "pack_total_chg_energy"),
        pack_total_dsg_energy: num(pack, "pack_total_dsg_energy"),
        grid_total_charge_energy: num(grid, "total_charge_energy"),
      };
      for (const [name, value] of Object.entries(counters)) {
        assert.ok(value >= (last[name] ?? 0), `${name} went from ${last[name]} to ${value}`);
      }
      last = counters;
    }
  }
});

Deno.test("StationModel: SOC drifts both ways and powers change slowly", () => {
  const start = Date.UTC(2025, 5, 1);
  let now = start;
  const station = model({ now: () => now });
  const socs: number[] = [];
  let previous = station.snapshot();
  for (let minute = 1; minute <= 48 * 60; minute++) {
    now = start + minute * 60_000;
    const snap = station.snapshot();
    socs.push(snap.soc);
    assert.ok(
      Math.abs(snap.acOutputPower - previous.acOutputPower) < 250,
      `AC jumped ${previous.acOutputPower} → ${snap.acOutputPower} in a minute`,
    );
    assert.ok(Math.abs(snap.soc - previous.soc) < 5, "SOC moves slowly");
    previous = snap;
  }
  assert.ok(Math.max(...socs) - Math.min(...socs) > 30, "SOC swings over two days");
  assert.ok(socs.some((s, i) => i > 0 && s > socs[i - 1]!), "SOC rises at times");
  assert.ok(socs.some((s, i) => i > 0 && s < socs[i - 1]!), "SOC falls at times");
});

Deno.test("StationModel serves every registry block with allBlocks, without warnings", () => {
  const station = model({ allBlocks: true, now: () => NOON });
  assert.deepEqual(station.blocks, REGISTRY.list().map((s) => s.id));
  for (const schema of REGISTRY.list()) {
    const record = decode(station, schema.id);
    assert.deepEqual(record.warnings, [], `block ${schema.id}`);
  }
  const cells = decode(station, 6300);
  const sum = Array.from({ length: 16 }, (_, i) => num(cells, `cell_voltage_${i + 1}`))
    .reduce((a, b) => a + b);
  assert.ok(Math.abs(sum - num(decode(station, 6000), "voltage")) < 0.05);
});

Deno.test("StationModel serves the profile's blocks and the settings blocks only", () => {
  assert.deepEqual(model().blocks, [100, 1100, 1300, 1400, 1500, 2000, 2200, 6000, 6100]);
  assert.deepEqual(model({ profile: "GENERIC_V2" }).blocks, [100]);
});

Deno.test("StationModel answers 2 × quantity bytes, clipped to the schema's span", () => {
  const station = model();
  assert.equal(read(station, 100, 62).length, 124);
  assert.equal(read(station, 100, 10).length, 20);
  assert.equal(read(station, 100, 125).length, 144);
  assert.equal(read(station, 6000, 125).length, 64);
  // A short read decodes what is present.
  const record = REGISTRY.require(100).decode(read(station, 100, 3));
  assert.equal(typeof record.values.soc, "number");
});

Deno.test("StationModel reads registers inside a block and control registers directly", () => {
  const station = model();
  const block = read(station, 2000, 22);
  assert.deepEqual(read(station, 2011, 2), block.slice(22, 26));
  assert.deepEqual([...read(station, 2023, 1)], [0, 100]);
  assert.deepEqual([...read(station, 2233, 1)], [0, 0]);
});

Deno.test("StationModel reports model and serial from the serial number", () => {
  const byModel = model({ sn: "EL100V22345000012345" });
  assert.equal(byModel.serialNumber, "2345000012345");
  assert.equal(model({ sn: "el100v2007" }).serialNumber, "7");
  const other = model({ sn: "MY-STATION" });
  assert.match(other.serialNumber, /^\d{13}$/);
  assert.equal(model({ sn: "MY-STATION" }).serialNumber, other.serialNumber);
  assert.notEqual(model({ sn: "MY-STATION-2" }).serialNumber, other.serialNumber);
  const record = decode(byModel, 100, 62);
  assert.equal(record.values.device_serial, "2345000012345");
  assert.equal(
    decode(model({ profile: "EL30V2", sn: "EL30V21" }), 100, 62).values.device_model,
    "EL30V2",
  );
  assert.equal(
    decode(model({ profile: "Elite 200 V2", sn: "X" }), 100, 62).values.device_model,
    "ELITE200V2",
  );
});

Deno.test("StationModel is deterministic for a seed and a clock", () => {
  const request = buildRequest({ function: 0x03, address: 1, start: 100, quantity: 62 });
  const run = (seed: number) => {
    let now = NOON;
    const station = model({ seed, now: () => now });
    return [0, 1, 2, 3].map((step) => {
      now = NOON + step * 600_000;
      return station.handle(request)[0]!.toHex();
    });
  };
  assert.deepEqual(run(3), run(3));
  assert.notDeepEqual(run(3), run(4));
});

Deno.test("StationModel keeps SOC bounded and counters rising over a month, even if the clock goes back", () => {
  let now = NOON;
  const station = model({ now: () => now });
  let previous = station.snapshot();
  for (let day = 1; day <= 30; day++) {
    now = NOON + day * 86_400_000 + (day % 3) * 3_600_000;
    const snap = station.snapshot();
    between(snap.soc, 0, 100, "soc");
    for (const [name, value] of Object.entries(snap.energy)) {
      assert.ok(value >= previous.energy[name as keyof typeof snap.energy], name);
    }
    previous = snap;
  }
  now -= 5 * 86_400_000;
  const back = station.snapshot();
  assert.deepEqual(back.energy, previous.energy);
});

// --- writes ------------------------------------------------------------------------------------

Deno.test("StationModel applies writes and reflects them in blocks 2000 and 2200", () => {
  const station = model({ now: () => NOON });
  assert.deepEqual(write(station, 2011, 0), {
    function: 0x06,
    address: 1,
    register: 2011,
    value: 0,
  });
  write(station, 2012, 0);
  write(station, 2020, 2);
  write(station, 2013, 1); // no field in block 2000: kept as a raw register
  write(station, 2207, 0);
  write(station, 2208, 1);
  write(station, 2213, 2500);
  write(station, 2215, 600);
  write(station, 2023, 80);
  const settings = decode(station, 2000);
  assert.equal(settings.values.ctrl_ac, 0);
  assert.equal(settings.values.ctrl_dc, 0);
  assert.equal(settings.values.charging_mode, 2);
  assert.equal(settings.values.ctrl_grid_chg, 0);
  assert.deepEqual([...settings.raw.slice(26, 28)], [0, 1]);
  const advanced = decode(station, 2200);
  assert.equal(advanced.values.ctrl_grid, 0);
  assert.equal(advanced.values.ctrl_feedback, 1);
  assert.equal(advanced.values.grid_max_power, 2500);
  assert.equal(advanced.values.feedback_max_power, 600);
  assert.deepEqual([...read(station, 2023, 1)], [0, 80]);
  assert.equal(station.register(2023), 80);
  const home = decode(station, 100, 62);
  assert.equal(home.values.total_ac_power, 0);
  assert.equal(home.values.total_dc_power, 0);
  assert.equal(home.values.charging_mode, 2);
  assert.equal(station.snapshot().acOutputPower, 0);
});

Deno.test("StationModel applies write-multiple requests atomically", () => {
  const station = model();
  const reply = ask(station, { function: 0x10, address: 1, start: 2014, values: [1, 3, 15] });
  assert.deepEqual(reply, { function: 0x10, address: 1, start: 2014, quantity: 3 });
  const settings = decode(station, 2000);
  assert.equal(settings.values.dc_eco_ctrl, 1);
  assert.equal(settings.values.dc_eco_off_time, 3);
  assert.equal(settings.values.dc_eco_power, 15);
  // One value out of range: nothing is written.
  assert.equal(
    exceptionOf(station, { function: 0x10, address: 1, start: 2014, values: [0, 9, 5] }),
    3,
  );
  assert.equal(station.register(2014), 1);
  // 2022 is not allow-listed: exception 2, nothing written.
  assert.equal(
    exceptionOf(station, { function: 0x10, address: 1, start: 2021, values: [1, 1] }),
    2,
  );
  assert.equal(station.register(2021), 0);
});

Deno.test("StationModel refuses writes outside the allow-list and out of range", () => {
  const station = model();
  assert.equal(exceptionOf(station, { function: 0x06, address: 1, register: 100, value: 1 }), 2);
  assert.equal(exceptionOf(station, { function: 0x06, address: 1, register: 2022, value: 1 }), 2);
  assert.equal(exceptionOf(station, { function: 0x06, address: 1, register: 2213, value: 100 }), 3);
  assert.equal(exceptionOf(station, { function: 0x06, address: 1, register: 2020, value: 3 }), 3);
  assert.equal(exceptionOf(station, { function: 0x06, address: 1, register: 2011, value: 2 }), 3);
  assert.equal(exceptionOf(station, { function: 0x06, address: 1, register: 2023, value: 59 }), 3);
  const generic = model({ profile: getProfile("GENERIC_V2") });
  assert.equal(exceptionOf(generic, { function: 0x06, address: 1, register: 2011, value: 0 }), 2);
  assert.equal(generic.register(2011), 1);
});

Deno.test("StationModel: writes change the energy flows", () => {
  let now = Date.UTC(2025, 5, 21, 0);
  const station = model({ now: () => now });
  write(station, 2011, 0);
  write(station, 2012, 0);
  write(station, 2207, 0);
  const before = station.snapshot();
  now += 6 * 3_600_000; // midnight to 06:00 UTC: no sun, no load, no grid
  const after = station.snapshot();
  assert.equal(after.acOutputPower, 0);
  assert.equal(after.gridPower, 0);
  assert.equal(after.energy.acOutput, before.energy.acOutput);
  assert.equal(after.soc, before.soc);
  write(station, 2207, 1);
  write(station, 2023, 60);
  write(station, 2011, 1);
  now += 12 * 3_600_000;
  assert.ok(station.snapshot().soc <= 60.5);
});

// --- exceptions and invalid frames -------------------------------------------------------------

Deno.test("StationModel answers exception 2 for unknown blocks and registers", () => {
  const station = model();
  assert.equal(exceptionOf(station, { function: 0x03, address: 1, start: 9000, quantity: 4 }), 2);
  assert.equal(exceptionOf(station, { function: 0x03, address: 1, start: 17000, quantity: 13 }), 2);
  // Runs past the end of block 2000 into registers that do not exist.
  assert.equal(exceptionOf(station, { function: 0x03, address: 1, start: 2020, quantity: 5 }), 2);
});

Deno.test("StationModel answers exception 3 for a quantity of 0 or above 125", () => {
  const station = model();
  const request: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 1 };
  for (const quantity of [0, 126, 500]) {
    const [payload] = station.handle(rawRead(1, 100, quantity));
    assert.throws(
      () => parseReply(payload!, request),
      { exceptionCode: 3 },
      `quantity ${quantity}`,
    );
  }
});

Deno.test("StationModel answers exception 1 for an unknown function", () => {
  const station = model();
  const frame = rawRead(1, 100, 1);
  frame[1] = 0x04;
  const crc = crc16Modbus(frame, 0, 6);
  frame[6] = crc & 0xff;
  frame[7] = crc >>> 8;
  const [payload] = station.handle(frame);
  assert.deepEqual([...payload!.subarray(0, 3)], [0x01, 0x84, 0x01]);
});

Deno.test("StationModel ignores bad CRCs, wrong addresses, truncated frames and wrong framing", () => {
  const station = model();
  const good = rawRead(1, 100, 62);
  const badCrc = good.slice();
  badCrc[7]! ^= 1;
  const cases: [Uint8Array, RegExp][] = [
    [badCrc, /CRC/],
    [rawRead(2, 100, 62), /address 2/],
    [good.subarray(0, 6), /needs 8 bytes/],
    [new Uint8Array([...good, 0]), /follows/],
    [new Uint8Array(), /at least 4 bytes/],
  ];
  for (const [payload, reason] of cases) {
    const response = station.respond(payload);
    assert.equal(response.outcome, "ignored");
    assert.match(response.reason ?? "", reason);
    assert.deepEqual(response.payloads, []);
  }
  assert.equal(station.stats.ignored, cases.length);
  const iot = model({ framing: "iot-v2" });
  assert.equal(iot.respond(good).outcome, "ignored"); // rtu payload to an iot-v2 station
  assert.equal(model({ framing: "v1" }).respond(good).outcome, "ignored");
});

Deno.test("StationModel speaks each framing in and out", () => {
  const expectations: [FramingName, number, number[]][] = [
    ["rtu", 1, []],
    ["iot-v2", 0, [0x01, 0xf8, 0x0f]],
    ["v1", 1, [0x01]],
  ];
  for (const [name, address, prefix] of expectations) {
    const station = model({ framing: name });
    const framing = getFraming(name);
    assert.equal(station.framing.name, name);
    const request: ReadRequest = { function: 0x03, address, start: 100, quantity: 62 };
    const [payload] = station.handle(framing.wrap(buildRequest(request), request));
    assert.deepEqual([...payload!.subarray(0, prefix.length)], prefix);
    const reply = parseReply(framing.unwrap(payload!), request);
    assert.equal(reply.function === 0x03 && reply.registerCount, 62, name);
    // The other address is not the station's.
    const other: ReadRequest = { ...request, address: 1 - address };
    assert.equal(station.respond(framing.wrap(buildRequest(other), other)).outcome, "ignored");
  }
  assert.equal(model({ profile: "EL30V2" }).framing.name, "rtu"); // profile default
});

// --- faults ------------------------------------------------------------------------------------

const READ: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 62 };
const READ_FRAME = buildRequest(READ);

Deno.test("StationModel fault silent: the request is processed, the reply is lost", () => {
  const station = model({ faults: "silent:1x" });
  const response = station.respond(
    buildRequest({ function: 0x06, address: 1, register: 2011, value: 0 }),
  );
  assert.equal(response.outcome, "silent");
  assert.deepEqual(response.payloads, []);
  assert.equal(station.register(2011), 0);
  assert.equal(station.handle(READ_FRAME).length, 1);
});

Deno.test("StationModel fault late: the reply is marked with its delay", () => {
  const station = model({ faults: [{ kind: "late", delayMs: 250, count: 1 }] });
  const response = station.respond(READ_FRAME);
  assert.equal(response.delayMs, 250);
  assert.equal(response.payloads.length, 1);
  assert.equal(station.respond(READ_FRAME).delayMs, 0);
});

Deno.test("StationModel fault crc: a CRC byte is flipped", () => {
  const station = model({ faults: "crc:1x" });
  assert.throws(() => parseReply(station.handle(READ_FRAME)[0]!, READ), { code: "PROTOCOL_CRC" });
  assert.equal(parseReply(station.handle(READ_FRAME)[0]!, READ).function, 0x03);
});

Deno.test("StationModel fault exception: code 4 by default, or the one given", () => {
  const station = model({ faults: "exception:1x" });
  const write = buildRequest({ function: 0x06, address: 1, register: 2011, value: 0 });
  assert.deepEqual([...station.handle(write)[0]!.subarray(0, 3)], [1, 0x86, 4]);
  assert.equal(station.register(2011), 1, "not processed");
  station.injectFault({ kind: "exception", code: 6, count: 1 });
  assert.throws(() => parseReply(station.handle(READ_FRAME)[0]!, READ), {
    exceptionCode: 6,
    exceptionName: "busy (retry later)",
  });
});

Deno.test("StationModel fault truncated: the RTU frame is cut, the envelope kept", () => {
  const station = model({ framing: "iot-v2", faults: "truncated:1x" });
  const framing = getFraming("iot-v2");
  const request: ReadRequest = { ...READ, address: 0 };
  const [payload] = station.handle(framing.wrap(buildRequest(request), request));
  assert.deepEqual([...payload!.subarray(0, 3)], [0x01, 0xf8, 0x0f]);
  assert.equal(payload!.length, 10 + (129 >>> 1));
  assert.throws(() => parseReply(framing.unwrap(payload!), request), {
    code: "PROTOCOL_TRUNCATED",
  });
});

Deno.test("StationModel fault unsolicited: extra frames before the reply, never matching it", () => {
  const station = model({ faults: "unsolicited:2x" });
  const first = station.respond(READ_FRAME);
  const second = station.respond(READ_FRAME);
  assert.equal(first.payloads.length, 2);
  assert.deepEqual([first.unsolicited[0]![1], first.unsolicited[0]![2]], [0x03, 196]);
  assert.equal(second.unsolicited[0]![1], 0x10);
  for (const push of [...first.unsolicited, ...second.unsolicited]) {
    assert.equal(replyMatches(READ, push), false);
  }
  assert.equal(first.payloads[1], first.reply);
  assert.ok(replyMatches(READ, first.reply!));
  assert.equal(station.respond(READ_FRAME).payloads.length, 1);
  // The 0x10 push carries a valid CRC and block 100's data.
  const push = second.unsolicited[0]!;
  const crc = crc16Modbus(push, 0, push.length - 2);
  assert.deepEqual([...push.subarray(-2)], [crc & 0xff, crc >>> 8]);
  const data = push.subarray(7, push.length - 2);
  assert.equal(REGISTRY.require(100).decode(data).values.device_model, "EL100V2");
});

Deno.test("StationModel fault duplicate: the previous reply again, before this one", () => {
  const station = model({ faults: "duplicate" });
  const gridFrame = rawRead(1, 1300, 17);
  const first = station.respond(READ_FRAME);
  assert.deepEqual(first.unsolicited, [], "nothing to repeat before the first reply");
  const second = station.respond(gridFrame);
  assert.deepEqual(second.unsolicited, [first.reply]);
  assert.deepEqual(second.payloads, [first.reply, second.reply]);
  assert.deepEqual(second.faults, ["duplicate"]);
});

Deno.test("StationModel fault foreign: a CRC-valid reply of another polled block first", () => {
  const station = model({ faults: "foreign:3x" });
  const seen = new Set<number>();
  for (let i = 0; i < 3; i++) {
    const response = station.respond(READ_FRAME);
    assert.equal(response.unsolicited.length, 1);
    const other = response.unsolicited[0]!;
    const reply = parseReply(other, { function: 0x03, address: 1, start: 0, quantity: 125 });
    assert.equal(reply.function, 0x03);
    if (reply.function === 0x03) seen.add(reply.data.length);
    assert.equal(replyMatches(READ, other), false, "another block's length");
  }
  // 1300 (17 registers), 6000 (32), 1100 (55): the profile's other blocks in turn.
  assert.deepEqual([...seen], [34, 64, 110]);
});

Deno.test("StationModel fault short: a 3-register unsolicited 0x03 frame first", () => {
  const station = model({ faults: "short:1x" });
  const response = station.respond(READ_FRAME);
  const [frame] = response.unsolicited;
  assert.deepEqual([frame![0], frame![1], frame![2], frame!.length], [1, 0x03, 6, 11]);
  assert.equal(replyMatches(READ, frame!), false);
  assert.deepEqual(station.respond(READ_FRAME).unsolicited, []);
});

Deno.test("StationModel fault disconnect: no reply, the downtime is given", () => {
  const station = model({ faults: "disconnect:1x:3s" });
  const response = station.respond(READ_FRAME);
  assert.equal(response.outcome, "disconnect");
  assert.equal(response.downtimeMs, 3000);
  assert.deepEqual(response.payloads, []);
  assert.equal(station.respond(READ_FRAME).outcome, "reply");
});

Deno.test("StationModel faults by probability are seeded", () => {
  const outcomes = (seed: number) => {
    const station = model({ seed, faults: "silent:0.2,crc:0.2" });
    return Array.from({ length: 500 }, () => station.respond(READ_FRAME).faults.join("+"));
  };
  const a = outcomes(11);
  assert.deepEqual(outcomes(11), a);
  const silent = a.filter((f) => f === "silent").length;
  assert.ok(silent > 60 && silent < 140, `${silent} silent of 500`);
  assert.equal(model({ seed: 11, faults: "silent:0.2,crc:0.2" }).stats.faults, 0);
});

Deno.test("StationModel.clearFaults() and onFaultsChange", () => {
  const seen: string[][] = [];
  const station = model({ onFaultsChange: (rules) => seen.push(rules.map((r) => r.kind)) });
  station.injectFault("late:10ms,silent:0.5");
  station.clearFaults("late");
  station.clearFaults("late"); // nothing left to clear: no call
  station.clearFaults();
  assert.deepEqual(seen, [["late", "silent"], ["silent"], []]);
});

Deno.test("StationModel refuses bad serials and unknown profiles", () => {
  for (const sn of ["", "EL+1", "EL#1", "EL/1", "EL\u00001"]) {
    assert.throws(() => model({ sn }), TypeError, JSON.stringify(sn));
  }
  assert.throws(() => model({ profile: "AC500" }), { code: "CONFIG_UNKNOWN_PROFILE" });
  assert.throws(() => model({ framing: "v3" as FramingName }), { code: "PROTOCOL_FRAMING" });
  assert.throws(() => model({ faults: "nope" }), SyntaxError);
  assert.throws(() => model({ seed: 1.5 }), RangeError);
});
