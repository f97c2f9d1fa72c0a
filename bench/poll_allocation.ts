// Garbage per poll: how many bytes of JavaScript heap one poll (one group of one block read)
// allocates, layer by layer, in this process. Every byte allocated becomes garbage once the poll
// is over (the device state keeps the latest record per block), so at 1,000 polls/s each KB per
// poll is 1 MB/s the collector has to find.
//
// Run: deno task bench:alloc [reads] [--mode=client,runner,mqtt,scheduled] [--profile=EL100V2]
//        [--devices=100] [--heap-profile[=N]] [--json]
//   client  Client.readGroup of core/grid/battery in turn (the runtime's read options) over a
//           LoopbackTransport that answers each request with the station's reply, made once by
//           a StationModel and kept: the layers above the transport (framing, request window,
//           reply match, parse, decode, plausibility, device state), not the station.
//   runner  the runtime's DeviceRunner.pollOnce (all three groups) with a SinkQueue in front of
//           a MemorySink, over the same in-process transport: client + snapshot + sink queue.
//   mqtt    Runtime.runOnce over real MQTT: --devices devices (default 100) sharing connections
//           (share_connection) through mosquitto on 127.0.0.1, their stations in another process
//           (bench/_fleet_station_process.ts): the runtime's whole path but the timers, npm:mqtt
//           and node:net included.
// `reads` (default 20,000; mqtt: rounded up to whole rounds of the devices' 3 groups) are
// measured after a warm-up of a fifth as many. Bytes are V8's `total_allocated_bytes` (every
// allocation of the JavaScript heap, collected or not) before and after, divided by the reads.
// --heap-profile[=N]: also run V8's sampling heap profiler (node:inspector, objects collected by
// minor and major GCs included) over the measured reads and print the N (default 25) functions
// that allocated most, in bytes per read (sampled: an estimate, ±10 % on these counts).
import "../src/plugins/builtin.ts"; // defines the built-in plugins
import { Session } from "node:inspector";
import { getHeapStatistics } from "node:v8";
import { Client } from "../src/client/client.ts";
import type { DeviceProfile } from "../src/device/profile.ts";
import { getProfile } from "../profiles/mod.ts";
import { pluginOf } from "../src/plugin/plugin.ts";
import { DeviceRunner } from "../src/runtime/_device_runner.ts";
import { loadRuntimeConfig, resolveRuntime, Runtime } from "../src/runtime/mod.ts";
import type { ResolvedDevice, Snapshot } from "../src/runtime/types.ts";
import { MemorySink } from "../src/runtime/sinks/memory_sink.ts";
import { SinkQueue } from "../src/runtime/sinks/sink_queue.ts";
import { StationModel } from "../src/testing/station_model.ts";
import { LoopbackTransport } from "../src/transport/loopback_transport.ts";
import { startMosquitto } from "../tests/_support/mosquitto.ts";
import { fleetSerial } from "./_fleet_station_process.ts";
import { readLines } from "./_fleet_window.ts";
import { fleetRuntimeYaml } from "./_fleet_yaml.ts";

type Mode = "client" | "runner" | "mqtt" | "scheduled";
const MODES: readonly Mode[] = ["client", "runner", "mqtt", "scheduled"];

interface Options {
  reads: number;
  modes: Mode[];
  profile: string;
  devices: number;
  heapProfile: number;
  json: boolean;
}

function parseArgs(args: string[]): Options {
  const flag = (name: string) => {
    const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    return hit === undefined ? undefined : hit.slice(`--${name}=`.length) || "";
  };
  const positional = args.filter((a) => !a.startsWith("--"));
  const modes = (flag("mode") ?? "client,runner,mqtt").split(",") as Mode[];
  const options: Options = {
    reads: Number(positional[0] ?? "20000"),
    modes,
    profile: flag("profile") ?? "EL100V2",
    devices: Number(flag("devices") ?? "100"),
    heapProfile: flag("heap-profile") === undefined ? 0 : Number(flag("heap-profile") || "25"),
    json: args.includes("--json"),
  };
  if (
    !Number.isInteger(options.reads) || options.reads < 100 ||
    modes.some((m) => !MODES.includes(m)) ||
    !Number.isInteger(options.devices) || options.devices < 1 || options.devices > 2_500 ||
    !Number.isInteger(options.heapProfile) || options.heapProfile < 0
  ) {
    console.error(
      "usage: deno task bench:alloc [reads ≥ 100] [--mode=client,runner,mqtt,scheduled] [--profile=EL100V2] [--devices=1..2500] [--heap-profile[=N]] [--json]",
    );
    Deno.exit(2);
  }
  return options;
}

/**
 * The station of the in-process modes (a LoopbackTransport's synchronous handler): the reply a
 * StationModel made for the same request bytes the first time, so that the station's own work
 * is not measured.
 */
