// Local Modbus TCP: reads per second and p50/p99 latency of one-register reads (SOC at 51004),
// end to end (ModbusRegisterClient → TcpStreamTransport → station → parse → decode), against
// the simulated station and against a pymodbus 3.0 server in its own process; then what the
// default 500 ms pacing costs for one poll of a group.
// Run: deno task bench:modbus [reads]   — prints Markdown tables for docs/benchmarks.md.
import { ModbusRegisterClient } from "../src/client/mod.ts";
import { getLocalProfile } from "../src/plugins/bluetti_local/mod.ts";
import { MBAP_STREAM_FRAMING } from "../src/protocol/mod.ts";
import { SimulatedModbusStation } from "../src/testing/mod.ts";
import { TcpStreamTransport } from "../src/transport/mod.ts";
import { startPymodbusServer } from "../tests/_support/pymodbus.ts";

const reads = Number(Deno.args[0] ?? "2000");

interface Row {
  readonly server: string;
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

async function measure(label: string, port: number): Promise<Row> {
  await using transport = new TcpStreamTransport({
    host: "127.0.0.1",
    port,
    framing: MBAP_STREAM_FRAMING,
    pacingMs: 0,
  });
  await transport.connect();
  const client = new ModbusRegisterClient({ transport, map: getLocalProfile("AC500") });
  for (let i = 0; i < 50; i++) await client.read({ fields: ["soc"] }); // warm-up
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < reads; i++) {
    const t0 = performance.now();
    const { failures } = await client.read({ fields: ["soc"] });
    if (failures.length > 0) throw failures[0]!.error;
    times.push(performance.now() - t0);
  }
  const total = performance.now() - start;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { server: label, p50: at(0.5), p99: at(0.99), perSecond: reads / (total / 1000) };
}

async function groupPoll(profile: string, pacingMs: number): Promise<[number, number]> {
  await using station = await SimulatedModbusStation.start({ profile });
  await using transport = new TcpStreamTransport({
    host: "127.0.0.1",
    port: station.port,
    framing: MBAP_STREAM_FRAMING,
    pacingMs,
  });
  await transport.connect();
  const client = new ModbusRegisterClient({ transport, map: getLocalProfile(profile) });
  const t0 = performance.now();
  const { plan } = await client.read({ group: "live" });
  return [plan.length, performance.now() - t0];
}

const rows: Row[] = [];
{
  await using station = await SimulatedModbusStation.start({ profile: "AC500" });
  rows.push(await measure("SimulatedModbusStation (same process)", station.port));
}
{
  await using server = await startPymodbusServer({ 51004: 87 });
  rows.push(await measure("pymodbus 3.0 server (separate process)", server.port));
}

const ms = (n: number) => n.toFixed(2);
console.log(`${reads} one-register reads each, pacing 0:\n`);
console.log("| server | reads/s | p50 ms | p99 ms |");
console.log("| --- | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(`| ${r.server} | ${Math.round(r.perSecond)} | ${ms(r.p50)} | ${ms(r.p99)} |`);
}
console.log("\nOne poll of the `live` group (5 fields), against the simulated station:\n");
console.log("| profile | reads in the plan | pacing 0 ms | pacing 500 ms |");
console.log("| --- | ---: | ---: | ---: |");
for (const profile of ["AC500", "BALCO260"]) {
  const [steps, fast] = await groupPoll(profile, 0);
  const [, paced] = await groupPoll(profile, 500);
  console.log(`| ${profile} | ${steps} | ${Math.round(fast)} ms | ${Math.round(paced)} ms |`);
}
