// `power-sdk runtime --config <runtime.yaml> [--dry-run | --once] [--json] [--password <text>]
// [--verbose]`: check a runtime.yaml, poll its stations once, or run them until stopped.
// The built-in transports beyond MQTT (the runtime registry takes every defined one).
import "../plugins/modbus_tcp/transport_definition.ts";
import { dirname } from "../_shared/path.ts";
import { loadBuiltinParts } from "../plugins/_defined_builtin.ts";
import { PluginPartsNotLoadedError } from "../plugin/parts_not_loaded.ts";
// The MQTT transport (in Runtime) and the bundle reader (in ./_credentials.ts) are imported
// when a run needs them, not for --dry-run.
import { configFromYaml } from "../runtime/config/_config_from_yaml.ts";
import { readRuntimeYaml } from "../runtime/config/_read_config.ts";
import {
  ConfigValidationError,
  formatConfigIssue,
} from "../runtime/config/config_validation_error.ts";
import {
  describeResolution,
  type ResolutionRow,
  type ResolvedRuntime,
  resolveRuntime,
} from "../runtime/config/resolve.ts";
import { prepareDevices } from "../runtime/config/prepare_devices.ts";
import type { devicesOfShard, Shard } from "../runtime/shard.ts";
import type { AdmissionStats, RuntimeLogEntry } from "../runtime/executor.ts";
import type { Runtime, RuntimeOptions } from "../runtime/runtime.ts";
import type { DeviceMetrics, ResolvedDevice, Snapshot } from "../runtime/types.ts";
import {
  flag,
  parseCommandArgs,
  type ParsedArgs,
  rejectBoth,
  requiredOption,
  stringOption,
} from "./_args.ts";
import {
  type CommandContext,
  oneLine,
  printedHelpOrVersion,
  printJson,
  println,
} from "./_context.ts";
import {
  CANCELLED_EXIT_CODE,
  type CredentialSources,
  DENO_SOURCES,
  PASSWORD_ENV,
} from "./_sources.ts";
import type { Terminal } from "./_prompt.ts";
import { DENO_STOP_SIGNALS, type StopSignals } from "./_signals.ts";
import { formatTable } from "./_table.ts";
import { UsageError } from "./_usage_error.ts";

/**
 * Help of `power-sdk runtime`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["runtime", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk runtime --config <runtime\.yaml>/);
 * ```
 */
export const RUNTIME_HELP =
  `Usage: power-sdk runtime --config <runtime.yaml> [--dry-run | --once] [options]

Run the stations of a runtime.yaml (docs/runtime-yaml.md): poll every device's groups on
their cadence and hand each snapshot to its sink, until Ctrl-C (SIGINT) or SIGTERM. A stop
is graceful: polling stops, running polls get 3 s to finish, the sinks are flushed, every
connection is closed, exit 0. A second signal during the stop exits at once with 130 (the
same signal again within 1 s is the same request delivered twice, not a second one).

Options:
      --config <file>       The runtime.yaml (required); \${VAR} values are read from the
                            environment
      --dry-run             Check the file and print what would run, one row per device;
                            opens and checks every cert_file and ca_file, connects
                            nothing
      --once                Poll every group of every pull device once, print the snapshots
                            through the configured sinks, exit 1 if a poll failed
      --json                With --dry-run: the rows as a JSON array; with --once: the
                            snapshots as a JSON array (instead of the stdout sink's lines)
      --password <text>     The password of every cert_file the file gives no cert_password;
                            visible to other users of this machine, prefer ${PASSWORD_ENV}
                            or the prompt
      --shard <i/n>         Run only this instance's share of the devices: instance i
                            (0-based) of n, picked by a hash of each device id, so n
                            instances with the same file poll every device exactly once
      --verbose             Also log connects and other news on stderr (default: warnings)
  -h, --help                Show this help
      --debug               Print stack traces on errors; log debug lines too

A device with a cert_file and no cert_password gets its bundle's password from --password,
else ${PASSWORD_ENV}, else a prompt without echo when stdin is a terminal (one
prompt per bundle file); a bundle without a password needs none. A cert_password in the
file always wins.

Output: snapshots go to the sinks the file names ('stdout' prints one line per snapshot on
stdout); log lines go to stderr. A configuration with mistakes prints every problem, one
'file:line:column: path: message' line each, and exits 1.

Exit codes: 0 stopped by a signal (or --dry-run, --once without a failed poll), 1 failure
(configuration, credentials, a failed poll with --once), 2 usage error, 130 password prompt
cancelled or a second Ctrl-C during the stop.

Examples:
  power-sdk runtime --config runtime.yaml --dry-run
  power-sdk runtime --config runtime.yaml --once --json
  power-sdk runtime --config runtime.yaml --shard 0/3
  ${PASSWORD_ENV}=... power-sdk runtime --config runtime.yaml
`;

