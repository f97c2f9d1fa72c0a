// A fleet through a real broker: N simulated stations × 3 blocks (core 100, grid 1300, battery
// 6000), each group every 5 s, polled by one Runtime through mosquitto on 127.0.0.1 — poll
// lateness p50/p99/max, poll latency, snapshots ok/error, CPU and peak RSS of the runtime's
// process. The stations run in a separate process (bench/_fleet_station_process.ts, one MQTT
// connection for all of them) so that this process measures the runtime alone.
// Run: deno task bench:fleet [N] [seconds] [--default-mosquitto] [--profile=EL30V2]
//        [--interval=5] [--cpu-prof=fleet.cpuprofile] [--tls [--key=ec|rsa] [--pki-dir=dir]]
//        [--shard=i/n] [--cpu-prof-startup=startup.cpuprofile] [--heap-snapshot=end.heapsnapshot]
//        [--shared [--per-connection=500]] [--cli [--cli-v8-flags=flags] [--cli-stdout=file]
//        [--cli-stderr=file]]
//        [--start-cap=120]
//   --cli: the runtime is the real `power-sdk runtime` in its own process, started as `deno task
//   power-sdk` starts it (its V8 flags; --cli-v8-flags= others), with a jsonl sink; RSS and CPU
//   read from /proc/<pid>; see bench/_fleet_cli.ts.
//   --shared (plain only): every device sets share_connection: MQTT connections shared by up to
//   --per-connection devices each (devices_per_connection; default the transport's, 500).
//   N up to 20,000 plain (5,000 TLS); the stations run 2,500 per process.
//   --tls: every station has its own certificate and PKCS#12 bundle (own key and password,
//   made by the bench with openssl, kept in --pki-dir for later runs); the runtime reaches
//   mosquitto on a TLS listener that requires client certificates, the stations use a plain
//   listener of the same broker. Bundles are opened and checked as `power-sdk runtime` does
//   (prepareDevices) before anything connects; the start-up time runs until every device is
//   connected, and the window starts then.
//   --shard=i/n: this process runs only shard i of n (runtime --shard), the stations all N.
//   N stations (default 1000), measured for `seconds` (default 60) after one interval of
//   warm-up, once every device is connected or --start-cap seconds have passed (past capacity
//   held-back devices never connect: a longer cap measures the settled state); prints a Markdown row for docs/benchmarks.md. --cpu-prof writes a V8 CPU profile
//   of the measured window and prints where the time went. V8 flags for the measured process:
//   DENO_V8_FLAGS=--optimize-for-size deno task bench:fleet 1000 60 (shown in the row).
import process from "node:process";
import "../src/plugins/mod.ts"; // defines the built-in plugins
import { Session } from "node:inspector";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";
import {
  devicesOfShard,
  loadRuntimeConfig,
  parseShard,
  prepareDevices,
  resolveRuntime,
  Runtime,
  type Shard,
} from "../src/runtime/mod.ts";
import { type FleetPki, fleetPki, fleetPkiComplete } from "./_fleet_pki.ts";
import type { Snapshot } from "../src/runtime/mod.ts";
import { startMosquitto } from "../tests/_support/mosquitto.ts";
import { DEFAULT_DEVICES_PER_CONNECTION } from "../src/transport/mqtt_transport.ts";
import { quantile, readLines, sleepUntil, WindowRecorder } from "./_fleet_window.ts";
import { runCliFleet } from "./_fleet_cli.ts";
import { fleetRuntimeYaml } from "./_fleet_yaml.ts";

interface Options {
  n: number;
  seconds: number;
  intervalS: number;
  profile: string;
  defaultMosquitto: boolean;
  cpuProf: string | null;
  cpuProfStartup: string | null;
  heapSnapshot: string | null;
  tls: boolean;
  keyType: "ec" | "rsa";
  pkiDir: string;
  shard: Shard | null;
  shared: boolean;
  /** devices_per_connection with --shared, or null for the transport's default. */
  perConnection: number | null;
  cli: boolean;
  cliV8Flags: string | null;
  cliStdout: string | null;
  cliStderr: string | null;
  /** How long start-up may take before the window starts anyway, s (--start-cap, default 120). */
  startCapS: number;
}

