// `bench/fleet.ts --cli`: the same fleet, polled by the real `power-sdk runtime` in its own
// process, started as `deno task power-sdk` starts it (`deno run -q -P=cli --v8-flags=<the
// task's flags> cli.ts runtime --config runtime.yaml --verbose`). The bench writes the
// runtime.yaml (every device its own bundle; its password from the environment through
// `${VAR}`, as a user keeps it out of the file), and measures from the outside:
// - RSS: VmRSS of /proc/<pid>/status every 500 ms (peak in the window, peak overall) and VmHWM
//   (the kernel's high-water mark of the whole run, start-up included);
// - CPU: utime + stime of /proc/<pid>/stat over the window;
// - every snapshot from the jsonl sink the CLI writes (`at`, `ok`, `errors[].code`,
//   `metrics.lastLatenessMs`, `metrics.lastLatencyMs`), read while it grows;
// - start-up: from spawning the process until the last device's `info: <id>: connected` line
//   on stderr (`--verbose`); the window starts then, and not before one interval after spawn.
// Private to bench/fleet.ts, which passes in the broker and the station processes.
import { join } from "node:path";
import type { FleetPki } from "./_fleet_pki.ts";
import { fleetRuntimeYaml } from "./_fleet_yaml.ts";
import {
  quantile,
  readLines,
  sleepUntil,
  WindowRecorder,
  type WindowSnapshot,
} from "./_fleet_window.ts";

/** What the fleet bench gives this mode. */
export interface CliFleetInput {
  readonly n: number;
  readonly seconds: number;
  readonly intervalS: number;
  readonly profile: string;
  /** `i/n`, passed on as `--shard`. */
  readonly shard: string | null;
  readonly pki: FleetPki | null;
  readonly brokerPort: number;
  /** Plain mode only: every device `share_connection: true`. */
  readonly shared: boolean;
  /** Plain mode only: `devices_per_connection` with `shared`; null: the transport's default. */
  readonly perConnection: number | null;
  /** The V8 flags for the CLI; null: the ones of the `power-sdk` task in deno.json. */
  readonly v8Flags: string | null;
  /** How the broker is set up, for the printed row. */
  readonly brokerLabel: string;
  /** A file for the CLI's stdout (V8's --trace-gc prints there); null: discarded. */
  readonly stdoutFile: string | null;
  /** Where to copy the CLI's stderr, each line after the seconds since the spawn, or null. */
  readonly stderrFile: string | null;
  /** How long start-up may take before the window starts anyway, s. */
  readonly startCapS: number;
  /** Starts the stations; resolves when they are ready. */
  readonly startStations: () => Promise<{ stop(): Promise<unknown> }>;
}

const ROOT = new URL("../", import.meta.url).pathname;

/** The `--v8-flags=` of the `power-sdk` task: what a user running the CLI gets. */
export function shippedV8Flags(): string {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  const task: string = config.tasks["power-sdk"];
  const match = /--v8-flags=(\S+)/.exec(task);
  if (match === null) throw new Error(`no --v8-flags in the power-sdk task: ${task}`);
  return match[1]!;
}

function passwordVar(i: number): string {
  return `FLEET_BUNDLE_PASSWORD_${i}`;
}

/** Reads the lines appended to a file since the last call. */
class FileTail {
  #offset = 0;
  #pending = "";
  readonly #decoder = new TextDecoder();
  constructor(readonly path: string) {}

  async read(onLine: (line: string) => void): Promise<void> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path, { read: true });
    } catch {
      return; // not written yet
    }
    try {
      await file.seek(this.#offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(1 << 20);
      for (;;) {
        const n = await file.read(buffer);
        if (n === null || n === 0) break;
        this.#offset += n;
        this.#pending += this.#decoder.decode(buffer.subarray(0, n), { stream: true });
        let newline;
        while ((newline = this.#pending.indexOf("\n")) !== -1) {
          const line = this.#pending.slice(0, newline);
          this.#pending = this.#pending.slice(newline + 1);
          if (line !== "") onLine(line);
        }
      }
    } finally {
      file.close();
    }
  }
}