const OPTIONS = {
  config: { type: "string" },
  "dry-run": { type: "boolean" },
  once: { type: "boolean" },
  json: { type: "boolean" },
  password: { type: "string" },
  shard: { type: "string" },
  verbose: { type: "boolean" },
} as const;

/** The longest wait for running polls, and then for the sinks, when a run stops. */
const STOP_DEADLINE_MS = 3_000;

/**
 * What `runtime` takes from the process: files, environment (for `${VAR}` and the
 * certificate password), terminal (for the password prompt) and the stop signals. Tests pass
 * doubles.
 *
 * @example A system that reads real files and stops at once
 * ```ts
 * import type { RuntimeSystem } from "./runtime_command.ts";
 * import assert from "node:assert/strict";
 *
 * const system: RuntimeSystem = {
 *   readFile: (path) => Deno.readFile(path),
 *   env: (name) => (name === "SN" ? "EL30V2000001" : undefined),
 *   terminal: { isTerminal: () => false, readSecret: () => Promise.resolve(null) },
 *   stopSignals: { listen: (onStop) => (onStop("SIGTERM"), () => {}) },
 *   permitted: () => true,
 * };
 * assert.equal(system.env("SN"), "EL30V2000001");
 * ```
 */
export interface RuntimeSystem extends CredentialSources {
  /** The signals that stop a continuous run. */
  readonly stopSignals: StopSignals;
  /**
   * Whether the process has a permission without asking: to connect to a broker, to write a
   * jsonl sink's file.
   *
   * @param permission `{ name: "net", host: "host:port" }` or `{ name: "write", path }`.
   */
  permitted(permission: Deno.NetPermissionDescriptor | Deno.WritePermissionDescriptor): boolean;
}

const DENO_RUNTIME_SYSTEM: RuntimeSystem = {
  ...DENO_SOURCES,
  stopSignals: DENO_STOP_SIGNALS,
  permitted: (permission) => Deno.permissions.querySync(permission).state === "granted",
};