function parseArgs(args: string[]): Options {
  const positional = args.filter((a) => !a.startsWith("--"));
  const flag = (name: string) =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(`--${name}=`.length);
  const options: Options = {
    n: Number(positional[0] ?? "1000"),
    seconds: Number(positional[1] ?? "60"),
    intervalS: Number(flag("interval") ?? "5"),
    profile: flag("profile") ?? "EL100V2",
    defaultMosquitto: args.includes("--default-mosquitto"),
    cpuProf: flag("cpu-prof") ?? null,
    cpuProfStartup: flag("cpu-prof-startup") ?? null,
    heapSnapshot: flag("heap-snapshot") ?? null,
    tls: args.includes("--tls"),
    keyType: flag("key") === "rsa" ? "rsa" : "ec",
    pkiDir: flag("pki-dir") ?? `${Deno.env.get("TMPDIR") ?? "/tmp"}/power-sdk-fleet-pki`,
    shard: flag("shard") === undefined ? null : parseShard(flag("shard")!),
    shared: args.includes("--shared"),
    perConnection: flag("per-connection") === undefined ? null : Number(flag("per-connection")),
    cli: args.includes("--cli"),
    cliV8Flags: flag("cli-v8-flags") ?? null,
    cliStdout: flag("cli-stdout") ?? null,
    cliStderr: flag("cli-stderr") ?? null,
    startCapS: Number(flag("start-cap") ?? "120"),
  };
  // TLS: one connection and bundle per station, up to 5,000; plain up to 20,000.
  const maxN = options.tls ? 5_000 : 20_000;
  const bad = !Number.isInteger(options.n) || options.n < 1 || options.n > maxN ||
    (options.shared && options.tls) ||
    (options.perConnection !== null &&
      (!options.shared || !Number.isInteger(options.perConnection) ||
        options.perConnection < 1)) ||
    !(options.seconds > 0 && options.seconds <= 3600) ||
    !(options.intervalS >= 1 && options.intervalS <= 60) ||
    !["EL100V2", "EL30V2"].includes(options.profile);
  if (bad) {
    console.error(
      "usage: deno task bench:fleet [N 1..20000, with --tls 1..5000] [seconds ≤ 3600] [--default-mosquitto] [--profile=EL100V2|EL30V2] [--interval=1..60] [--cpu-prof=file] [--heap-snapshot=file] [--tls [--key=ec|rsa] [--pki-dir=dir] | --shared [--per-connection=n]] [--shard=i/n] [--cli [--cli-v8-flags=flags] [--cli-stdout=file] [--cli-stderr=file]] [--start-cap=s]",
    );
    Deno.exit(2);
  }
  return options;
}

// --- the station process -------------------------------------------------------------------

interface StationStats {
  cpuUs: number;
  rss: number;
  connected: boolean;
  counters: Record<string, number>;
}

interface StationProcess {
  readonly pid: number;
  readonly ready: Promise<{ stations: number; startMs: number }>;
  /** The latest STATS (or DONE) line. */
  latest(): StationStats | null;
  /** SIGTERM, wait for DONE and the exit (SIGKILL after 10 s); the final stats. */
  stop(): Promise<StationStats | null>;
}

/** Stations per process: one process answers ~3,000 reads/s on one core of this machine. */
const STATIONS_PER_PROCESS = 2_500;

/** The stations, over as many processes as they need; their figures summed. */
function spawnStationGroup(brokerUrl: string, o: Options): StationProcess {
  const parts: StationProcess[] = [];
  for (let first = 0; first < o.n; first += STATIONS_PER_PROCESS) {
    parts.push(spawnStations(brokerUrl, o, first, Math.min(STATIONS_PER_PROCESS, o.n - first)));
  }
  if (parts.length === 1) return parts[0]!;
  const sum = (all: (StationStats | null)[]): StationStats | null => {
    if (all.some((s) => s === null)) return null;
    const counters: Record<string, number> = {};
    for (const s of all) {
      for (const [k, v] of Object.entries(s!.counters)) counters[k] = (counters[k] ?? 0) + v;
    }
    return {
      cpuUs: all.reduce((a, s) => a + s!.cpuUs, 0),
      rss: all.reduce((a, s) => a + s!.rss, 0),
      connected: all.every((s) => s!.connected),
      counters,
    };
  };
  return {
    pid: parts[0]!.pid,
    ready: Promise.all(parts.map((p) => p.ready)).then((all) => ({
      stations: all.reduce((a, r) => a + r.stations, 0),
      startMs: Math.max(...all.map((r) => r.startMs)),
    })),
    latest: () => sum(parts.map((p) => p.latest())),
    stop: async () => sum(await Promise.all(parts.map((p) => p.stop()))),
  };
}