function cannedStation(station: StationModel): (request: Uint8Array) => Uint8Array {
  const replies: { request: Uint8Array; reply: Uint8Array }[] = [];
  return (request) => {
    for (const known of replies) {
      if (sameBytes(known.request, request)) return known.reply;
    }
    const reply = station.handle(request)[0]!;
    replies.push({ request: request.slice(), reply });
    return reply;
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What one mode measured. */
interface Result {
  mode: Mode;
  reads: number;
  bytesPerRead: number;
  msPerRead: number;
  top: { site: string; bytesPerRead: number }[];
}

function allocated(): number {
  return getHeapStatistics().total_allocated_bytes;
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error: Error | null, result: unknown) => {
      if (error) reject(error);
      else resolve(result as T);
    })
  );
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/**
 * Bytes by allocating function (name, file, line) over a sampling profile's tree; a function
 * outside the project's files (a builtin, npm:mqtt, Deno's own) is named with the nearest
 * project function that called it, and its own caller when that is no project function either
 * (`setTimeout ext:deno_node/timers.ts:1 ← run src/transport/_request_window.ts:27`).
 */
function bySite(head: SamplingNode): Map<string, number> {
  const root = new URL("..", import.meta.url).href;
  const sites = new Map<string, number>();
  const name = (node: SamplingNode) => {
    const f = node.callFrame;
    const file = f.url.startsWith(root)
      ? f.url.slice(root.length)
      : f.url.replace(/^.*\/registry\.npmjs\.org\//, "npm:");
    return `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
  };
  const ours = (node: SamplingNode) => node.callFrame.url.startsWith(root);
  const visit = (node: SamplingNode, parent: SamplingNode | null, caller: SamplingNode | null) => {
    if (node.selfSize > 0) {
      let site = name(node);
      if (!ours(node) && parent !== null && parent !== caller && !ours(parent)) {
        site += ` ← ${name(parent)}`;
      }
      if (!ours(node) && caller !== null) site += ` ← ${name(caller)}`;
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    const next = ours(node) ? node : caller;
    for (const child of node.children) visit(child, node, next);
  };
  visit(head, null, null);
  return sites;
}

/**
 * Run `round` (which makes `perRound` reads) until `reads` reads are measured, after a warm-up;
 * returns the bytes per read and, with a heap profile, the top sites.
 */
async function measure(
  mode: Mode,
  o: Options,
  perRound: number,
  round: () => Promise<void>,
): Promise<Result> {
  const rounds = Math.ceil(o.reads / perRound);
  for (let i = 0; i < Math.ceil(rounds / 5); i++) await round();
  let session: Session | null = null;
  if (o.heapProfile > 0) {
    session = new Session();
    session.connect();
    await post(session, "HeapProfiler.enable");
    await post(session, "HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const before = allocated();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await round();
  const ms = performance.now() - started;
  const bytes = allocated() - before;
  const reads = rounds * perRound;
  let top: Result["top"] = [];
  if (session !== null) {
    const { profile } = await post<{ profile: { head: SamplingNode } }>(
      session,
      "HeapProfiler.stopSampling",
    );
    session.disconnect();
    top = [...bySite(profile.head)].sort((a, b) => b[1] - a[1]).slice(0, o.heapProfile)
      .map(([site, b]) => ({ site, bytesPerRead: Math.round(b / reads) }));
  }
  return { mode, reads, bytesPerRead: Math.round(bytes / reads), msPerRead: ms / reads, top };
}

/** The runtime's read options (_device_runner.ts). */
const READ_OPTIONS = { timeoutMs: 5_000, retry: { maxAttempts: 2, initialDelayMs: 200 } };

async function clientMode(o: Options, profile: DeviceProfile): Promise<Result> {
  const sn = fleetSerial(profile.id, 0);
  const transport = new LoopbackTransport(cannedStation(new StationModel({ profile, sn })));
  await using client = new Client({ transport, profile });
  await client.connect();
  const abort = new AbortController();
  const groups = ["core", "grid", "battery"];
  return await measure("client", o, groups.length, async () => {
    for (const group of groups) {
      const result = await client.readGroup(group, { signal: abort.signal, ...READ_OPTIONS });
      if (!result.ok) throw new Error(`group ${group} failed: ${result.errors[0]?.error}`);
    }
  });
}

/** The device of a one-device fleet's runtime.yaml (resolved as the runtime resolves it). */
function resolvedDevice(profile: DeviceProfile): ResolvedDevice {
  const yaml = fleetRuntimeYaml({ n: 1, profile: profile.id, port: 1, pki: null });
  return resolveRuntime(loadRuntimeConfig(yaml)).devices[0]!;
}

async function runnerMode(o: Options, profile: DeviceProfile): Promise<Result> {
  const device = resolvedDevice(profile);
  const plugin = pluginOf(profile);
  const registry = plugin.createRegistry(profile);
  const sink = new MemorySink("bench", { size: 1 });
  const queue = new SinkQueue(sink, { size: 1000 });
  const station = cannedStation(new StationModel({ profile, sn: fleetSerial(profile.id, 0) }));
  const runner = new DeviceRunner({
    device,
    profile,
    registry,
    plugin,
    createTransport: () => Promise.resolve(new LoopbackTransport(station)),
    emit: (snapshot) => queue.push(snapshot),
    log: () => {},
    reconnectAfter: 3,
    reconnectPolicy: { initialDelayMs: 2_000, maxDelayMs: 300_000 },
    timeoutMs: 5_000,
    random: Math.random,
  });
  try {
    return await measure("runner", o, device.groups.length, async () => {
      const snapshots = await runner.pollOnce();
      if (!snapshots.every((s) => s.ok)) {
        throw new Error(`a poll failed: ${JSON.stringify(snapshots.map((s) => s.errors))}`);
      }
      await queue.drain();
    });
  } finally {
    await runner.stop();
    await queue.close();
  }
}

async function mqttMode(
  o: Options,
  profile: DeviceProfile,
  scheduled: boolean,
): Promise<Result | null> {
  const mosquitto = await startMosquitto({ noDelay: true });
  if (mosquitto === null) {
    console.error("mqtt: mosquitto is not installed; skipped");
    return null;
  }
  const script = new URL("./_fleet_station_process.ts", import.meta.url).pathname;
  const env = Deno.env.toObject();
  delete env.DENO_V8_FLAGS;
  const stations = new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-P=bench", script, mosquitto.url, String(o.devices), profile.id, "900"],
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = readLines(stations.stdout);
  let runtime: Runtime | null = null;
  try {
    for await (const line of lines) if (line.startsWith("READY ")) break;
    const yaml = fleetRuntimeYaml({
      n: o.devices,
      profile: profile.id,
      intervalS: 1,
      port: mosquitto.port,
      pki: null,
      shared: true,
    });
    runtime = new Runtime(resolveRuntime(loadRuntimeConfig(yaml)), { logger: () => {} });
    const run = runtime;
    const perRound = o.devices * 3;
    if (!scheduled) {
      return await measure("mqtt", o, perRound, async () => {
        const snapshots = await run.runOnce();
        const failed = snapshots.find((s) => !s.ok);
        if (failed) throw new Error(`a poll failed: ${JSON.stringify(failed.errors)}`);
      });
    }
    // The devices on their own schedules (every group every second): a round is one second's
    // polls, counted as the sink takes their snapshots.
    let polls = 0;
    let failed: Snapshot | null = null;
    let next: { at: number; resolve: () => void } | null = null;
    run.memory("bench")!.write = (snapshot: Snapshot) => {
      polls++;
      if (!snapshot.ok) failed ??= snapshot;
      if (next !== null && polls >= next.at) next.resolve();
      return Promise.resolve();
    };
    run.start();
    return await measure("scheduled", o, perRound, () => {
      if (failed !== null) throw new Error(`a poll failed: ${JSON.stringify(failed.errors)}`);
      const done = Promise.withResolvers<void>();
      next = { at: polls + perRound, resolve: done.resolve };
      return done.promise;
    });
  } finally {
    await runtime?.stop();
    try {
      Deno.kill(stations.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await stations.status;
    for await (const _ of lines) {
      // Drain what the station process printed last so that its pipe closes.
    }
    await mosquitto.stop();
  }
}

const o = parseArgs(Deno.args);
const profile = getProfile(o.profile);
const results: Result[] = [];
for (const mode of o.modes) {
  const result = mode === "client"
    ? await clientMode(o, profile)
    : mode === "runner"
    ? await runnerMode(o, profile)
    : await mqttMode(o, profile, mode === "scheduled");
  if (result === null) continue;
  results.push(result);
  if (!o.json) {
    console.log(
      `${mode.padEnd(9)} ${String(result.bytesPerRead).padStart(7)} bytes/read  ${
        result.msPerRead.toFixed(3)
      } ms/read  (${result.reads} reads)`,
    );
    for (const site of result.top) {
      console.log(`    ${String(site.bytesPerRead).padStart(6)}  ${site.site}`);
    }
  }
}
const load = (Deno.loadavg()[0] ?? 0).toFixed(2);
if (o.json) console.log(JSON.stringify({ load, v8: Deno.version.v8, results }));
else console.log(`load average ${load}; V8 ${Deno.version.v8}; ${new Date().toISOString()}`);
