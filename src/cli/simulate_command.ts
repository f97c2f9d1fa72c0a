// `power-sdk simulate --profile <name> --sn <serial> (--broker <url> | --embedded [--port N])
// [--cert station.p12] [--ca ca.pem] [--framing ...] [--faults <spec>]`: a simulated station on
// a broker until SIGINT or SIGTERM.
import { type DeviceProfile, getProfile, MqttTransport } from "../../mod.ts";
import { type FramingName, framingNames } from "../protocol/mod.ts";
import { checkTopicValue } from "../transport/mod.ts";
import {
  EmbeddedBroker,
  FAULT_KINDS,
  type FaultRule,
  parseFaultSpec,
  SimulatedStation,
  type SimulatedStationCounters,
  type SimulatedStationTlsOptions,
} from "../testing/mod.ts";
import {
  choiceOption,
  flag,
  parseCommandArgs,
  type ParsedArgs,
  rejectBoth,
  rejectPositionals,
  requiredOption,
  stringOption,
} from "./_args.ts";
import {
  CREDENTIAL_OPTIONS,
  type CredentialOptions,
  credentialOptions,
  loadCredentials,
  PASSWORD_HELP,
} from "./_connection.ts";
import { type CommandContext, oneLine, printedHelpOrVersion, println } from "./_context.ts";
import {
  CANCELLED_EXIT_CODE,
  type CredentialSources,
  DENO_SOURCES,
  PASSWORD_ENV,
} from "./_credentials.ts";
import { didYouMeanSuffix } from "../_shared/did_you_mean.ts";
import { DENO_STOP_SIGNALS, type StopSignals } from "./_signals.ts";
import { UsageError } from "./_usage_error.ts";
import { wantsModbusTcp } from "./_modbus_tcp_args.ts";

/**
 * Help of `power-sdk simulate`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["simulate", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk simulate --profile <name> --sn <serial>/);
 * ```
 */
export const SIMULATE_HELP =
  `Usage: power-sdk simulate --profile <name> --sn <serial> (--broker <url> | --embedded)
                          [options]

Run a simulated station until Ctrl-C (SIGINT) or SIGTERM: it answers requests on SUB/<sn>
with replies on PUB/<sn> as a real station on that broker would, and misbehaves on demand
(--faults). With --embedded it brings its own MQTT broker: plain TCP on 127.0.0.1, for this
machine only. Stopped by a signal, it disconnects cleanly and exits 0.

Options:
      --profile <name>      The profile to simulate (required): EL100V2, EL30V2...
      --sn <serial>         The station's serial number (required); it goes into the topics
      --broker <url|host>   The broker: mqtts://host:port, or a host name (mqtts, port
                            18760), or mqtt://host:port without TLS
      --embedded            Start an in-process broker on 127.0.0.1 and run on it
      --port <n>            With --embedded: the port to listen on (default: a free one)
      --cert <file.p12>     The station's client certificate and its key, a PKCS#12 bundle
      --password <text>     The bundle's password; visible to other users of this machine,
                            prefer ${PASSWORD_ENV} or the prompt
      --ca <file.pem>       Trust the CA certificates in this file for the broker's certificate
      --framing <name>      The payload framing: rtu, iot-v2 or v1 (default: the profile's)
      --faults <spec>       Misbehave, e.g. silent:0.1,crc:5%,late:200ms,unsolicited:2s
  -h, --help                Show this help
      --debug               Print stack traces on errors

Faults: rules separated by commas, each kind[:arg]...; the kinds are
${FAULT_KINDS.join(", ")};
an arg is a probability (0.1 or 10%), a count (3x: the next 3 requests), a duration (200ms,
2s: late delay, unsolicited interval, disconnect downtime) or an exception code (exception:3).

${PASSWORD_HELP}

While it runs it prints a summary line (requests, replies) every 10 s when something
happened, and a last one when it stops.

Examples:
  power-sdk simulate --profile EL100V2 --sn EL100V2123 --embedded
  power-sdk simulate --profile EL100V2 --sn EL100V2123 --broker mqtts://localhost:8883 \\
    --cert station.p12 --ca ca.pem --faults silent:0.1,late:200ms
`;

const OPTIONS = {
  profile: { type: "string" },
  sn: { type: "string" },
  broker: { type: "string" },
  embedded: { type: "boolean" },
  port: { type: "string" },
  ...CREDENTIAL_OPTIONS,
  framing: { type: "string" },
  faults: { type: "string" },
} as const;