function spawnStations(brokerUrl: string, o: Options, first = 0, n = o.n): StationProcess {
  const script = new URL("./_fleet_station_process.ts", import.meta.url).pathname;
  // Lives at most as long as the bench should (plus margin), even if this process dies.
  const maxSeconds = String(Math.ceil(o.seconds + o.intervalS + 300));
  // V8 flags given for the measured process (DENO_V8_FLAGS) are not the stations' business.
  const env = Deno.env.toObject();
  delete env.DENO_V8_FLAGS;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-q",
      "-P=bench",
      script,
      brokerUrl,
      String(n),
      o.profile,
      maxSeconds,
      String(first),
    ],
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const ready = Promise.withResolvers<{ stations: number; startMs: number }>();
  let latest: StationStats | null = null;
  let final: StationStats | null = null;
  const reading = (async () => {
    for await (const line of readLines(child.stdout)) {
      const space = line.indexOf(" ");
      const word = line.slice(0, space);
      const value = space > 0 ? JSON.parse(line.slice(space + 1)) : null;
      if (word === "READY") ready.resolve(value);
      else if (word === "STATS") latest = value;
      else if (word === "DONE") final = latest = value;
    }
  })();
  void child.status.then((status) =>
    ready.reject(new Error(`the station process exited (${status.code}) before it was ready`))
  );
  let stopping: Promise<StationStats | null> | null = null;
  return {
    pid: child.pid,
    ready: ready.promise,
    latest: () => latest,
    stop() {
      stopping ??= (async () => {
        try {
          Deno.kill(child.pid, "SIGTERM");
        } catch {
          // Already gone.
        }
        const timer = setTimeout(() => {
          try {
            Deno.kill(child.pid, "SIGKILL");
          } catch {
            // Exited meanwhile.
          }
        }, 10_000);
        await child.status;
        clearTimeout(timer);
        await reading.catch(() => {});
        return final;
      })();
      return stopping;
    },
  };
}

// --- measuring -----------------------------------------------------------------------------

function loopLagSampler(): { stop(): number[] } {
  const lags: number[] = [];
  let expected = performance.now() + 50;
  let timer = setTimeout(function tick() {
    const now = performance.now();
    lags.push(Math.max(0, now - expected));
    expected = now + 50;
    timer = setTimeout(tick, 50);
  }, 50);
  return {
    stop() {
      clearTimeout(timer);
      return lags;
    },
  };
}

// --- CPU profile ---------------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error: Error | null, result: unknown) => {
      if (error) reject(error);
      else resolve(result as T);
    })
  );
}

