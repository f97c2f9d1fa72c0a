import assert from "node:assert/strict";
import "../plugins/builtin.ts";
import { ModbusExceptionError, TransportError, WriteError } from "../errors/errors.ts";
import { MBAP_STREAM_FRAMING } from "../protocol/mbap.ts";
import { getLocalProfile } from "../plugins/bluetti_local/registry.ts";
import {
  type ModbusStationQuirks,
  SimulatedModbusStation,
} from "../testing/simulated_modbus_station.ts";
import { TcpStreamTransport } from "../transport/tcp_stream_transport.ts";
import {
  ModbusRegisterClient,
  type ModbusRegisterClientOptions,
} from "./modbus_register_client.ts";

async function setup(
  profile: string,
  options: {
    values?: Record<string, number | string>;
    quirks?: ModbusStationQuirks;
    client?: Partial<ModbusRegisterClientOptions>;
    timeoutMs?: number;
  } = {},
) {
  const station = await SimulatedModbusStation.start({
    profile,
    values: options.values ?? {},
    quirks: options.quirks ?? {},
  });
  const transport = new TcpStreamTransport({
    host: "127.0.0.1",
    port: station.port,
    framing: MBAP_STREAM_FRAMING,
    pacingMs: 0,
    timeoutMs: options.timeoutMs ?? 5_000,
  });
  await transport.connect();
  const warnings: string[] = [];
  const client = new ModbusRegisterClient({
    transport,
    map: getLocalProfile(profile),
    warn: (m) => warnings.push(m),
    readBackDelayMs: 0,
    ...options.client,
  });
  return {
    station,
    transport,
    client,
    warnings,
    async [Symbol.asyncDispose]() {
      await transport.close();
      await station.close();
    },
  };
}

Deno.test("ModbusRegisterClient reads a group from a simulated AC500, one field per request", async () => {
  await using t = await setup("AC500", {
    values: { soc: 87, pack_voltage: 54.1, total_ac_power: 420, pv_power: 1200, grid_power: -300 },
  });
  const result = await t.client.read({ group: "live" });
  assert.deepEqual(result.values, {
    total_ac_power: 420,
    pv_power: 1200,
    grid_power: -300,
    pack_voltage: 54.1,
    soc: 87,
  });
  assert.equal(result.units.pack_voltage, "V");
  assert.deepEqual(result.failures, []);
  assert.ok(t.station.requests.every((r) => r.quantity === 1 && r.outcome === "reply"));
  const identity = await t.client.read({ group: "identity" });
  assert.deepEqual(identity.values, { device_model: "AC500", device_serial: "2345000012345678" });
});

Deno.test("ModbusRegisterClient merges reads on a Balco 260 and each read stays inside served ranges", async () => {
  await using t = await setup("BALCO260", { values: { soc: 55, pack_voltage: 52.3 } });
  const { values } = await t.client.read({ fields: ["soc", "pack_voltage"] });
  assert.deepEqual(values, { pack_voltage: 52.3, soc: 55 });
  assert.deepEqual(t.station.requests.map((r) => [r.address, r.quantity]), [[51002, 3]]);
});

Deno.test("ModbusRegisterClient reports a silent unserved span as a timeout of that step, not a dead link", async () => {
  await using t = await setup("AC500", { timeoutMs: 100 });
  // A hand-made read across 50002..50003 (50003 is not served): the station stays silent.
  await assert.rejects(t.client.readRegisters(50002, 2), (error: unknown) => {
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, "TRANSPORT_TIMEOUT");
    return true;
  });
  assert.equal(t.transport.state, "connected");
  await assert.rejects(t.client.readRegisters(50003, 1), (error: unknown) => {
    assert.ok(error instanceof ModbusExceptionError);
    assert.equal(error.exceptionCode, 2);
    return true;
  });
  assert.equal((await t.client.read({ fields: ["soc"] })).values.soc, 0);
  assert.deepEqual(t.station.requests.map((r) => r.outcome), ["silence", "exception", "reply"]);
});

Deno.test("ModbusRegisterClient retries once on exceptions 05 and 06, not twice", async () => {
  await using t = await setup("AC500", { values: { soc: 42 } });
  t.station.injectException(6);
  assert.equal((await t.client.read({ fields: ["soc"] })).values.soc, 42);
  t.station.injectException(5);
  t.station.injectException(6);
  const failed = await t.client.read({ fields: ["soc", "pv_power"] });
  assert.deepEqual(Object.keys(failed.values), ["soc"]);
  assert.equal(failed.failures.length, 1);
  assert.deepEqual(failed.failures[0]!.fields, ["pv_power"]);
  assert.equal((failed.failures[0]!.error as ModbusExceptionError).exceptionCode, 6);
  t.station.injectException(2);
  await assert.rejects(t.client.readRegisters(51004, 1), { exceptionCode: 2 });
});

