// 1,000 stations through each output sink: snapshots of real decoded blocks (core: block 100,
// battery: block 6000, from the simulated station model) pushed through a SinkQueue into the
// sink, measured per sink in its own process: snapshots per second to drain, CPU time, RSS
// added, and per sink what matters (MQTT messages, /metrics scrape time and size, InfluxDB
// batches). The consumers are real: mosquitto and influxd started on 127.0.0.1, random ports.
// Run: deno run -P=bench bench/output_sinks.ts [N] [rounds]     (N stations, default 1000;
//      rounds of core+battery per station, default 5); prints a Markdown table.
import "../mod.ts"; // defines the built-in plugins
import process from "node:process";
import {
  HomeAssistantSink,
  InfluxDbSink,
  JsonlSink,
  MqttSink,
  type OutputDevice,
  PrometheusSink,
  type Sink,
  SinkQueue,
  type Snapshot,
} from "../src/runtime/mod.ts";
import { createBluettiRegistry } from "../src/plugins/bluetti_v2/registry.ts";
import { StationModel } from "../src/testing/simulated_station.ts";
import { startMosquitto } from "../tests/_support/mosquitto.ts";
import { findExecutable, freePort, TestProcess, until } from "../tests/_support/processes.ts";

const SINKS = ["jsonl", "mqtt", "homeassistant", "prometheus", "influxdb"] as const;
type SinkKind = typeof SINKS[number];

function snapshotsFor(n: number, rounds: number): { devices: OutputDevice[]; all: Snapshot[] } {
  const registry = createBluettiRegistry();
  const devices: OutputDevice[] = [];
  const all: Snapshot[] = [];
  const template = new StationModel({ profile: "EL100V2", sn: "EL100V2000000", seed: 1 });
  const decoded = [100, 6000].map((id) => {
    const record = registry.get(id)!.decode(template.blockData(id));
    return { blockId: id, name: record.name, values: record.values, units: record.units };
  });
  for (let i = 0; i < n; i++) {
    const serial = `EL100V2${String(i).padStart(6, "0")}`;
    devices.push({
      id: `station_${i}`,
      serial,
      model: "Elite 100 V2",
      modelId: "EL100V2",
      manufacturer: "BLUETTI",
      controls: [],
      writeEnabled: false,
    });
  }
  const start = Date.parse("2026-12-01T00:00:00.000Z");
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < n; i++) {
      decoded.forEach((block, index) => {
        const values = { ...block.values, soc: 20 + ((i + round) % 80) };
        all.push({
          deviceId: `station_${i}`,
          profile: "EL100V2",
          mode: "pull",
          group: index === 0 ? "core" : "battery",
          at: new Date(start + round * 10_000 + i).toISOString(),
          ok: true,
          errors: [],
          blocks: [{ ...block, values, warnings: [] }],
          metrics: {
            ok: round + 1,
            errors: 0,
            consecutiveErrors: 0,
            lastSuccess: null,
            reconnects: 0,
            droppedSnapshots: 0,
            lastLatencyMs: 80,
            lastLatenessMs: 0,
          },
        });
      });
    }
  }
  return { devices, all };
}

async function startInfluxd(dir: string): Promise<{ url: string; process: TestProcess }> {
  const influxd = findExecutable("influxd");
  if (!influxd) throw new Error("influxd is not installed");
  const http = freePort();
  await Deno.writeTextFile(
    `${dir}/influxdb.conf`,
    `reporting-disabled = true\nbind-address = "127.0.0.1:${freePort()}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false\n[http]\n  bind-address = "127.0.0.1:${http}"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n`,
  );
  const process = new TestProcess(influxd, ["-config", `${dir}/influxdb.conf`], dir);
  const url = `http://127.0.0.1:${http}`;
  await until("influxd", async () => {
    const response = await fetch(`${url}/ping`);
    await response.body?.cancel();
    return response.status === 204 ? true : undefined;
  });
  await fetch(`${url}/query`, {
    method: "POST",
    body: new URLSearchParams({ q: "CREATE DATABASE bench" }),
  });
  return { url, process };
}