/**
 * Run `runtime`: check the command line; read, interpolate, validate and resolve the file (every
 * problem is thrown at once, and `main` prints one line per problem); then print the dry-run
 * rows, or find the certificate passwords the file leaves unset and poll once, or run until a
 * stop signal.
 *
 * @param args The arguments after `runtime`.
 * @param ctx Output and registry.
 * @param system Files, environment, terminal, stop signals.
 * @returns The exit code: 0; 1 when a poll of `--once` failed; 130 when the password prompt was
 * cancelled or a second signal cut the stop short.
 * @throws {UsageError} for a wrong command line.
 * @throws {ConfigValidationError} `CONFIG_INVALID` with every problem of the file.
 * @throws {ConfigError} `CONFIG_SYNTAX` for a file that is not YAML; `CONFIG_INVALID` for a
 * missing file.
 * @throws {CredentialsError} for a certificate bundle that cannot be opened.
 *
 * @example Check a runtime.yaml without connecting
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/runtime.yaml`, `
 * version: 1
 * pipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }
 * devices:
 *   - { id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }
 * `);
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * const code = await main(["runtime", "--config", `${dir}/runtime.yaml`, "--dry-run", "--json"], io);
 * assert.equal(code, 0);
 * const [row] = JSON.parse(out);
 * assert.equal(row.device, "garage");
 * assert.equal(row.transport.options.broker, "iot.bluettipower.com");
 * assert.equal(row.transport.options.port, 18760);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runtimeCommand(
  args: readonly string[],
  ctx: CommandContext,
  system: RuntimeSystem = DENO_RUNTIME_SYSTEM,
): Promise<number> {
  const parsed = parseCommandArgs(args, OPTIONS, "runtime");
  if (printedHelpOrVersion(ctx, parsed, RUNTIME_HELP)) return 0;
  const options = checkOptions(parsed);
  const shard = await shardOption(options.shard);
  // Only a continuous run listens to the stop signals; the others end by themselves.
  if (options.mode !== "run") system.stopSignals.release?.();
  // The built-in plugins start defined without their parts (block schemas, register maps,
  // compilers): a configuration that needs one of them (a local station's profile, a
  // `profile_file`) is validated again once they are loaded (the file is read once).
  const read = await readRuntimeYaml(options.config, { env: (name) => system.env(name) });
  const { config, all } = await withPluginParts(() => {
    const config = configFromYaml(read.yaml, read.options);
    return { config, all: resolveRuntime(config) };
  });
  const resolved = shard === undefined
    ? all
    : { ...all, devices: shard.devicesOf(all.devices, shard.shard) };
  if (shard !== undefined && options.logThreshold !== "warn") {
    const { index, count } = shard.shard;
    ctx.io.stderr(
      `info: shard ${index}/${count}: ${resolved.devices.length} of ${all.devices.length} devices\n`,
    );
  }
  // Every bundle and CA file is opened and checked before anything connects (--dry-run too);
  // a bundle whose password is still to come (--password, the environment, a prompt) is
  // checked again once it is known.
  const checked = await withPluginParts(() =>
    prepareDevices(config, resolved, { passwordsPending: true })
  );
  if (options.mode === "dry-run") {
    await printResolution(ctx, resolved, options.json);
    if (checked.error !== null) throw checked.error;
    return 0;
  }
  if (options.mode === "once" && resolved.devices.every((device) => device.mode === "push")) {
    // Nothing connects: a push device is listened to, never polled.
    if (options.json) printJson(ctx, []);
    ctx.io.stderr(
      `warning: nothing to poll: --once polls pull devices and the ${resolved.devices.length} ${
        resolved.devices.length === 1 ? "device" : "devices"
      } of ${options.config} ${
        resolved.devices.length === 1 ? "is a push device" : "are push devices"
      }; run without --once to listen to them\n`,
    );
    return 0;
  }
  // What the plugins build on first use and had to load first: the runtime compiles the
  // devices' block schemas (a dry-run printed profiles alone).
  await loadBuiltinParts();
  const { unlessCancelled } = await import("./_credentials.ts");
  const { Runtime } = await import("../runtime/runtime.ts");
  if (checked.failed.size === resolved.devices.length && checked.error !== null) {
    throw checked.error;
  }
  const usable = {
    ...resolved,
    devices: resolved.devices.filter((device) => !checked.failed.has(device.id)),
  };
  checkPermissions(usable, system);

  const withPassword = await unlessCancelled(
    ctx.io.stderr,
    () => withPasswords(usable, options.password, ctx, system),
  );
  if (withPassword === null) return CANCELLED_EXIT_CODE;
  // Bundles opened with a password from outside the file: checked now that it is known.
  const late = withPassword.devices.filter((device) => !checked.prepared.has(device.id));
  const rechecked = late.length === 0
    ? null
    : await prepareDevices(config, { ...withPassword, devices: late });
  const failed = new Map<string, Error>(checked.failed);
  for (const [id, error] of rechecked?.failed ?? []) failed.set(id, error);
  const issues = [...checked.issues, ...(rechecked?.issues ?? [])];
  if (failed.size > 0 && failed.size === resolved.devices.length) {
    throw new ConfigValidationError(issues, { file: options.config });
  }
  const prepared = new Map([...checked.prepared, ...(rechecked?.prepared ?? [])]);
  for (const issue of issues) {
    ctx.io.stderr(`error: ${formatConfigIssue(issue, options.config)}\n`);
  }
  if (failed.size > 0) {
    ctx.io.stderr(
      `warning: ${failed.size} of ${resolved.devices.length} devices cannot run and are not retried: ${
        [...failed.keys()].join(", ")
      }; the others run\n`,
    );
  }
  const byId = new Map(withPassword.devices.map((device) => [device.id, device]));
  const runnable: ResolvedRuntime = {
    ...withPassword,
    devices: resolved.devices.map((device) => byId.get(device.id) ?? device),
  };
  const info = (text: string) => {
    if (options.logThreshold !== "warn") ctx.io.stderr(`info: ${text}\n`);
  };
  const runtimeOptions: RuntimeOptions = {
    prepared,
    failed,
    logger: runtimeLogger(ctx, options.logThreshold),
    onSinkError: (sink, error) => {
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown } | null)?.code;
      const coded = typeof code === "string" ? `${code}: ${message}` : message;
      ctx.io.stderr(`warning: sink ${sink}: ${oneLine(coded)}\n`);
    },
    // With --once --json the snapshots are printed as one JSON array instead.
    stdoutWriter: options.json ? () => {} : (line) => println(ctx, line),
  };
  const runtime = new Runtime(runnable, runtimeOptions);
  if (options.mode === "once") return await runOnce(ctx, runtime, options.json);

  const outcome = await runUntilStopped(runtime, {
    signals: system.stopSignals,
    onStopping: (signal) =>
      info(
        `stopping after ${signal}: running polls get ${
          STOP_DEADLINE_MS / 1000
        } s, then the sinks are flushed; a second signal exits at once`,
      ),
  });
  if (outcome.code === 0) {
    info(
      `stopped by ${outcome.stoppedBy}: ${pollSummary(runtime.metrics().devices)}${
        admissionSummary(runtime.admission())
      }`,
    );
  }
  return outcome.code;
}

/** One cycle; a failed poll makes one error line (the sinks printed the details) and exit 1. */
async function runOnce(ctx: CommandContext, runtime: Runtime, json: boolean): Promise<number> {
  const [{ progress, TIMEOUT_CAUSES }, { redactDeep }] = await Promise.all([
    import("./_progress.ts"),
    import("../runtime/sinks/redact_deep.ts"),
  ]);
  let snapshots: Snapshot[];
  const devices = runtime.deviceIds.length;
  try {
    snapshots = await progress(ctx, json).step(
      `polling ${devices} ${
        devices === 1 ? "device" : "devices"
      } once: connecting, then waiting for the replies`,
      () => runtime.runOnce(),
    );
  } finally {
    await runtime.stop(STOP_DEADLINE_MS);
  }
  if (json) printJson(ctx, redactDeep(snapshots));
  const failed = new Map<string, Set<string>>();
  for (const snapshot of snapshots) {
    if (snapshot.ok) continue;
    const codes = failed.get(snapshot.deviceId) ?? new Set<string>();
    for (const error of snapshot.errors) codes.add(error.code);
    failed.set(snapshot.deviceId, codes);
  }
  if (failed.size === 0) return 0;
  const names = [...failed].map(([id, codes]) => `${id} (${[...codes].join(", ")})`);
  const timedOut = [...failed.values()].some((codes) => codes.has("TRANSPORT_TIMEOUT"));
  ctx.io.stderr(
    `error: RUNTIME_POLL_FAILED: ${failed.size} of ${devices} devices failed: ${names.join(", ")}${
      timedOut ? `; TRANSPORT_TIMEOUT: ${TIMEOUT_CAUSES}` : ""
    }\n`,
  );
  return 1;
}

