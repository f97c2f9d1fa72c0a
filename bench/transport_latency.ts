// Block reads through a real broker: reads per second and p50/p99 latency of one station's
// reads, end to end (Client → MqttTransport → broker → simulated station → broker → decode),
// through mosquitto (default and set_tcp_nodelay true) and the embedded broker.
// Run: deno task bench:transport [reads]   — prints a Markdown table for docs/benchmarks.md.
import { Client } from "../src/client/mod.ts";
import { MqttTransport } from "../src/transport/mod.ts";
import { EmbeddedBroker, SimulatedStation } from "../src/testing/mod.ts";
import { getProfile } from "../profiles/mod.ts";
import { startMosquitto } from "../tests/_support/mosquitto.ts";

const reads = Number(Deno.args[0] ?? "2000");

interface Row {
  broker: string;
  p50: number;
  p99: number;
  perSecond: number;
}

async function measure(label: string, url: string, reads: number): Promise<Row> {
  const sn = `EL100V2BENCH${Math.floor(Math.random() * 1e6)}`;
  await using _station = await SimulatedStation.start({ profile: "EL100V2", sn, brokerUrl: url });
  await using client = new Client({
    transport: new MqttTransport({
      broker: url,
      deviceSn: sn,
      allowInsecure: true,
      logger: () => {},
    }),
    profile: getProfile("EL100V2"),
    retry: { maxAttempts: 1 },
  });
  await client.connect();
  for (let i = 0; i < 50; i++) await client.readBlock(100); // warm-up
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < reads; i++) {
    const t0 = performance.now();
    await client.readBlock(100);
    times.push(performance.now() - t0);
  }
  const total = performance.now() - start;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { broker: label, p50: at(0.5), p99: at(0.99), perSecond: reads / (total / 1000) };
}

const rows: Row[] = [];
const embedded = await EmbeddedBroker.start();
try {
  rows.push(await measure("embedded (aedes, in process, no-delay sockets)", embedded.url, reads));
} finally {
  await embedded.close();
}
for (const noDelay of [true, false]) {
  const broker = await startMosquitto({ noDelay });
  if (!broker) {
    console.error("mosquitto is not installed: skipping the mosquitto rows");
    break;
  }
  try {
    // Default mosquitto costs ~44 ms a read: fewer reads keep the run short.
    const n = noDelay ? reads : Math.min(reads, 200);
    const label = noDelay ? "mosquitto, set_tcp_nodelay true" : "mosquitto, default (Nagle on)";
    rows.push(await measure(label, broker.url, n));
  } finally {
    await broker.stop();
  }
}

console.log(`| broker | reads/s (one station) | p50 | p99 |`);
console.log(`| --- | --- | --- | --- |`);
for (const r of rows) {
  console.log(
    `| ${r.broker} | ${Math.round(r.perSecond)} | ${r.p50.toFixed(2)} ms | ${
      r.p99.toFixed(2)
    } ms |`,
  );
}
