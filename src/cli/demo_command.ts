// `power-sdk demo [--duration <seconds>] [--json] [--verbose]`: an embedded broker, three
// simulated stations and the runtime polling them on a built-in runtime.yaml, printing live
// values until Ctrl-C. No account, no hardware.
// The built-in transports beyond MQTT (the runtime registry takes every defined one).
import "../plugins/modbus_tcp/transport_definition.ts";
import { getProfile, loadRuntimeConfig, resolveRuntime, StdoutSink } from "../../mod.ts";
import {
  describeOutputDevice,
  Executor,
  HomeAssistantSink,
  MqttSink,
  PrometheusSink,
  redactDeep,
  type Sink,
  SinkQueue,
  type SnapshotTarget,
} from "../runtime/mod.ts";
import { EmbeddedBroker, SimulatedModbusStation, SimulatedStation } from "../testing/mod.ts";
import { RuntimeRegistry } from "../runtime/runtime_registry.ts";
import {
  flag,
  parseCommandArgs,
  type ParsedArgs,
  rejectPositionals,
  stringOption,
} from "./_args.ts";
import { type CommandContext, printedHelpOrVersion, println } from "./_context.ts";
import {
  DEMO_CONFIG,
  DEMO_FAULTS,
  DEMO_LOCAL_PROFILE,
  DEMO_LOCAL_VALUES,
  DEMO_MODBUS_PORT_VARIABLE,
  DEMO_PORT_VARIABLE,
  DEMO_TIMEOUT_MS,
} from "./_demo_config.ts";
import { formatTable } from "./_table.ts";
import { DENO_STOP_SIGNALS, type StopSignals } from "./_signals.ts";
import { UsageError } from "./_usage_error.ts";
import {
  type LogThreshold,
  pollSummary,
  runtimeLogger,
  runUntilStopped,
} from "./runtime_command.ts";

/**
 * Help of `power-sdk demo`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["demo", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk demo \[--duration <seconds>\]/);
 * ```
 */
export const DEMO_HELP = `Usage: power-sdk demo [--duration <seconds>] [--json] [--verbose]
                      [--prometheus <host:port>] [--mqtt] [--homeassistant]

See Power SDK work without an account or hardware: an MQTT broker of its own on 127.0.0.1,
three simulated stations on it (Elite 30 V2, Elite 100 V2, Elite 200 V2; two of them lose or
garble a reply now and then), a fourth one on local Modbus TCP (an AC500), and the runtime
polling them side by side every 2 to 5 s on a built-in runtime.yaml, one line per poll, until
Ctrl-C (SIGINT) or SIGTERM. Nothing leaves this machine.

Options:
      --duration <seconds>  Stop by itself after this many seconds
      --json                Print each snapshot as one line of JSON; the other lines go to
                            stderr
      --verbose             Log connects and retries on stderr
      --prometheus <host:port>
                            Serve the values for Prometheus at http://<host:port>/metrics
      --mqtt                Republish JSON states on the embedded broker (power-sdk/#)
      --homeassistant       Home Assistant MQTT discovery on the embedded broker, with the
                            stations' controls (writes enabled: they are simulated)
  -h, --help                Show this help
      --debug               Print stack traces on errors

Exit codes: 0 stopped (Ctrl-C, SIGTERM or --duration), 1 failure (the broker or a station
could not start), 2 usage error, 130 a second Ctrl-C during the stop.

Examples:
  power-sdk demo
  power-sdk demo --duration 10 --json
  power-sdk demo --prometheus 127.0.0.1:9464 --homeassistant
`;

const OPTIONS = {
  duration: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean" },
  prometheus: { type: "string" },
  mqtt: { type: "boolean" },
  homeassistant: { type: "boolean" },
} as const;

/** The longest `--duration` a timer can wait: 2^31 - 1 ms. */
const MAX_DURATION_S = 2_147_483;

