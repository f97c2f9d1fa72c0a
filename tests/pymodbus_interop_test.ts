// Interoperability with an independent Modbus TCP implementation: Debian's python3-pymodbus.
import assert from "node:assert/strict";
import {
  getLocalProfile,
  MBAP_STREAM_FRAMING,
  ModbusRegisterClient,
  TcpStreamTransport,
} from "../mod.ts";
import { SimulatedModbusStation } from "../testing.ts";
import { runPymodbusClient, startPymodbusServer } from "./_support/pymodbus.ts";

function connect(port: number): TcpStreamTransport {
  return new TcpStreamTransport({
    host: "127.0.0.1",
    port,
    framing: MBAP_STREAM_FRAMING,
    pacingMs: 0,
  });
}

Deno.test("our client reads a pymodbus server's registers: one field per read (AC500 plan) and merged reads (Balco plan)", async () => {
  await using server = await startPymodbusServer({
    50002: 420,
    50006: 0xfed4, // −300 W as int16
    50200: 0x4143,
    50201: 0x3530,
    50202: 0x3000,
    50206: 0xf14e,
    50207: 0xdcbb,
    50208: 0x54c3,
    50209: 0x0008,
    51002: 541,
    51004: 87,
  });
  await using transport = connect(server.port);
  await transport.connect();
  const ac500 = new ModbusRegisterClient({ transport, map: getLocalProfile("AC500") });
  const read = await ac500.read({
    fields: [
      "soc",
      "pack_voltage",
      "total_ac_power",
      "grid_power",
      "device_model",
      "device_serial",
    ],
  });
  assert.deepEqual(read.failures, []);
  assert.deepEqual(read.values, {
    total_ac_power: 420,
    grid_power: -300,
    device_model: "AC500",
    device_serial: "2345000012345678",
    pack_voltage: 54.1,
    soc: 87,
  });
  const balco = new ModbusRegisterClient({ transport, map: getLocalProfile("BALCO260") });
  const merged = await balco.read({ fields: ["soc", "pack_voltage"] });
  assert.deepEqual(merged.plan.map((s) => [s.start, s.quantity]), [[51002, 3]]);
  assert.deepEqual(merged.values, { pack_voltage: 54.1, soc: 87 });
});

Deno.test("our client writes a pymodbus server's register through the gates and reads it back", async () => {
  await using server = await startPymodbusServer({ 57005: 0 });
  await using transport = connect(server.port);
  await transport.connect();
  const warnings: string[] = [];
  const client = new ModbusRegisterClient({
    transport,
    map: getLocalProfile("AC500"),
    writesEnabled: true,
    readBackDelayMs: 0,
    warn: (m) => warnings.push(m),
  });
  const result = await client.write({ target: "dc_output", value: "on" });
  assert.equal(result.echoedRegister, 57005, "pymodbus echoes the register written");
  assert.equal(result.readBack, 1);
  assert.deepEqual(warnings, []);
  assert.deepEqual((await client.read({ fields: ["dc_output"] })).values, { dc_output: 1 });
});

Deno.test("a pymodbus client reads and writes our simulated station", async () => {
  await using station = await SimulatedModbusStation.start({
    profile: "AC500",
    values: { soc: 64, pack_voltage: 53.2 },
    quirks: { staleAfterWriteMs: 0, echoInternalAddress: false },
  });
  const results = await runPymodbusClient(station.port, [
    ["read", 51004, 1],
    ["read", 51002, 1],
    ["read", 50200, 6],
    ["write", 57005, 1],
    ["read", 57005, 1],
    ["read", 50003, 1],
  ]);
  assert.deepEqual(results.slice(0, 5), [
    { registers: [64] },
    { registers: [532] },
    { registers: [0x4143, 0x3530, 0x3000, 0, 0, 0] },
    { echo: [57005, 1] },
    { registers: [1] },
  ]);
  assert.match(
    (results[5] as { error: string }).error,
    /Exception|exception_code=2|IllegalAddress/i,
  );
  assert.equal(station.get("dc_output"), 1);
});