async function measure(kind: SinkKind, n: number, rounds: number): Promise<Record<string, string>> {
  const { devices, all } = snapshotsFor(n, rounds);
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-bench-" });
  const cleanup: (() => Promise<void>)[] = [() => Deno.remove(dir, { recursive: true })];
  const extra: Record<string, string> = {};
  let sink: Sink;
  let mosquittoLog = () => "";
  try {
    if (kind === "mqtt" || kind === "homeassistant") {
      const broker = await startMosquitto({ noDelay: true });
      if (!broker) throw new Error("mosquitto is not installed");
      cleanup.unshift(() => broker.stop());
      mosquittoLog = () => broker.log;
      const s = kind === "mqtt"
        ? new MqttSink("mqtt", { broker: broker.url, devices })
        : new HomeAssistantSink("ha", { broker: broker.url, devices });
      await s.ready();
      sink = s;
    } else if (kind === "prometheus") {
      sink = new PrometheusSink("prom", { listen: "127.0.0.1:0", devices });
    } else if (kind === "influxdb") {
      const influx = await startInfluxd(dir);
      cleanup.unshift(() => influx.process.stop());
      sink = new InfluxDbSink("influx", { url: influx.url, database: "bench", devices });
    } else {
      sink = new JsonlSink("jsonl", { path: `${dir}/snapshots.jsonl` });
    }
    (globalThis as { gc?: () => void }).gc?.();
    const rssBefore = Deno.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const queue = new SinkQueue(sink, { size: all.length });
    const started = performance.now();
    for (const snapshot of all) queue.push(snapshot);
    await queue.drain();
    if (kind === "influxdb" || kind === "jsonl") await sink.flush();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const rssAfter = Deno.memoryUsage().rss;
    if (queue.counters.failed > 0) {
      throw new Error(`${kind}: ${queue.counters.failed} writes failed ${mosquittoLog()}`);
    }
    if (kind === "prometheus") {
      const port = (sink as PrometheusSink).port;
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        times.push(performance.now() - t);
        bytes = text.length;
      }
      times.sort((a, b) => a - b);
      extra.note = `scrape p50 ${times[5]!.toFixed(0)} ms, max ${times[9]!.toFixed(0)} ms, ${
        (bytes / 1e6).toFixed(1)
      } MB`;
    }
    if (kind === "influxdb") {
      const c = (sink as InfluxDbSink).counters;
      extra.note = `${c.written} lines in ${c.batches} batches, ${c.retries} retries`;
    }
    if (kind === "mqtt" || kind === "homeassistant") {
      extra.note = kind === "mqtt"
        ? `${all.length} states + ${n} availability messages`
        : `${n} discovery configs + ${all.length} states`;
    }
    await queue.close();
    return {
      sink: kind,
      snapshots: String(all.length),
      rate: `${Math.round(all.length / seconds)}/s`,
      cpu: `${((cpu.user + cpu.system) / 1000 / all.length * 1000).toFixed(0)} ms`,
      rss: `${((rssAfter - rssBefore) / 1e6).toFixed(0)} MB`,
      note: extra.note ?? "",
    };
  } finally {
    for (const step of cleanup) await step().catch(() => {});
  }
}

const kindArg = Deno.args.find((a) => a.startsWith("--sink="))?.slice("--sink=".length);
const positional = Deno.args.filter((a) => !a.startsWith("--"));
const n = Number(positional[0] ?? "1000");
const rounds = Number(positional[1] ?? "5");
if (kindArg) {
  console.log(JSON.stringify(await measure(kindArg as SinkKind, n, rounds)));
} else {
  console.log(
    `| sink | snapshots | drained at | CPU per 1,000 snapshots | RSS added | notes |\n|---|---|---|---|---|---|`,
  );
  for (const kind of SINKS) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-P=bench",
        "--v8-flags=--expose-gc",
        new URL(import.meta.url).pathname,
        `--sink=${kind}`,
        String(n),
        String(rounds),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "{}";
    const r = JSON.parse(line) as Record<string, string>;
    console.log(`| ${r.sink} | ${r.snapshots} | ${r.rate} | ${r.cpu} | ${r.rss} | ${r.note} |`);
  }
}