/**
 * Run `demo`: start the embedded broker, a simulated station for each device of the built-in
 * configuration (with its faults), and the runtime's executor on that configuration; print one
 * line per snapshot (the `stdout` sink's line, or JSON with `--json`) until a stop signal or
 * the end of `--duration`; then stop the executor, the stations and the broker.
 *
 * @param args The arguments after `demo`.
 * @param ctx Output and registry.
 * @param signals The signals that stop the demo.
 * @returns The exit code: 0 once stopped; 130 when a second signal cut the stop short.
 * @throws {UsageError} for a wrong command line.
 *
 * @example Run it for a second, as JSON lines
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * let err = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: (text) => err += text };
 * assert.equal(await main(["demo", "--duration", "1", "--json"], io), 0);
 * assert.match(err, /^Power SDK demo: 3 simulated stations on an embedded broker at mqtt:\/\/127\.0\.0\.1:\d+ and 1 on local Modbus TCP at 127\.0\.0\.1:\d+;/);
 * for (const line of out.trim().split("\n").filter((l) => l !== "")) {
 *   assert.ok(["garage", "living_room", "cabin", "shed"].includes(JSON.parse(line).deviceId));
 * }
 * ```
 */
export async function demoCommand(
  args: readonly string[],
  ctx: CommandContext,
  signals: StopSignals = DENO_STOP_SIGNALS,
): Promise<number> {
  const parsed = parseCommandArgs(args, OPTIONS, "demo");
  if (printedHelpOrVersion(ctx, parsed, DEMO_HELP)) return 0;
  const options = checkOptions(parsed);
  // With --json, stdout holds only the snapshots.
  const note = options.json ? ctx.io.stderr : ctx.io.stdout;

  const broker = await EmbeddedBroker.start({ host: "127.0.0.1" });
  const stations: SimulatedStation[] = [];
  const outputs: SinkQueue[] = [];
  let local: SimulatedModbusStation | undefined;
  let interrupted = false;
  try {
    // The local station: a Modbus TCP server on this machine, started first for its port.
    local = await SimulatedModbusStation.start({
      profile: DEMO_LOCAL_PROFILE,
      values: DEMO_LOCAL_VALUES,
    });
    const ports: Record<string, string> = {
      [DEMO_PORT_VARIABLE]: String(broker.port),
      [DEMO_MODBUS_PORT_VARIABLE]: String(local.port),
    };
    const env = (name: string) => ports[name];
    const loaded = resolveRuntime(loadRuntimeConfig(DEMO_CONFIG, { file: "demo.yaml", env }));
    // With Home Assistant, the simulated stations' controls are offered: enable their writes.
    const resolved = options.homeassistant
      ? { ...loaded, devices: loaded.devices.map((d) => ({ ...d, writeEnabled: true })) }
      : loaded;
    const rows: string[][] = [];
    const registry = RuntimeRegistry.withBuiltins();
    for (const device of resolved.devices) {
      if (device.transport.type === "modbus_tcp") {
        rows.push([
          device.id,
          registry.profileOf(device).name,
          `modbus-tcp 127.0.0.1:${local.port}`,
          `${device.transport.framing} framing`,
          "no faults",
        ]);
        continue;
      }
      const faults = DEMO_FAULTS[device.id];
      const station = await SimulatedStation.start({
        profile: device.profileId,
        sn: String(device.transport.options.device_sn),
        brokerUrl: broker.url,
        framing: device.transport.framing,
        ...(faults === undefined ? {} : { faults }),
      });
      stations.push(station);
      rows.push([
        device.id,
        getProfile(device.profileId).name,
        `sn ${station.sn}`,
        `${device.transport.framing} framing`,
        faults === undefined ? "no faults" : `faults ${faults}`,
      ]);
    }
    const until = options.durationS === undefined ? "" : ` (or after ${options.durationS} s)`;
    note(
      `Power SDK demo: ${stations.length} simulated stations on an embedded broker at ${broker.url} and 1 on local Modbus TCP at 127.0.0.1:${local.port}; Ctrl-C to stop${until}\n`,
    );
    note(`${formatTable(rows, 2)}\n`);

    const line = new StdoutSink("stdout");
    const target: SnapshotTarget = {
      push(snapshot) {
        println(ctx, options.json ? JSON.stringify(redactDeep(snapshot)) : line.format(snapshot));
        let kept = true;
        for (const queue of outputs) kept = queue.push(snapshot) && kept;
        return kept;
      },
    };
    const executor = new Executor({
      devices: resolved.devices,
      sinks: Object.fromEntries(resolved.devices.map((device) => [device.sink, target])),
      logger: runtimeLogger(ctx, options.logThreshold),
      timeoutMs: DEMO_TIMEOUT_MS,
    });
    const described = resolved.devices.map((d) => describeOutputDevice(d));
    const queues = () => Object.fromEntries(outputs.map((q) => [q.sink.name, q.counters]));
    const add = (sink: Sink) => outputs.push(new SinkQueue(sink, { size: 1000 }));
    if (options.prometheus !== undefined) {
      const sink = new PrometheusSink("prometheus", {
        listen: options.prometheus,
        devices: described,
        queues,
      });
      add(sink);
      note(`Prometheus: http://${options.prometheus.replace(/:\d+$/, "")}:${sink.port}/metrics\n`);
    }
    if (options.mqtt) {
      const sink = new MqttSink("mqtt", { broker: broker.url, devices: described });
      await sink.ready();
      add(sink);
      note(
        `MQTT: JSON states on ${broker.url}, topics power-sdk/<device>/<group> (mosquitto_sub -h 127.0.0.1 -p ${broker.port} -t 'power-sdk/#' -v)\n`,
      );
    }
    if (options.homeassistant) {
      const sink = new HomeAssistantSink("homeassistant", {
        broker: broker.url,
        devices: described,
        controller: executor,
      });
      await sink.ready();
      add(sink);
      note(
        `Home Assistant: discovery on ${broker.url} under homeassistant/device/+/config; add this broker in HA's MQTT integration (states power-sdk/#, commands power-sdk/<device>/control/<name>/set)\n`,
      );
    }
    const outcome = await runUntilStopped(executor, {
      signals,
      ...(options.durationS === undefined ? {} : { durationMs: options.durationS * 1000 }),
    });
    if (outcome.code !== 0) {
      // A second signal: exit at once, leave the rest to the end of the process.
      interrupted = true;
      return outcome.code;
    }
    const by = outcome.stoppedBy === "duration"
      ? `after ${options.durationS} s`
      : `by ${outcome.stoppedBy}`;
    note(`Stopped ${by}: ${pollSummary(executor.metrics())}\n`);
    return 0;
  } finally {
    if (!interrupted) {
      for (const queue of outputs) await queue.close({ deadlineMs: 2_000 }).catch(() => {});
      for (const station of stations) await station.stop();
      await local?.close();
      await broker.close();
    }
  }
}