/** The columns of the dry-run table: heading, and the row's key. */
const COLUMNS: readonly (readonly [string, keyof ResolutionRow])[] = [
  ["DEVICE", "device"],
  ["VENDOR", "vendor"],
  ["PROTOCOL", "protocol"],
  ["PROFILE", "profile"],
  ["TRANSPORT", "transport"],
  ["BROKER", "broker"],
  ["INTERVAL", "interval"],
  ["GROUPS", "groups"],
  ["SINK", "sink"],
  ["WRITE-ENABLED", "writeEnabled"],
];

async function printResolution(
  ctx: CommandContext,
  resolved: ResolvedRuntime,
  json: boolean,
): Promise<void> {
  if (json) {
    const { resolutionJson } = await import("./_resolution_json.ts");
    printJson(ctx, resolved.devices.map((device) => resolutionJson(device)));
    return;
  }
  const rows = describeResolution(resolved);
  const cells = rows.map((row) => COLUMNS.map(([, key]) => row[key]));
  println(ctx, formatTable([COLUMNS.map(([heading]) => heading), ...cells]));
}

/**
 * Fail before anything connects when a broker may not be reached or a jsonl or record sink's file may not
 * be written with the permissions the process runs with (a narrowed set, a compiled binary).
 * Without this a device would fail on every poll (the transport reports a refused permission
 * as a connection the broker closed), and a sink on every snapshot.
 */