/** Self time by function, and by file, of the top entries. */
function summarizeProfile(profile: CpuProfile): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  let total = 0;
  for (const [id, us] of selfUs) if (byId.get(id)!.callFrame.functionName !== "(idle)") total += us;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") continue;
    const file = frame.url.replace(/^.*\/(node_modules|npm|work\/main)\//, "$1/") || "(native)";
    const name = `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = file.replace(/^(npm\/registry\.npmjs\.org\/[^/]+)\/.*$/, "$1");
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + us);
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) =>
      `${(100 * us / total).toFixed(1).padStart(5)} %  ${name}`
    );
  return [
    `busy (not idle) samples: ${(total / 1e6).toFixed(1)} s; shares below are of busy time`,
    "self time by function:",
    ...top(byFunction, 30),
    "self time by file / package:",
    ...top(byFile, 15),
  ];
}

/** Write a V8 heap snapshot (for Chrome DevTools' Memory tab) of this process to `path`. */
async function writeHeapSnapshot(path: string): Promise<void> {
  const session = new Session();
  session.connect();
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let writing: Promise<unknown> = Promise.resolve(); // in order: one chunk after the other
  session.on("HeapProfiler.addHeapSnapshotChunk", (message) => {
    const bytes = encoder.encode((message.params as { chunk: string }).chunk);
    writing = writing.then(() => writeAll(file, bytes));
  });
  await post(session, "HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  session.disconnect();
  await writing;
  file.close();
  console.error(`heap snapshot written to ${path}`);
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

/**
 * The V8 flags given through DENO_V8_FLAGS (`--v8-flags` on the command line cannot be read
 * back without full permissions), or "" when none.
 */
function v8Flags(): string {
  return Deno.env.get("DENO_V8_FLAGS") ?? "";
}

// --- the run -------------------------------------------------------------------------------

const o = parseArgs(Deno.args);
const intervalMs = o.intervalS * 1000;
const flags = v8Flags();
const brokerLabel =
  (o.defaultMosquitto ? "mosquitto, default (Nagle on)" : "mosquitto, set_tcp_nodelay true") +
  (flags ? `; V8 ${flags}` : "");
let pki: FleetPki | null = null;
if (o.tls) {
  const made = performance.now();
  pki = fleetPki(o.pkiDir, o.keyType);
  if (!fleetPkiComplete(pki, o.n)) {
    // In a child process: thousands of openssl runs would otherwise leave tens of MB in the
    // measured process (the 2,000-device baseline was 141 MB instead of 90 MB).
    const made = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-P=bench",
        new URL("./_fleet_pki.ts", import.meta.url).pathname,
        o.pkiDir,
        String(o.n),
        o.keyType,
      ],
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!made.success) throw new Error(`making the PKI failed (exit ${made.code})`);
  }
  console.error(
    `PKI in ${o.pkiDir}: ${o.n} ${o.keyType} bundles ready in ${
      Math.round(performance.now() - made)
    } ms`,
  );
}
const plainPort = o.tls ? freePort() : undefined;
const mosquitto = await startMosquitto({
  noDelay: !o.defaultMosquitto,
  ...(pki === null ? {} : {
    tls: { caFile: pki.caCert, certFile: pki.serverCert, keyFile: pki.serverKey },
    plainListenerPort: plainPort!,
  }),
});
if (!mosquitto) {
  console.error("mosquitto is not installed: nothing to measure");
  Deno.exit(1);
}
if (o.cli) {
  try {
    await runCliFleet({
      ...o,
      shard: o.shard === null ? null : `${o.shard.index}/${o.shard.count}`,
      pki,
      brokerPort: mosquitto.port,
      v8Flags: o.cliV8Flags,
      stdoutFile: o.cliStdout,
      stderrFile: o.cliStderr,
      brokerLabel: brokerLabel.replace(/; V8 .*$/, ""),
      startStations: async () => {
        const group = spawnStationGroup(
          plainPort === undefined ? mosquitto.url : `mqtt://127.0.0.1:${plainPort}`,
          o,
        );
        const ready = await group.ready;
        console.error(`${o.n} stations ready in ${ready.startMs} ms`);
        return group;
      },
    });
  } finally {
    await mosquitto.stop();
  }
  Deno.exit(0);
}
const rssBaseline = Deno.memoryUsage().rss;
let stations: StationProcess | null = null;
let runtime: Runtime | null = null;
const logCounts = { debug: 0, info: 0, warn: 0, error: 0 };
const firstProblems: string[] = [];
try {
  stations = spawnStationGroup(
    plainPort === undefined ? mosquitto.url : `mqtt://127.0.0.1:${plainPort}`,
    o,
  );
  const readyTimer = setTimeout(() => stations?.stop(), 180_000);
  const ready = await stations.ready.finally(() => clearTimeout(readyTimer));
  console.error(
    `${o.n} stations ready in ${ready.startMs} ms (pid ${stations.pid}); broker: ${brokerLabel}`,
  );

  let startupSession: Session | null = null;
  if (o.cpuProfStartup) {
    startupSession = new Session();
    startupSession.connect();
    await post(startupSession, "Profiler.enable");
    await post(startupSession, "Profiler.setSamplingInterval", { interval: 500 });
    await post(startupSession, "Profiler.start");
  }
  const startedWall = Date.now();
  const cpuStart = process.cpuUsage();
  const config = loadRuntimeConfig(fleetRuntimeYaml({ ...o, port: mosquitto.port, pki }));
  const all = resolveRuntime(config);
  const resolved = o.shard === null
    ? all
    : { ...all, devices: devicesOfShard(all.devices, o.shard) };
  // As `power-sdk runtime` does: every bundle opened and checked before anything connects.
  const opening = performance.now();
  const checked = await prepareDevices(config, resolved);
  const openMs = performance.now() - opening;
  if (checked.error !== null) throw checked.error;
  const connectedIds = new Set<string>();
  const allConnected = Promise.withResolvers<number>();
  runtime = new Runtime(resolved, {
    prepared: checked.prepared,
    logger: (entry) => {
      logCounts[entry.level]++;
      if (entry.message === "connected" && entry.deviceId !== undefined) {
        connectedIds.add(entry.deviceId);
        if (connectedIds.size === resolved.devices.length) allConnected.resolve(Date.now());
      }
      if (
        (entry.level === "warn" || entry.level === "error") &&
        !entry.message.includes("allow_insecure") && firstProblems.length < 5
      ) firstProblems.push(`${entry.deviceId ?? ""} ${entry.level}: ${entry.message}`);
    },
    onSinkError: (_sink, error) => {
      if (firstProblems.length < 5) firstProblems.push(`sink: ${error}`);
    },
  });
  // The bench's sink: the Runtime builds its sinks from the configuration only, so the
  // configured memory sink's `write` is replaced by the recorder (behind the same SinkQueue).
  // It keeps two numbers per snapshot and never prints or retains the snapshot.
  const recorder = new WindowRecorder();
  const memory = runtime.memory("bench")!;
  memory.write = (snapshot: Snapshot) => {
    recorder.record(snapshot);
    return Promise.resolve();
  };

  const rssSamples: number[] = [];
  let rssPeakAll = 0;
  const rssTimer = setInterval(() => {
    const rss = Deno.memoryUsage().rss;
    rssPeakAll = Math.max(rssPeakAll, rss);
    if (Date.now() >= recorder.windowStart && Date.now() < recorder.windowEnd) {
      rssSamples.push(rss);
    }
  }, 1000);

  runtime.start();
  // Start-up: until every device is connected (connections are made on the first polls),
  // at least one interval; excluded from the window.
  const startCap = setTimeout(() => allConnected.resolve(NaN), o.startCapS * 1000);
  const connectedAt = await allConnected.promise;
  clearTimeout(startCap);
  const startupCpu = process.cpuUsage(cpuStart);
  if (startupSession && o.cpuProfStartup) {
    const { profile } = await post<{ profile: CpuProfile }>(startupSession, "Profiler.stop");
    startupSession.disconnect();
    await Deno.writeTextFile(o.cpuProfStartup, JSON.stringify(profile));
    console.error(`start-up CPU profile written to ${o.cpuProfStartup}`);
    for (const line of summarizeProfile(profile)) console.error(line);
  }
  const startupMs = connectedAt - startedWall;
  recorder.windowStart = Math.max(Date.now(), startedWall + intervalMs);
  recorder.windowEnd = recorder.windowStart + o.seconds * 1000;
  await sleepUntil(recorder.windowStart);

  let session: Session | null = null;
  if (o.cpuProf) {
    session = new Session();
    session.connect();
    await post(session, "Profiler.enable");
    await post(session, "Profiler.setSamplingInterval", { interval: 500 });
    await post(session, "Profiler.start");
  }
  const lag = loopLagSampler();
  const allocated0 = getHeapStatistics().total_allocated_bytes;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const stationCpu0 = stations.latest()?.cpuUs ?? 0;
  await sleepUntil(recorder.windowEnd);
  const cpu = process.cpuUsage(cpu0);
  const allocated = getHeapStatistics().total_allocated_bytes - allocated0;
  const wallMs = performance.now() - wall0;
  const stationCpu1 = stations.latest()?.cpuUs ?? 0;
  const lags = lag.stop().sort((a, b) => a - b);
  let profileLines: string[] = [];
  if (session && o.cpuProf) {
    const { profile } = await post<{ profile: CpuProfile }>(session, "Profiler.stop");
    session.disconnect();
    await Deno.writeTextFile(o.cpuProf, JSON.stringify(profile));
    profileLines = [`CPU profile written to ${o.cpuProf}`, ...summarizeProfile(profile)];
  }
  clearInterval(rssTimer);
  rssSamples.push(Deno.memoryUsage().rss);
  if (o.heapSnapshot) await writeHeapSnapshot(o.heapSnapshot);
  rssPeakAll = Math.max(rssPeakAll, ...rssSamples);
  const memoryEnd = Deno.memoryUsage();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size]),
  );
  const metrics = runtime.metrics();
  const dropped = Object.values(metrics.sinks).reduce((a, q) => a + q.dropped, 0);
  const reconnects = Object.values(metrics.devices).reduce((a, d) => a + d.reconnects, 0);

  await runtime.stop();
  runtime = null;
  const stationFinal = await stations.stop();
  stations = null;

  // --- report --------------------------------------------------------------------------------
  const lateness = Float64Array.from(recorder.lateness).sort();
  const latency = Float64Array.from(recorder.latency).sort();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const oneCore = (100 * cpuMs) / wallMs;
  const cores = navigator.hardwareConcurrency;
  const stationCore = (100 * (stationCpu1 - stationCpu0) / 1000) / wallMs;
  const rssPeak = Math.max(...rssSamples);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  const ms = (v: number) => v.toFixed(1);
  const polled = resolved.devices.length;
  const expected = polled * 3 * (o.seconds / o.intervalS);
  const polls = recorder.ok + recorder.errors;
  // What the row's N means: cadence, and with --shared how the devices share connections.
  const perConnection = o.perConnection ?? DEFAULT_DEVICES_PER_CONNECTION;
  const nLabel = `${o.n} every ${o.intervalS} s${
    o.shared
      ? `, shared ≤ ${perConnection}/connection (${Math.ceil(o.n / perConnection)} connections)`
      : ""
  }`;

  console.log(
    `\nfleet: ${o.n} × ${o.profile} stations, 3 groups every ${o.intervalS} s, ${brokerLabel}${
      o.tls ? `; TLS, one ${o.keyType} bundle per station` : ""
    }${
      o.shared
        ? `; share_connection, up to ${
          o.perConnection ?? DEFAULT_DEVICES_PER_CONNECTION
        } devices per MQTT connection (${
          Math.ceil(o.n / (o.perConnection ?? DEFAULT_DEVICES_PER_CONNECTION))
        } connections)`
        : ""
    }${o.shard ? `; shard ${o.shard.index}/${o.shard.count}: ${polled} devices` : ""}`,
  );
  console.log(
    `start-up: bundles opened in ${Math.round(openMs)} ms; all ${polled} devices connected ${
      Number.isNaN(startupMs)
        ? `NOT within ${o.startCapS} s`
        : `after ${(startupMs / 1000).toFixed(1)} s`
    } (${connectedIds.size} connected); start-up CPU ${
      ((startupCpu.user + startupCpu.system) / 1e6).toFixed(1)
    } s; load average at the end ${Deno.loadavg().map((v) => v.toFixed(1)).join(" ")}`,
  );
  console.log(
    `window: ${o.seconds} s after ${o.intervalS} s warm-up; polls due in it: ${polls} of ~${expected} scheduled (${recorder.ok} ok, ${recorder.errors} error)`,
  );
  if (recorder.errorCodes.size > 0) {
    console.log(`errors by code: ${JSON.stringify(Object.fromEntries(recorder.errorCodes))}`);
  }
  console.log(
    `poll lateness ms: p50 ${ms(quantile(lateness, 0.5))}, p99 ${
      ms(quantile(lateness, 0.99))
    }, max ${ms(quantile(lateness, 1))}`,
  );
  console.log(
    `poll latency ms (one block read, request → decoded snapshot): p50 ${
      ms(quantile(latency, 0.5))
    }, p99 ${ms(quantile(latency, 0.99))}, max ${ms(quantile(latency, 1))}`,
  );
  console.log(
    `event-loop lag ms (50 ms timer): p50 ${ms(quantile(lags, 0.5))}, p99 ${
      ms(quantile(lags, 0.99))
    }, max ${ms(quantile(lags, 1))}`,
  );
  console.log(
    `runtime CPU: ${oneCore.toFixed(1)} % of one core = ${
      (oneCore / cores).toFixed(1)
    } % of the machine (${cores} cores); user ${
      (cpu.user / 1000 / wallMs * 100).toFixed(1)
    } %, system ${(cpu.system / 1000 / wallMs * 100).toFixed(1)} %`,
  );
  console.log(
    `runtime RSS: peak ${mb(rssPeak)} MB in the window (${mb(rssPeakAll)} MB overall; ${
      mb(rssBaseline)
    } MB before the runtime was built)`,
  );
  const every10s = rssSamples.filter((_, i) => i % 10 === 9 || i === rssSamples.length - 1);
  console.log(`runtime RSS every 10 s (MB): ${every10s.map(mb).join(", ")}`);
  console.log(
    `runtime JS allocation: ${(allocated / 1048576 / (wallMs / 1000)).toFixed(1)} MB/s = ${
      (allocated / 1024 / Math.max(1, polls)).toFixed(1)
    } KB per poll`,
  );
  console.log(
    `runtime heap at the end: total ${mb(memoryEnd.heapTotal)} MB (new space ${
      mb(spaces.new_space ?? 0)
    } MB, old space ${mb(spaces.old_space ?? 0)} MB), used ${mb(memoryEnd.heapUsed)} MB, external ${
      mb(memoryEnd.external)
    } MB`,
  );
  console.log(
    `station process: ${stationCore.toFixed(1)} % of one core, RSS ${
      mb(stationFinal?.rss ?? 0)
    } MB, counters ${JSON.stringify(stationFinal?.counters ?? {})}`,
  );
  console.log(
    `sink queue drops: ${dropped}; reconnects: ${reconnects}; runtime log: ${
      JSON.stringify(logCounts)
    }`,
  );
  // mosquitto drops QoS 1/2 messages for a client whose queue is full (max_queued_messages)
  // and says so once per episode: a slow reader of a shared connection shows up here.
  const brokerDrops = mosquitto.log.split("\n").filter((l) => /messages are being dropped/.test(l));
  console.log(
    `broker: ${brokerDrops.length} "messages are being dropped" notices${
      brokerDrops.length > 0 ? ` (first: ${brokerDrops[0]!.trim()})` : ""
    }`,
  );
  for (const line of firstProblems) console.log(`  ${line}`);
  for (const line of profileLines) console.log(line);
  console.log(
    "\n| date | broker | N | window | snapshots ok / error | lateness p50 | p99 | max | read latency p50 | p99 | CPU (one core) | CPU (machine) | peak RSS | stations' process CPU | start-up (all connected) | bundles opened | peak RSS overall | load average |",
  );
  console.log(
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  console.log(
    `| ${
      new Date().toISOString().slice(0, 10)
    } | ${brokerLabel} | ${nLabel} | ${o.seconds} s | ${recorder.ok} / ${recorder.errors} | ${
      ms(quantile(lateness, 0.5))
    } ms | ${ms(quantile(lateness, 0.99))} ms | ${ms(quantile(lateness, 1))} ms | ${
      ms(quantile(latency, 0.5))
    } ms | ${ms(quantile(latency, 0.99))} ms | ${oneCore.toFixed(1)} % | ${
      (oneCore / cores).toFixed(1)
    } % | ${mb(rssPeak)} MB | ${stationCore.toFixed(1)} % | ${
      Number.isNaN(startupMs) ? `> ${o.startCapS} s` : `${(startupMs / 1000).toFixed(1)} s`
    } | ${(openMs / 1000).toFixed(1)} s | ${mb(rssPeakAll)} MB | ${
      Deno.loadavg().map((v) => v.toFixed(1)).join(" ")
    } |`,
  );
} finally {
  await runtime?.stop().catch(() => {});
  await stations?.stop().catch(() => {});
  await mosquitto.stop();
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