interface DemoOptions {
  readonly prometheus: string | undefined;
  readonly mqtt: boolean;
  readonly homeassistant: boolean;
  readonly durationS: number | undefined;
  readonly json: boolean;
  readonly logThreshold: LogThreshold;
}

function checkOptions(parsed: ParsedArgs): DemoOptions {
  rejectPositionals(parsed, "demo");
  const duration = stringOption(parsed, "duration");
  const prometheus = stringOption(parsed, "prometheus");
  if (
    prometheus !== undefined && !/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/.test(prometheus)
  ) {
    throw new UsageError(
      `option '--prometheus' needs host:port, such as 127.0.0.1:9464, got '${prometheus}'`,
      "demo",
    );
  }
  return {
    prometheus,
    mqtt: flag(parsed, "mqtt"),
    homeassistant: flag(parsed, "homeassistant"),
    durationS: duration === undefined ? undefined : durationOption(duration),
    json: flag(parsed, "json"),
    logThreshold: flag(parsed, "debug") ? "debug" : flag(parsed, "verbose") ? "info" : "none",
  };
}

function durationOption(text: string): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(value > 0 && value <= MAX_DURATION_S)) {
    throw new UsageError(
      `option '--duration' needs seconds, a number above 0 and at most ${MAX_DURATION_S}, got '${text}'`,
      "demo",
    );
  }
  return value;
}