interface ProcSample {
  rss: number; // bytes
  hwm: number; // bytes
  cpuTicks: number; // utime + stime
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/**
 * RSS, high-water mark and CPU ticks of `pid`, or null when it has exited. Read with `cat`:
 * Deno lets a process read another's /proc files only with --allow-all.
 */
async function procSample(pid: number): Promise<ProcSample | null> {
  const output = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`, `/proc/${pid}/stat`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!output.success) return null; // exited
  const text = new TextDecoder().decode(output.stdout);
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1]);
  // /proc/<pid>/stat is the last line; fields after the command name (which may hold spaces),
  // counted from field 3 (state).
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime (14), stime (15)
  return { rss: kb("VmRSS") * 1024, hwm: kb("VmHWM") * 1024, cpuTicks };
}

/** RSS by kind of mapping (/proc/<pid>/smaps): anonymous, the malloc heap, files. */
async function rssByMapping(pid: number): Promise<string> {
  const output = await new Deno.Command("cat", {
    args: [`/proc/${pid}/smaps`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!output.success) return "(exited)";
  const sums = new Map<string, number>();
  let kind = "";
  let bigAnon = 0;
  let size = 0;
  for (const line of new TextDecoder().decode(output.stdout).split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1]!;
      kind = name === "" ? "anonymous" : name.startsWith("[") ? name : "files";
      continue;
    }
    const m = /^(Size|Rss):\s+(\d+) kB/.exec(line);
    if (m === null) continue;
    if (m[1] === "Size") size = Number(m[2]);
    else {
      sums.set(kind, (sums.get(kind) ?? 0) + Number(m[2]));
      if (kind === "anonymous" && size >= 60 * 1024) bigAnon += Number(m[2]);
    }
  }
  const parts = [...sums].sort((a, b) => b[1] - a[1]).map(([k, kb]) =>
    `${k} ${(kb / 1024).toFixed(0)}`
  );
  return `${parts.join(", ")} (of anonymous: ${(bigAnon / 1024).toFixed(0)} in mappings ≥ 60 MB)`;
}

/** Run the fleet against `power-sdk runtime` as a subprocess; prints the report. */
export async function runCliFleet(input: CliFleetInput): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-fleet-cli-" });
  const sinkPath = join(dir, "snapshots.jsonl");
  const configPath = join(dir, "runtime.yaml");
  // The bench's fleet with a jsonl sink; the bundle passwords from the environment.
  const yaml = fleetRuntimeYaml({
    ...input,
    port: input.brokerPort,
    jsonlPath: sinkPath,
    password: (i) => `\${${passwordVar(i)}}`,
  });
  await Deno.writeTextFile(configPath, yaml, { mode: 0o600 });
  const v8Flags = input.v8Flags ?? shippedV8Flags();
  const env = Deno.env.toObject();
  delete env.DENO_V8_FLAGS; // the flags are given on the command line, as the task does
  if (input.pki !== null) {
    for (let i = 0; i < input.n; i++) env[passwordVar(i)] = input.pki.password(i);
  }
  const stations = await input.startStations();
  let child: Deno.ChildProcess | null = null;
  try {
    const args = [
      "run",
      "-q",
      "-P=cli",
      `--v8-flags=${v8Flags}`,
      join(ROOT, "cli.ts"),
      "runtime",
      "--config",
      configPath,
      "--verbose",
      ...(input.shard === null ? [] : ["--shard", input.shard]),
    ];
    const startedWall = Date.now();
    child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      clearEnv: true,
      env,
      stdin: "null",
      stdout: input.stdoutFile === null ? "null" : "piped",
      stderr: "piped",
    }).spawn();
    const stdoutCopy = input.stdoutFile === null
      ? Promise.resolve()
      : Deno.open(input.stdoutFile, { write: true, create: true, truncate: true }).then((file) =>
        child!.stdout.pipeTo(file.writable)
      );
    const pid = child.pid;
    console.error(`power-sdk runtime: pid ${pid}, --v8-flags=${v8Flags}, config ${configPath}`);

    // stderr: connects, warnings by kind, the final summary.
    const connected = new Set<string>();
    let firstConnectedAt = NaN;
    let allConnectedAt = NaN;
    const allConnected = Promise.withResolvers<void>();
    const warnings = new Map<string, number>();
    const firstProblems: string[] = [];
    let devicesToConnect = input.n;
    let stoppedLine = "";
    // Admission (`info: admission: … K of N admitted`): how many devices were admitted when.
    const admissions: { at: number; admitted: number }[] = [];
    const stderrCopy = input.stderrFile === null
      ? null
      : await Deno.open(input.stderrFile, { write: true, create: true, truncate: true });
    const encoder = new TextEncoder();
    const reading = (async () => {
      for await (const line of readLines(child!.stderr)) {
        if (stderrCopy !== null) {
          const at = ((Date.now() - startedWall) / 1000).toFixed(1);
          await stderrCopy.write(encoder.encode(`${at} ${line}\n`));
        }
        const m = /^info: (\S+): connected$/.exec(line);
        if (m) {
          if (connected.size === 0) firstConnectedAt = Date.now();
          connected.add(m[1]!);
          if (connected.size >= devicesToConnect && Number.isNaN(allConnectedAt)) {
            allConnectedAt = Date.now();
            allConnected.resolve();
          }
          continue;
        }
        const shard = /^info: shard \d+\/\d+: (\d+) of/.exec(line);
        if (shard) devicesToConnect = Number(shard[1]);
        if (line.startsWith("info: stopped by")) stoppedLine = line;
        const admitted = /^info: admission: .*; (\d+) of \d+ admitted$/.exec(line);
        if (admitted) admissions.push({ at: Date.now(), admitted: Number(admitted[1]) });
        if (line.startsWith("warning:") || line.startsWith("error:")) {
          // The kind: the message without device id and numbers.
          const kind = line.replace(/^(\w+): s\d+: /, "$1: ").replace(/\d+/g, "#").slice(0, 90);
          warnings.set(kind, (warnings.get(kind) ?? 0) + 1);
          if (firstProblems.length < 5) firstProblems.push(line.slice(0, 300));
        }
      }
    })().finally(() => stderrCopy?.close());
    void child.status.then(() => allConnected.resolve());

    // Sampling: RSS and CPU of the CLI's process.
    const recorder = new WindowRecorder();
    const tail = new FileTail(sinkPath);
    let rssPeakAll = 0;
    let rssPeakWindow = 0;
    const rssWindow: number[] = [];
    let last: ProcSample | null = null;
    let sampling = false;
    const sampler = setInterval(async () => {
      if (sampling) return;
      sampling = true;
      const sample = await procSample(pid).finally(() => sampling = false);
      if (sample === null) return;
      last = sample;
      rssPeakAll = Math.max(rssPeakAll, sample.rss);
      const now = Date.now();
      if (now >= recorder.windowStart && now < recorder.windowEnd) {
        rssPeakWindow = Math.max(rssPeakWindow, sample.rss);
        rssWindow.push(sample.rss);
      }
    }, 500);
    let tailing = Promise.resolve();
    const parse = (line: string) => {
      try {
        recorder.record(JSON.parse(line) as WindowSnapshot);
      } catch {
        // A line cut short: skipped.
      }
    };
    const tailer = setInterval(() => {
      tailing = tailing.then(() => tail.read(parse));
    }, 1000);

    const startCap = setTimeout(() => allConnected.resolve(), input.startCapS * 1000);
    await allConnected.promise;
    clearTimeout(startCap);
    const startupMs = allConnectedAt - startedWall;
    const startupCpuTicks = (await procSample(pid))?.cpuTicks ?? NaN;
    recorder.windowStart = Math.max(Date.now(), startedWall + input.intervalS * 1000);
    recorder.windowEnd = recorder.windowStart + input.seconds * 1000;
    await sleepUntil(recorder.windowStart);
    const cpu0 = await procSample(pid);
    const wall0 = performance.now();
    await sleepUntil(recorder.windowEnd);
    const cpu1 = await procSample(pid);
    const wallMs = performance.now() - wall0;
    // Polls due before the end are written within a timeout or so: wait one interval more.
    await sleepUntil(recorder.windowEnd + input.intervalS * 1000);
    clearInterval(sampler);
    const mappings = await rssByMapping(pid);
    const hwm = (await procSample(pid))?.hwm ?? (last as ProcSample | null)?.hwm ?? NaN;
    const loadEnd = Deno.loadavg();

    const stopAt = performance.now();
    try {
      Deno.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
    const killer = setTimeout(() => {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }, 15_000);
    const status = await child.status;
    child = null;
    clearTimeout(killer);
    const stopMs = performance.now() - stopAt;
    await reading;
    await stdoutCopy;
    clearInterval(tailer);
    await tailing;
    await tail.read(parse);

    const admission = admissionInWindow(
      admissions,
      devicesToConnect,
      recorder.windowStart,
      recorder.windowEnd,
    );

    // --- report ------------------------------------------------------------------------
    const lateness = Float64Array.from(recorder.lateness).sort();
    const latency = Float64Array.from(recorder.latency).sort();
    const ms = (v: number) => v.toFixed(1);
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
    const cpuPct = cpu0 && cpu1
      ? (100 * (cpu1.cpuTicks - cpu0.cpuTicks) / TICKS_PER_S * 1000) / wallMs
      : NaN;
    const polled = devicesToConnect;
    const expected = polled * 3 * (input.seconds / input.intervalS);
    const load = loadEnd.map((v) => v.toFixed(1)).join(" ");
    const startup = Number.isNaN(startupMs)
      ? `NOT within ${input.startCapS} s (${connected.size} connected)`
      : `${(startupMs / 1000).toFixed(1)} s`;
    console.log(
      `\nfleet through the CLI: ${input.n} × ${input.profile}, 3 groups every ${input.intervalS} s, ${input.brokerLabel}${
        input.pki ? "; TLS, one bundle per station (password from ${VAR})" : ""
      }${input.shared ? "; share_connection" : ""}${
        input.shard ? `; shard ${input.shard}: ${polled} devices` : ""
      }; power-sdk runtime --v8-flags=${v8Flags}, jsonl sink`,
    );
    console.log(
      `start-up: from spawning the process, first device connected after ${
        ((firstConnectedAt - startedWall) / 1000).toFixed(1)
      } s, all ${polled} after ${startup}; CPU until then ${
        (startupCpuTicks / TICKS_PER_S).toFixed(1)
      } s`,
    );
    console.log(
      `window: ${input.seconds} s from ${
        ((recorder.windowStart - startedWall) / 1000).toFixed(1)
      } s after spawn; ${recorder.ok} ok + ${recorder.errors} error of ${expected} due (${recorder.total} snapshots in all)`,
    );
    const dropped = [...recorder.dropped.values()].reduce((a, b) => a + b, 0);
    console.log(
      `sink queue drops (the devices' droppedSnapshots as last written): ${dropped}${
        dropped > 0
          ? " — the jsonl sink did not keep up: the counts above miss those snapshots"
          : ""
      }`,
    );
    if (recorder.errorCodes.size > 0) {
      console.log(`errors by code: ${JSON.stringify(Object.fromEntries(recorder.errorCodes))}`);
    }
    console.log(
      `poll lateness ms: p50 ${ms(quantile(lateness, 0.5))}, p99 ${
        ms(quantile(lateness, 0.99))
      }, max ${ms(quantile(lateness, 1))}; read latency ms: p50 ${
        ms(quantile(latency, 0.5))
      }, p99 ${ms(quantile(latency, 0.99))}, max ${ms(quantile(latency, 1))}`,
    );
    const skippedHeld = Math.round(admission.heldDeviceSeconds * 3 / input.intervalS);
    console.log(
      `admission: ${admission.atStart} of ${devicesToConnect} devices admitted at the window's start, ${admission.min}–${admission.max} in it, ${admission.atEnd} at its end (${admission.changes} changes in the window, ${admissions.length} in all); ${recorder.devices.size} devices polled in the window, ${recorder.okDevices.size} with an ok poll; due polls of held-back devices in the window (skipped, no snapshot): ${skippedHeld}`,
    );
    console.log(
      `CLI process CPU in the window: ${cpuPct.toFixed(1)} % of one core; RSS: peak ${
        mb(rssPeakWindow)
      } MB in the window, ${mb(rssPeakAll)} MB sampled overall, VmHWM ${mb(hwm)} MB`,
    );
    const every10s = rssWindow.filter((_, i) => i % 20 === 19 || i === rssWindow.length - 1);
    console.log(`CLI RSS by mapping at the end of the window (MB): ${mappings}`);
    console.log(`CLI RSS every 10 s of the window (MB): ${every10s.map(mb).join(", ")}`);
    console.log(
      `stop: exit ${status.code}${status.signal ? ` (${status.signal})` : ""} ${
        Math.round(stopMs)
      } ms after SIGTERM; ${stoppedLine || "no 'stopped by' line"}`,
    );
    for (const [kind, count] of [...warnings].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
      console.log(`  ${count} × ${kind}`);
    }
    for (const line of firstProblems) console.log(`  first: ${line}`);
    console.log(`load average at the end of the window: ${load}`);
    console.log(
      "\n| date | N | admitted (start / min–max / end) | devices polled (ok) | ok / error | held-back skips | other skips | lateness p50 / p99 | CPU, one core | peak RSS | load average |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    console.log(
      `| ${
        new Date().toISOString().slice(0, 10)
      } | ${input.n} | ${admission.atStart} / ${admission.min}–${admission.max} / ${admission.atEnd} | ${recorder.devices.size} (${recorder.okDevices.size}) | ${recorder.ok} / ${recorder.errors} | ${skippedHeld} | ${
        recorder.errorCodes.get("POLL_SKIPPED") ?? 0
      } | ${ms(quantile(lateness, 0.5))} / ${ms(quantile(lateness, 0.99))} ms | ${
        cpuPct.toFixed(1)
      } % | ${mb(rssPeakWindow)} MB | ${load} |`,
    );
    console.log(
      "\n| date | mode | N | window | ok / error (due) | sink drops | lateness p50 / p99 | all connected (from spawn) | CPU, one core | peak RSS in the window | VmHWM | load average |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    console.log(
      `| ${new Date().toISOString().slice(0, 10)} | CLI${input.pki ? ", TLS" : ""}${
        input.shared ? ", shared" : ""
      }, every ${input.intervalS} s, ${
        input.v8Flags === null ? "shipped V8 flags" : `V8 ${v8Flags}`
      } | ${input.n} | ${input.seconds} s | ${recorder.ok} / ${recorder.errors} (${expected}) | ${dropped} | ${
        ms(quantile(lateness, 0.5))
      } / ${ms(quantile(lateness, 0.99))} ms | ${startup} | ${cpuPct.toFixed(1)} % | ${
        mb(rssPeakWindow)
      } MB | ${mb(hwm)} MB | ${load} |`,
    );
  } finally {
    if (child !== null) {
      try {
        Deno.kill(child.pid, "SIGKILL");
      } catch {
        // gone
      }
      await child.status;
    }
    await stations.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * How many devices were admitted over the window, from the runtime's admission lines (every
 * device until the first): at its start, least and most in it, at its end, and the held-back
 * device-seconds (their due polls are skipped without a snapshot).
 */
function admissionInWindow(
  changes: readonly { at: number; admitted: number }[],
  devices: number,
  start: number,
  end: number,
) {
  let current = devices;
  let i = 0;
  for (; i < changes.length && changes[i]!.at <= start; i++) current = changes[i]!.admitted;
  const atStart = current;
  let min = current;
  let max = current;
  let heldDeviceSeconds = 0;
  let from = start;
  let inWindow = 0;
  for (; i < changes.length && changes[i]!.at < end; i++) {
    heldDeviceSeconds += (devices - current) * (changes[i]!.at - from) / 1000;
    from = changes[i]!.at;
    current = changes[i]!.admitted;
    min = Math.min(min, current);
    max = Math.max(max, current);
    inWindow++;
  }
  heldDeviceSeconds += (devices - current) * (end - from) / 1000;
  return { atStart, min, max, atEnd: current, changes: inWindow, heldDeviceSeconds };
}