function checkPermissions(resolved: ResolvedRuntime, system: RuntimeSystem): void {
  for (const device of resolved.devices) {
    if (device.transport.type !== "mqtt") continue; // other transports check their own access
    const broker = String(device.transport.options.broker);
    const port = Number(device.transport.options.port);
    const host = new URL(broker.includes("://") ? broker : `mqtts://${broker}`).hostname;
    if (system.permitted({ name: "net", host: `${host}:${port}` })) continue;
    throw new Deno.errors.NotCapable(
      `Cannot connect device '${device.id}' to ${host}:${port}: no permission to reach that host; run with --allow-net=${host} next to -P=cli`,
    );
  }
  // The sinks in use: the devices' and, through composites, their children.
  const used = new Set(resolved.devices.map((device) => device.sink));
  for (const name of used) {
    const sink = resolved.sinks[name];
    if (sink?.type === "composite") { for (const child of sink.sinks) used.add(child); }
    if (sink?.type !== "jsonl" && sink?.type !== "record") continue;
    if (system.permitted({ name: "write", path: sink.path })) continue;
    throw new Deno.errors.NotCapable(
      `Cannot use the ${sink.type} sink '${name}': no permission to write ${sink.path}; run with --allow-write=${
        dirname(sink.path)
      } next to -P=cli`,
    );
  }
}

/**
 * Give every device whose `cert_file` has no `cert_password` the password its bundle opens
 * with, asking once per bundle file. Devices with a `cert_password` are left as they are.
 */
async function withPasswords(
  resolved: ResolvedRuntime,
  password: string | undefined,
  ctx: CommandContext,
  sources: CredentialSources,
): Promise<ResolvedRuntime> {
  // The mqtt transport's PKCS#12 bundles: cert_file without cert_password.
  const certFile = (device: ResolvedDevice) => device.transport.options.cert_file;
  const needsPassword = (device: ResolvedDevice) =>
    device.transport.type === "mqtt" && typeof certFile(device) === "string" &&
    device.transport.options.cert_password == null;
  const files = new Set(resolved.devices.filter(needsPassword).map((d) => String(certFile(d))));
  if (files.size === 0) {
    if (password !== undefined) {
      ctx.io.stderr(
        "warning: --password is not used: no device has a cert_file without a cert_password\n",
      );
    }
    return resolved;
  }
  const passwords = new Map<string, string>();
  for (const file of files) {
    passwords.set(file, await bundlePassword(file, password, ctx, sources));
  }
  return {
    ...resolved,
    devices: resolved.devices.map((device) =>
      needsPassword(device)
        ? {
          ...device,
          transport: {
            ...device.transport,
            options: {
              ...device.transport.options,
              cert_password: passwords.get(String(certFile(device)))!,
            },
          },
        }
        : device
    ),
  };
}