Deno.test("ModbusRegisterClient leaves out a field whose reply was cut short; the next read works", async () => {
  await using t = await setup("AC500", { values: { soc: 64 }, timeoutMs: 100 });
  t.station.injectTruncated();
  const cut = await t.client.read({ fields: ["soc"] });
  assert.deepEqual(cut.values, {});
  assert.equal(cut.failures[0]!.error.code, "TRANSPORT_TIMEOUT");
  await t.transport.connect();
  assert.equal((await t.client.read({ fields: ["soc"] })).values.soc, 64);
});

Deno.test("ModbusRegisterClient refuses another unit id without opt-in, warns with it, and the station stays silent", async () => {
  const station = await SimulatedModbusStation.start({ profile: "AC500" });
  const transport = new TcpStreamTransport({
    host: "127.0.0.1",
    port: station.port,
    framing: MBAP_STREAM_FRAMING,
    pacingMs: 0,
    timeoutMs: 100,
  });
  try {
    const map = getLocalProfile("AC500");
    assert.throws(() => new ModbusRegisterClient({ transport, map, unitId: 2 }), /power cycle/);
    const warnings: string[] = [];
    const client = new ModbusRegisterClient({
      transport,
      map,
      unitId: 2,
      allowOtherUnitId: true,
      warn: (m) => warnings.push(m),
    });
    assert.equal(warnings.length, 1);
    await transport.connect();
    await assert.rejects(client.readRegisters(51004, 1), { code: "TRANSPORT_TIMEOUT" });
    assert.equal(station.requests[0]!.outcome, "silence");
  } finally {
    await transport.close();
    await station.close();
  }
});

Deno.test("ModbusRegisterClient.write() passes the gates, accepts the internal-address echo and reads back", async () => {
  await using t = await setup("EP500PRO", {
    quirks: { staleAfterWriteMs: 0 },
    client: { writesEnabled: true },
  });
  const result = await t.client.write({ target: "dc_output", value: "on" });
  assert.equal(result.echoedRegister, 3008);
  assert.equal(result.readBack, 1);
  assert.equal(result.tries, 1);
  assert.deepEqual(t.warnings, [], "the echo on file raises no warning");
  assert.equal(t.station.get("dc_output"), 1);
});

Deno.test("ModbusRegisterClient.write() reports a value that stays stale as WRITE_NOT_APPLIED", async () => {
  await using t = await setup("BALCO260", {
    quirks: { staleAfterWriteMs: 60_000 },
    client: { writesEnabled: true, readBackTries: 2 },
  });
  await assert.rejects(t.client.write({ target: "soc_floor", value: 20 }), (error: unknown) => {
    assert.ok(error instanceof WriteError);
    assert.equal(error.code, "WRITE_NOT_APPLIED");
    assert.equal(error.register, 57016);
    return true;
  });
  assert.equal(t.station.get("soc_floor"), 20, "the station took it; the read-back was stale");
});

Deno.test("ModbusRegisterClient.write() goes through every gate before sending anything", async () => {
  await using t = await setup("BALCO260", { quirks: { staleAfterWriteMs: 0 } });
  const gate = async (request: Parameters<ModbusRegisterClient["write"]>[0], name: string) => {
    await assert.rejects(t.client.write(request), (error: unknown) => {
      assert.ok(error instanceof WriteError, String(error));
      assert.equal(error.gate, name);
      return true;
    });
  };
  await gate({ target: "soc_floor", value: 20 }, "writes_disabled");
  const enabled = new ModbusRegisterClient({
    transport: t.transport,
    map: getLocalProfile("BALCO260"),
    writesEnabled: true,
    readBackDelayMs: 0,
  });
  for (
    const [request, name] of [
      [{ target: "soc_floor", value: 95 }, "invalid_value"],
      [{ target: "soc", value: 5 }, "not_allowed"],
      [{ target: "ac_output", value: "off" }, "needs_confirmation"],
      [{ target: "nonsense", value: 1 }, "unknown_register"],
    ] as const
  ) {
    await assert.rejects(enabled.write(request), { gate: name });
  }
  assert.equal(t.station.requests.length, 0, "nothing was sent");
  const done = await enabled.write({ target: "ac_output", value: "off", confirmDangerous: true });
  assert.equal(done.echoedRegister, 2011);
});

Deno.test("ModbusRegisterClient reports undecodable bytes as PARSER_INVALID_VALUE and keeps the other fields", async () => {
  await using t = await setup("AC500", { values: { soc: 50 } });
  t.station.setRegisters(50200, [0x4143, 0x0135, 0, 0, 0, 0]); // "AC" then a control byte
  const result = await t.client.read({ fields: ["device_model", "soc"] });
  assert.deepEqual(result.values, { soc: 50 });
  assert.equal(result.failures[0]!.error.code, "PARSER_INVALID_VALUE");
  assert.match(result.failures[0]!.error.message, /registers 50200\.\.50205/);
});