/**
 * What `simulate` takes from the process: files, environment, terminal (for the certificate
 * password), the stop signals and the summary cadence. Tests pass doubles.
 *
 * @example Stop at once, print a summary every second
 * ```ts
 * import type { SimulateSystem } from "./simulate_command.ts";
 * import assert from "node:assert/strict";
 *
 * const system: SimulateSystem = {
 *   readFile: () => Promise.reject(new Error("no files here")),
 *   env: () => undefined,
 *   terminal: { isTerminal: () => false, readSecret: () => Promise.resolve(null) },
 *   stopSignals: { listen: (onStop) => (onStop("SIGTERM"), () => {}) },
 *   summaryIntervalMs: 1000,
 * };
 * assert.equal(system.summaryIntervalMs, 1000);
 * ```
 */
export interface SimulateSystem extends CredentialSources {
  /** The signals that stop the station. */
  readonly stopSignals: StopSignals;
  /** Milliseconds between summary lines (a line only when something happened). */
  readonly summaryIntervalMs: number;
}

const DENO_SIMULATE_SYSTEM: SimulateSystem = {
  ...DENO_SOURCES,
  stopSignals: DENO_STOP_SIGNALS,
  summaryIntervalMs: 10_000,
};

/**
 * Run `simulate`: check the command line, the profile and the fault spec; open the station's
 * certificate bundle (asking for its password if need be); start the embedded broker if asked;
 * start the station and print where it runs; print a summary line now and then; on SIGINT or
 * SIGTERM stop the station and the broker and return 0.
 *
 * @param args The arguments after `simulate`.
 * @param ctx Output and registry.
 * @param system Files, environment, terminal, signals, summary cadence.
 * @returns The exit code: 0 once stopped by a signal, 130 when the password prompt was
 * cancelled.
 * @throws {UsageError} for a wrong command line, a bad fault spec included.
 * @throws {PowerSdkError} `CONFIG_UNKNOWN_PROFILE`, `TRANSPORT_INVALID_ARGUMENT` (bad serial or
 * broker), `TRANSPORT_CREDENTIALS`, `TRANSPORT_CONNECT_FAILED`.
 *
 * @example Run on the embedded broker until a (simulated) SIGTERM
 * ```ts
 * import { simulateCommand } from "./simulate_command.ts";
 * import { SchemaRegistry } from "@power-sdk/sdk/parser";
 * import { DEFAULT_PLUGIN } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * let stop = (_signal: string) => {};
 * const io = {
 *   stdout(text: string) {
 *     out += text;
 *     if (text.includes(" running on ")) stop("SIGTERM");
 *   },
 *   stderr() {},
 * };
 * const code = await simulateCommand(
 *   ["--profile", "EL100V2", "--sn", "EL100V2000001", "--embedded"],
 *   { io, plugin: DEFAULT_PLUGIN, registry: new SchemaRegistry(DEFAULT_PLUGIN.blocks) },
 *   {
 *     readFile: () => Promise.reject(new Error("no files here")),
 *     env: () => undefined,
 *     terminal: { isTerminal: () => false, readSecret: () => Promise.resolve(null) },
 *     stopSignals: { listen: (onStop) => (stop = onStop, () => {}) },
 *     summaryIntervalMs: 60_000,
 *   },
 * );
 * assert.equal(code, 0);
 * assert.match(out, /^Embedded MQTT broker listening on mqtt:\/\/127\.0\.0\.1:\d+/);
 * assert.match(out, /\nStopped by SIGTERM after 0 requests, 0 replies\n$/);
 * ```
 */