/**
 * Open a bundle as `read` does (--password, else the variable, else the empty password, else
 * the prompt), so that it is checked before anything connects, and return the password that
 * opened it.
 */
async function bundlePassword(
  path: string,
  password: string | undefined,
  ctx: CommandContext,
  sources: CredentialSources,
): Promise<string> {
  const { loadBundle } = await import("./_credentials.ts");
  let typed: string | null = null;
  const terminal: Terminal = {
    isTerminal: () => sources.terminal.isTerminal(),
    readSecret: async (prompt, write) => typed = await sources.terminal.readSecret(prompt, write),
  };
  await loadBundle({ path, password, write: ctx.io.stderr }, { ...sources, terminal });
  // loadBundle tried them in this order and stopped at the first that was given.
  return password ?? typed ?? sources.env(PASSWORD_ENV) ?? "";
}

/**
 * What {@linkcode runUntilStopped} runs: a `Runtime`, or an `Executor`.
 *
 * @example A runnable that does nothing
 * ```ts
 * import type { Runnable } from "./runtime_command.ts";
 * import assert from "node:assert/strict";
 *
 * let started = false;
 * const runnable: Runnable = { start: () => started = true, stop: () => Promise.resolve() };
 * runnable.start();
 * assert.ok(started);
 * ```
 */
export interface Runnable {
  /** Start; returns at once. */
  start(): void;
  /**
   * Stop gracefully.
   *
   * @param deadlineMs Longest wait for running polls (and for draining).
   */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * Options of {@linkcode runUntilStopped}.
 *
 * @example Stop after two seconds, or on a signal
 * ```ts
 * import type { RunUntilStoppedOptions } from "./runtime_command.ts";
 * import { DENO_STOP_SIGNALS } from "./_signals.ts";
 * import assert from "node:assert/strict";
 *
 * const options: RunUntilStoppedOptions = { signals: DENO_STOP_SIGNALS, durationMs: 2000 };
 * assert.equal(options.durationMs, 2000);
 * ```
 */
export interface RunUntilStoppedOptions {
  /** The signals that stop the run; a second one cuts the stop short. */
  readonly signals: StopSignals;
  /** Stop by itself after this many milliseconds. @default {never} */
  readonly durationMs?: number;
  /** Called when the stop begins, with what caused it (a signal's name, or `"duration"`). */
  readonly onStopping?: (stoppedBy: string) => void;
}

/**
 * How a run ended.
 *
 * @example A run stopped by Ctrl-C
 * ```ts
 * import type { RunOutcome } from "./runtime_command.ts";
 * import assert from "node:assert/strict";
 *
 * const outcome: RunOutcome = { stoppedBy: "SIGINT", code: 0 };
 * assert.equal(outcome.code, 0);
 * ```
 */
export interface RunOutcome {
  /** The signal's name, or `"duration"` when the run stopped by itself. */
  readonly stoppedBy: string;
  /** 0 after a graceful stop; 130 when a second signal came before the stop had finished. */
  readonly code: number;
}

/**
 * Start `runnable` and wait for a stop signal (or the end of `durationMs`), then stop it
 * gracefully. A second signal during the stop returns 130 at once, without waiting for the
 * stop: the caller returns it and the process exits.
 *
 * @param runnable What to run.
 * @param options The stop signals and an optional duration.
 * @returns What stopped the run, and the exit code.
 *
 * @example Stop on a signal the test fires itself
 * ```ts
 * import { runUntilStopped } from "./runtime_command.ts";
 * import assert from "node:assert/strict";
 *
 * const events: string[] = [];
 * let fire = (_signal: string) => {};
 * const outcome = runUntilStopped(
 *   { start: () => events.push("start"), stop: async () => void events.push("stop") },
 *   { signals: { listen: (onStop) => (fire = onStop, () => {}) } },
 * );
 * fire("SIGTERM");
 * assert.deepEqual(await outcome, { stoppedBy: "SIGTERM", code: 0 });
 * assert.deepEqual(events, ["start", "stop"]);
 * ```
 */
export async function runUntilStopped(
  runnable: Runnable,
  options: RunUntilStoppedOptions,
): Promise<RunOutcome> {
  const first = Promise.withResolvers<string>();
  const second = Promise.withResolvers<string>();
  // The first stop (a signal or the end of the duration) stops the run; a signal after it cuts
  // the stop short.
  let stops = 0;
  const stop = (by: string) => {
    if (stops++ === 0) first.resolve(by);
    else if (by !== "duration") second.resolve(by);
  };
  const unlisten = options.signals.listen(stop);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (options.durationMs !== undefined) {
      timer = setTimeout(() => stop("duration"), options.durationMs);
    }
    runnable.start();
    const stoppedBy = await first.promise;
    clearTimeout(timer);
    options.onStopping?.(stoppedBy);
    return await Promise.race([
      runnable.stop(STOP_DEADLINE_MS).then(() => ({ stoppedBy, code: 0 })),
      second.promise.then((signal) => ({ stoppedBy: signal, code: CANCELLED_EXIT_CODE })),
    ]);
  } finally {
    clearTimeout(timer);
    unlisten();
  }
}

/** The least level a {@linkcode runtimeLogger} prints, or `"none"`. */
export type LogThreshold = RuntimeLogEntry["level"] | "none";

const LEVELS: readonly LogThreshold[] = ["debug", "info", "warn", "error", "none"];

/**
 * A runtime logger that writes one line per entry at or above `threshold` on stderr:
 * `warning: garage: cannot connect: ...`, `info: garage: connected`. Errors are shown as
 * warnings: the runtime goes on.
 *
 * @param ctx Where to write.
 * @param threshold The least level printed.
 * @returns The logger.
 *
 * @example Warnings only
 * ```ts
 * import { runtimeLogger } from "./runtime_command.ts";
 * import { SchemaRegistry } from "@power-sdk/sdk/parser";
 * import { DEFAULT_PLUGIN } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const io = { stdout() {}, stderr: (text: string) => err += text };
 * const ctx = { io, plugin: DEFAULT_PLUGIN, registry: new SchemaRegistry(DEFAULT_PLUGIN.blocks) };
 * const log = runtimeLogger(ctx, "warn");
 * log({ level: "info", deviceId: "garage", message: "connected" });
 * log({ level: "warn", deviceId: "garage", message: "reconnecting: 3 failed polls in a row" });
 * assert.equal(err, "warning: garage: reconnecting: 3 failed polls in a row\n");
 * ```
 */
export function runtimeLogger(
  ctx: CommandContext,
  threshold: LogThreshold,
): (entry: RuntimeLogEntry) => void {
  const least = LEVELS.indexOf(threshold);
  return (entry) => {
    if (LEVELS.indexOf(entry.level) < least) return;
    const label = entry.level === "warn" || entry.level === "error" ? "warning" : entry.level;
    const device = entry.deviceId === undefined ? "" : `${entry.deviceId}: `;
    ctx.io.stderr(`${label}: ${device}${oneLine(entry.message)}\n`);
  };
}

/**
 * What admission by measured capacity did, for the stop summary: empty when no device was
 * ever held back.
 *
 * @param stats The runtime's admission counters.
 * @returns `; admission: ...` or an empty string.
 *
 * @example Two of ten devices held back now
 * ```ts
 * import { admissionSummary } from "./runtime_command.ts";
 * import assert from "node:assert/strict";
 *
 * const stats = { devices: 10, admitted: 8, heldBack: 2, mostHeldBack: 3, shed: 3, readmitted: 1, skippedWhileHeld: 40, over: false };
 * assert.equal(
 *   admissionSummary(stats),
 *   "; admission: 2 of 10 devices held back now (3 at most, 1 admitted again), 40 due polls of held-back devices skipped",
 * );
 * ```
 */