export async function simulateCommand(
  args: readonly string[],
  ctx: CommandContext,
  system: SimulateSystem = DENO_SIMULATE_SYSTEM,
): Promise<number> {
  if (wantsModbusTcp(args)) {
    return await (await import("./modbus_tcp_command.ts")).modbusSimulateCommand(args, ctx);
  }
  const parsed = parseCommandArgs(args, OPTIONS, "simulate");
  if (printedHelpOrVersion(ctx, parsed, SIMULATE_HELP)) return 0;
  const options = checkOptions(parsed);
  const profile = getProfile(options.profile);
  // The serial goes into topics: refused as the transport refuses it, before anything starts.
  checkTopicValue(options.sn, "serial number");
  // The broker is given as `read` takes it (a host, or a URL); the transport's parser checks
  // the URL the same way and fills in the default port. It connects nothing.
  const brokerUrl = options.broker === undefined
    ? undefined
    : new MqttTransport({ broker: options.broker, deviceSn: options.sn, allowInsecure: true })
      .url;
  if (brokerUrl !== undefined && options.cert !== undefined && !brokerUrl.startsWith("mqtts:")) {
    throw new UsageError(
      `option '--cert' needs an mqtts:// broker, got '${options.broker}'`,
      "simulate",
    );
  }

  const credentials = await loadCredentials(options, ctx, system);
  if (credentials === null) return CANCELLED_EXIT_CODE;
  const { tls: bundle, ca } = credentials;
  // Without a CA in the bundle or --ca, the system store verifies the broker: no empty list.
  const trusted = [...(bundle?.ca ?? []), ...(ca === undefined ? [] : [ca])];
  const tls = bundle === undefined ? undefined : {
    cert: bundle.cert,
    key: bundle.key,
    ...(trusted.length === 0 ? {} : { ca: trusted }),
  };

  return await run(ctx, system, { ...options, profile, brokerUrl, tls });
}

interface RunOptions extends Omit<SimulateOptions, "profile"> {
  readonly profile: DeviceProfile;
  readonly brokerUrl: string | undefined;
  readonly tls: SimulatedStationTlsOptions | undefined;
}

/** Broker, station, summaries, until a stop signal; everything started is stopped. */
async function run(
  ctx: CommandContext,
  system: SimulateSystem,
  options: RunOptions,
): Promise<number> {
  const stopped = Promise.withResolvers<string>();
  const abort = new AbortController();
  // After the first signal the default comes back: a second Ctrl-C ends a stop that hangs.
  let unlisten = () => {};
  unlisten = system.stopSignals.listen((signal) => {
    unlisten();
    stopped.resolve(signal);
    abort.abort(new Error(`stopped by ${signal}`));
  });
  let broker: EmbeddedBroker | undefined;
  let station: SimulatedStation | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    let url = options.brokerUrl;
    if (url === undefined) {
      broker = await EmbeddedBroker.start({ host: "127.0.0.1", port: options.port });
      url = broker.url;
      println(ctx, embeddedLine(url, options));
    }
    try {
      station = await SimulatedStation.start({
        profile: options.profile,
        sn: options.sn,
        brokerUrl: url,
        ...(options.tls === undefined ? {} : { tls: options.tls }),
        ...(options.framing === undefined ? {} : { framing: options.framing }),
        ...(options.faults.length === 0 ? {} : { faults: options.faults }),
        signal: abort.signal,
      });
    } catch (error) {
      if (!abort.signal.aborted) throw error;
      println(ctx, `Stopped by ${await stopped.promise} before the station was running`);
      return 0;
    }
    println(ctx, runningLine(station, options));
    const running = station;
    let last = summary(running.counters);
    let online = true;
    timer = setInterval(() => {
      const now = summary(running.counters);
      const connected = running.connected;
      if (connected !== online) {
        online = connected;
        const why = running.lastError === null ? "" : ` (${oneLine(running.lastError.message)})`;
        println(
          ctx,
          `${clock()} ${connected ? "connected again" : `offline${why}, reconnecting`}`,
        );
      }
      if (now !== last) println(ctx, `${clock()} ${now}`);
      last = now;
    }, system.summaryIntervalMs);
    const signal = await stopped.promise;
    clearInterval(timer);
    await station.stop();
    println(ctx, `Stopped by ${signal} after ${summary(station.counters)}`);
    return 0;
  } finally {
    clearInterval(timer);
    unlisten();
    await station?.stop();
    await broker?.close();
  }
}

function embeddedLine(url: string, options: RunOptions): string {
  const read = [
    "power-sdk",
    "read",
    "--profile",
    options.profile.id,
    "--sn",
    options.sn,
    "--broker",
    url,
    "--allow-insecure",
    ...(options.framing === undefined ? [] : ["--framing", options.framing]),
    "--block",
    "100",
  ];
  return `Embedded MQTT broker listening on ${url} (plain TCP, this machine only); read from it with: ${
    read.map(shellQuote).join(" ")
  }`;
}