export function admissionSummary(stats: AdmissionStats): string {
  if (stats.shed === 0) return "";
  return `; admission: ${stats.heldBack} of ${stats.devices} devices held back now (${stats.mostHeldBack} at most, ${stats.readmitted} admitted again), ${stats.skippedWhileHeld} due ${
    stats.skippedWhileHeld === 1 ? "poll" : "polls"
  } of held-back devices skipped`;
}

/**
 * `42 polls, 1 failed`: what the devices of a runtime or an executor did.
 *
 * @param devices Device id -> metrics (`runtime.metrics().devices`, `executor.metrics()`).
 * @returns The words.
 *
 * @example Count the polls of two devices
 * ```ts
 * import { pollSummary } from "./runtime_command.ts";
 * import assert from "node:assert/strict";
 *
 * const metrics = { ok: 3, errors: 1 };
 * assert.equal(pollSummary({ garage: metrics, shed: metrics }), "8 polls, 2 failed");
 * ```
 */
export function pollSummary(
  devices: Readonly<Record<string, Pick<DeviceMetrics, "ok" | "errors">>>,
): string {
  let ok = 0;
  let errors = 0;
  for (const device of Object.values(devices)) {
    ok += device.ok;
    errors += device.errors;
  }
  return `${ok + errors} ${ok + errors === 1 ? "poll" : "polls"}, ${errors} failed`;
}

interface RuntimeCommandOptions {
  readonly config: string;
  readonly mode: "dry-run" | "once" | "run";
  readonly json: boolean;
  readonly password: string | undefined;
  /** Quiet by default (warnings); `--verbose` adds info, `--debug` debug lines. */
  readonly logThreshold: LogThreshold;
  /** `--shard i/n` as given: only this instance's devices. */
  readonly shard: string | undefined;
}

/**
 * `--shard i/n`, parsed, with the function that picks the shard's devices: the shard module
 * loads when the option is given.
 */
async function shardOption(
  text: string | undefined,
): Promise<{ shard: Shard; devicesOf: typeof devicesOfShard } | undefined> {
  if (text === undefined) return undefined;
  const { devicesOfShard, parseShard } = await import("../runtime/shard.ts");
  try {
    return { shard: parseShard(text), devicesOf: devicesOfShard };
  } catch (error) {
    throw new UsageError(`option '--shard': ${(error as Error).message}`, "runtime");
  }
}

function checkOptions(parsed: ParsedArgs): RuntimeCommandOptions {
  const extra = parsed.positionals[0];
  if (extra !== undefined) {
    throw new UsageError(
      `unexpected argument '${extra}' for 'runtime' (the file goes after '--config')`,
      "runtime",
    );
  }
  const config = requiredOption(parsed, "config", "<file>", "runtime");
  const dryRun = flag(parsed, "dry-run");
  const once = flag(parsed, "once");
  rejectBoth(parsed, "dry-run", "once", "runtime");
  const json = flag(parsed, "json");
  if (json && !dryRun && !once) {
    throw new UsageError(
      "option '--json' needs '--dry-run' or '--once'; a continuous run writes to the sinks of the file (a jsonl sink for JSON)",
      "runtime",
    );
  }
  return {
    config,
    mode: dryRun ? "dry-run" : once ? "once" : "run",
    json,
    password: stringOption(parsed, "password"),
    shard: stringOption(parsed, "shard"),
    logThreshold: flag(parsed, "debug") ? "debug" : flag(parsed, "verbose") ? "info" : "warn",
  };
}

/**
 * Run `step`; when it reads a plugin member whose code is not loaded yet, load that plugin's
 * parts and run it again (once per built-in plugin at most; then every part).
 */
async function withPluginParts<T>(step: () => T | Promise<T>): Promise<T> {
  const loaded = new Set<string>();
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof PluginPartsNotLoadedError)) throw error;
      if (loaded.has(error.pluginId)) {
        await loadBuiltinParts();
        return await step();
      }
      loaded.add(error.pluginId);
      await loadBuiltinParts(error.pluginId);
    }
  }
}