function runningLine(station: SimulatedStation, options: RunOptions): string {
  const framing = `${station.model.framing.name} framing`;
  const faults = options.faults.length === 0 ? "no faults" : `faults ${options.faultSpec}`;
  return `Simulated ${options.profile.name} station ${station.sn} running on ${station.brokerUrl} (${framing}, ${faults}); Ctrl-C to stop`;
}

/** `42 requests, 40 replies`, then what else happened: unanswered, unsolicited, disconnects. */
function summary(counters: SimulatedStationCounters): string {
  const parts = [
    count(counters.requests, "request"),
    count(counters.replies, "reply", "replies"),
  ];
  if (counters.ignored > 0) parts.push(`${counters.ignored} unanswered`);
  if (counters.unsolicited > 0) parts.push(`${counters.unsolicited} unsolicited`);
  if (counters.disconnects > 0) parts.push(count(counters.disconnects, "disconnect"));
  return parts.join(", ");
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Local time of day, `14:03:27`. */
function clock(): string {
  const now = new Date();
  return [now.getHours(), now.getMinutes(), now.getSeconds()]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
}

/** A word as a POSIX shell reads it back: bare when safe, else in single quotes. */
function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

interface SimulateOptions extends CredentialOptions {
  readonly profile: string;
  readonly sn: string;
  readonly broker: string | undefined;
  readonly port: number;
  readonly framing: FramingName | undefined;
  readonly faults: readonly FaultRule[];
  readonly faultSpec: string;
}

function checkOptions(parsed: ParsedArgs): SimulateOptions {
  rejectPositionals(parsed, "simulate");
  const profile = requiredOption(parsed, "profile", "<name>", "simulate");
  const sn = requiredOption(parsed, "sn", "<serial>", "simulate");
  const broker = stringOption(parsed, "broker");
  const embedded = flag(parsed, "embedded");
  if (broker === undefined && !embedded) {
    throw new UsageError(
      "missing option '--broker <url|host>' (or '--embedded' for a broker of its own)",
      "simulate",
    );
  }
  rejectBoth(parsed, "broker", "embedded", "simulate");
  const portText = stringOption(parsed, "port");
  if (portText !== undefined && !embedded) {
    throw new UsageError(
      "option '--port' is the port of the embedded broker: it needs '--embedded'",
      "simulate",
    );
  }
  if (embedded) {
    const tlsOption = ["cert", "ca"].find((name) => stringOption(parsed, name) !== undefined);
    if (tlsOption !== undefined) {
      throw new UsageError(
        `option '--${tlsOption}' is for a TLS broker; the embedded broker is plain TCP: use '--broker mqtts://...'`,
        "simulate",
      );
    }
  }
  const credentials = credentialOptions(parsed, "simulate");
  if (credentials.ca !== undefined && credentials.cert === undefined) {
    // The simulated station's TLS options take a client certificate and key, always.
    throw new UsageError(
      "option '--ca' needs '--cert <file.p12>': the simulated station connects over TLS only with a client certificate",
      "simulate",
    );
  }
  const faultSpec = stringOption(parsed, "faults") ?? "";
  return {
    profile,
    sn,
    broker,
    port: portText === undefined ? 0 : portOption(portText),
    ...credentials,
    framing: choiceOption(parsed, "framing", framingNames(), "simulate"),
    faults: faultsOption(faultSpec),
    faultSpec,
  };
}

function portOption(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > 65535) {
    throw new UsageError(
      `option '--port' needs an integer 0..65535 (0: a free port), got '${text}'`,
      "simulate",
    );
  }
  return value;
}

/** The station's fault grammar; a bad spec is a usage error quoting the bad token. */
function faultsOption(spec: string): FaultRule[] {
  try {
    return parseFaultSpec(spec);
  } catch (error) {
    if (!(error instanceof SyntaxError || error instanceof RangeError)) throw error;
    const why = error.message.replace(/^Cannot parse fault spec: /, "");
    const unknown = spec.split(",")
      .map((rule) => rule.split(":")[0]!.trim())
      .find((kind) => kind !== "" && !(FAULT_KINDS as readonly string[]).includes(kind));
    const hint = unknown === undefined ? "" : didYouMeanSuffix(unknown, FAULT_KINDS);
    throw new UsageError(`invalid option '--faults': ${why}${hint}`, "simulate");
  }
}
