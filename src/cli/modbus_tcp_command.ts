// `read`, `write` and `simulate` over local Modbus TCP (`--modbus-tcp HOST:PORT`,
// `--transport modbus-tcp`): one module, loaded only when those options are given.
import {
  ConfigError,
  getLocalProfile,
  MBAP_STREAM_FRAMING,
  ModbusRegisterClient,
  parseRegisterMapFile,
  type RegisterMap,
  type RegisterReadResult,
  TcpStreamTransport,
} from "../../mod.ts";
import { SimulatedModbusStation } from "../testing/simulated_modbus_station.ts";
import {
  flag,
  parseCommandArgs,
  type ParsedArgs,
  rejectBoth,
  rejectPositionals,
  requiredOption,
  requireOneOf,
  stringOption,
} from "./_args.ts";
import {
  type CommandContext,
  oneLine,
  printedHelpOrVersion,
  printJson,
  println,
} from "./_context.ts";
import { DENO_STOP_SIGNALS, type StopSignals } from "./_signals.ts";
import { UsageError } from "./_usage_error.ts";

/**
 * Help of `power-sdk read --modbus-tcp`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["read", "--modbus-tcp", "x", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk read --profile <name> --modbus-tcp <host:port>/);
 * ```
 */
export const MODBUS_READ_HELP =
  `Usage: power-sdk read --profile <name> --modbus-tcp <host:port> (--group <name> | --field <names>)
                      [options]

Read once from a station's local Modbus TCP server (a model that 'power-sdk profiles'
lists with transport modbus_tcp, or a register-map file). Reads follow the model's plan: never
across an address the station does not serve. A field whose read fails is left out and reported.

Options:
      --profile <name>      A local profile: AC500, EP500PRO, AC200L, PA030, BALCO260, FP
      --profile-file <file> Or a register-map file (YAML or JSON) for any Modbus TCP device
      --modbus-tcp <host:port>
                            The station (port 502 when omitted)
      --unit-id <n>         Unit id (default 1; others need --allow-unit-id: another unit id
                            has frozen an AC500's Modbus TCP server until a power cycle)
      --allow-unit-id       Allow a unit id other than the profile's (prints a warning)
      --group <name>        Read a group: live, totals, identity, controls
      --field <names>       Read fields, comma separated: soc,pack_voltage
      --timeout <ms>        Time for each reply (default 5000)
      --pacing <ms>         Least time between requests (default 500)
      --json                Print JSON: { profile, values, units, ok, errors }
  -h, --help                Show this help

Exit codes: 0 read, 1 a field could not be read (or the connection failed), 2 usage error.

Examples:
  power-sdk read --profile AC500 --modbus-tcp 192.168.1.50:502 --group live
  power-sdk read --profile "Balco 260" --modbus-tcp 192.168.1.51 --field soc,pack_voltage --json
`;

/**
 * Help of `power-sdk write --modbus-tcp`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["write", "--modbus-tcp", "x", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk write --profile <name> --modbus-tcp <host:port>/);
 * ```
 */
export const MODBUS_WRITE_HELP =
  `Usage: power-sdk write --profile <name> --modbus-tcp <host:port> --field <name> --value <value>
                       --enable-writes [options]

Write one control of a station's local Modbus TCP server (FC 0x06) through the safety gates,
then read it back after the station's ~2 s stale window (up to 3 tries).

Options:
      --profile <name>      A local profile: AC500, EP500PRO, AC200L, PA030, BALCO260, FP
      --profile-file <file> Or a register-map file (YAML or JSON)
      --modbus-tcp <host:port>
                            The station (port 502 when omitted)
      --unit-id <n>         Unit id (default 1; others need --allow-unit-id)
      --allow-unit-id       Allow a unit id other than the profile's (prints a warning)
      --field <name>        The control: ac_output, dc_output, grid_charge, feed_in,
                            soc_floor, soc_ceiling (what the model allows)
      --value <value>       on/off for switches, a number within the range for limits
      --enable-writes       Required: writes are off unless enabled
      --force               Write a control not yet seen working on hardware
      --confirm-dangerous   Required for AC output (cuts power to loads)
      --read-back-delay <ms>
                            Wait before each read-back (default 2000)
      --timeout <ms>        Time for each reply (default 5000)
      --json                Print JSON
  -h, --help                Show this help

Exit codes: 0 written and read back, 1 refused by a gate, not applied, or a failure, 2 usage
error.
`;

/**
 * Help of `power-sdk simulate --transport modbus-tcp`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["simulate", "--transport", "modbus-tcp", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk simulate --transport modbus-tcp --profile <name>/);
 * ```
 */
export const MODBUS_SIMULATE_HELP =
  `Usage: power-sdk simulate --transport modbus-tcp --profile <name> [--port <n>] [options]

Run a simulated station's local Modbus TCP server on 127.0.0.1 until Ctrl-C or SIGTERM, with
the quirks of the real ones: silence on a multi-register read over an unserved address,
exception 02 on a single one, silence for other unit ids, one client at a time, the internal
address echoed on writes, stale reads for 2 s after a write.

Options:
      --transport modbus-tcp
      --profile <name>      A local profile: AC500, EP500PRO, AC200L, PA030, BALCO260, FP
      --profile-file <file> Or a register-map file (YAML or JSON)
      --port <n>            Port to listen on (default: a free one, printed)
      --set <field=value>   Initial values, comma separated: soc=80,pack_voltage=53.2
  -h, --help                Show this help
`;

const COMMON = {
  profile: { type: "string" },
  "profile-file": { type: "string" },
  "modbus-tcp": { type: "string" },
  "unit-id": { type: "string" },
  "allow-unit-id": { type: "boolean" },
  timeout: { type: "string" },
  json: { type: "boolean" },
} as const;

const READ_OPTIONS = {
  ...COMMON,
  group: { type: "string" },
  field: { type: "string" },
  pacing: { type: "string" },
} as const;

const WRITE_OPTIONS = {
  ...COMMON,
  field: { type: "string" },
  value: { type: "string" },
  "enable-writes": { type: "boolean" },
  force: { type: "boolean" },
  "confirm-dangerous": { type: "boolean" },
  "read-back-delay": { type: "string" },
} as const;

const SIMULATE_OPTIONS = {
  transport: { type: "string" },
  profile: { type: "string" },
  "profile-file": { type: "string" },
  port: { type: "string" },
  set: { type: "string" },
} as const;

/**
 * `read --modbus-tcp`: connect, run the read plan, print, close.
 *
 * @param args The arguments after `read`.
 * @param ctx Output.
 * @returns 0 when every field was read, 1 otherwise.
 * @throws {UsageError} For a wrong command line.
 * @throws {PowerSdkError} `CONFIG_UNKNOWN_PROFILE`, `SCHEMA_INVALID_FIELD`,
 * `TRANSPORT_CONNECT_FAILED`.
 */
export async function modbusReadCommand(
  args: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const parsed = parseCommandArgs(args, READ_OPTIONS, "read");
  if (printedHelpOrVersion(ctx, parsed, MODBUS_READ_HELP)) return 0;
  rejectPositionals(parsed, "read");
  requireOneOf(parsed, ["group", "<name>"], ["field", "<names>"], "read");
  const target = stationOptions(parsed, "read");
  const map = await loadMap(parsed, "read");
  const group = stringOption(parsed, "group");
  const fields = stringOption(parsed, "field")?.split(",").map((f) => f.trim()).filter((f) =>
    f !== ""
  );
  // Unknown names are errors before anything connects.
  if (group !== undefined && map.def.groups[group] === undefined) {
    throw new UsageError(
      `unknown group '${group}' for profile ${map.id}: expected one of ${
        Object.keys(map.def.groups).join(", ")
      }`,
      "read",
    );
  }
  for (const name of fields ?? []) map.field(name);
  const pacing = msOption(parsed, "pacing", "read");
  await using session = await open(ctx, map, target, pacing ?? 500, "read");
  const result = await session.client.read({
    ...(group === undefined ? {} : { group }),
    ...(fields === undefined ? {} : { fields }),
  });
  printRead(ctx, map, target, result, flag(parsed, "json"));
  return result.failures.length === 0 ? 0 : 1;
}

/**
 * `write --modbus-tcp`: the gates, the write, the read-back.
 *
 * @param args The arguments after `write`.
 * @param ctx Output.
 * @returns 0 when written and read back.
 * @throws {UsageError} For a wrong command line.
 * @throws {PowerSdkError} `WRITE_REFUSED`, `WRITE_NOT_APPLIED`, transport and protocol errors.
 */
export async function modbusWriteCommand(
  args: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const parsed = parseCommandArgs(args, WRITE_OPTIONS, "write");
  if (printedHelpOrVersion(ctx, parsed, MODBUS_WRITE_HELP)) return 0;
  rejectPositionals(parsed, "write");
  const target = stationOptions(parsed, "write");
  const field = requiredOption(parsed, "field", "<name>", "write");
  const value = requiredOption(parsed, "value", "<value>", "write");
  const map = await loadMap(parsed, "write");
  const delay = msOption(parsed, "read-back-delay", "write");
  await using session = await open(ctx, map, target, 500, "write", {
    writesEnabled: flag(parsed, "enable-writes"),
    ...(delay === undefined ? {} : { readBackDelayMs: delay }),
  });
  const result = await session.client.write({
    target: field,
    value,
    force: flag(parsed, "force"),
    confirmDangerous: flag(parsed, "confirm-dangerous"),
  });
  if (flag(parsed, "json")) {
    printJson(ctx, {
      profile: map.id,
      field: result.write.name,
      register: result.write.register,
      value: result.write.value,
      echoed_register: result.echoedRegister,
      read_back: result.readBack,
      tries: result.tries,
    });
  } else {
    println(
      ctx,
      `${result.write.name} (register ${result.write.register}) = ${result.write.value}: written, read back ${result.readBack} after ${result.tries} ${
        result.tries === 1 ? "try" : "tries"
      }${
        result.echoedRegister === result.write.register
          ? ""
          : ` (the station echoed register ${result.echoedRegister})`
      }`,
    );
  }
  return 0;
}

/** Files, signals: what `simulate --transport modbus-tcp` needs from the system. */
export interface ModbusSimulateSystem {
  /** Stop signals. */
  readonly stopSignals: StopSignals;
}

/**
 * `simulate --transport modbus-tcp`: serve a simulated station until a stop signal.
 *
 * @param args The arguments after `simulate`.
 * @param ctx Output.
 * @param system Stop signals.
 * @returns 0 once stopped.
 * @throws {UsageError} For a wrong command line.
 * @throws {PowerSdkError} `CONFIG_UNKNOWN_PROFILE`.
 */
export async function modbusSimulateCommand(
  args: readonly string[],
  ctx: CommandContext,
  system: ModbusSimulateSystem = { stopSignals: DENO_STOP_SIGNALS },
): Promise<number> {
  const parsed = parseCommandArgs(args, SIMULATE_OPTIONS, "simulate");
  if (printedHelpOrVersion(ctx, parsed, MODBUS_SIMULATE_HELP)) return 0;
  rejectPositionals(parsed, "simulate");
  const transport = stringOption(parsed, "transport");
  if (transport !== "modbus-tcp") {
    throw new UsageError(`option '--transport' must be modbus-tcp, got '${transport}'`, "simulate");
  }
  const map = await loadMap(parsed, "simulate");
  const portText = stringOption(parsed, "port");
  const port = portText === undefined ? 0 : portNumber(portText, "--port", "simulate");
  const values: Record<string, number | string> = {};
  for (const item of (stringOption(parsed, "set") ?? "").split(",").filter((s) => s !== "")) {
    const [name, text] = item.split("=", 2);
    if (name === undefined || text === undefined) {
      throw new UsageError(`option '--set' needs field=value, got '${item}'`, "simulate");
    }
    map.field(name.trim());
    values[name.trim()] = Number.isFinite(Number(text)) ? Number(text) : text;
  }
  const stopped = Promise.withResolvers<string>();
  let unlisten = () => {};
  unlisten = system.stopSignals.listen((signal) => {
    unlisten();
    stopped.resolve(signal);
  });
  try {
    await using station = await SimulatedModbusStation.start({ map, port, values });
    println(
      ctx,
      `Simulated ${
        map.def.name ?? map.id
      } (${map.id}) Modbus TCP station running on 127.0.0.1:${station.port}, unit ${
        map.def.unit_id ?? 1
      }`,
    );
    const signal = await stopped.promise;
    println(ctx, `Stopped by ${signal} after ${station.requests.length} requests`);
  } finally {
    unlisten();
  }
  return 0;
}

interface StationTarget {
  readonly host: string;
  readonly port: number;
  readonly unitId: number | undefined;
  readonly allowUnitId: boolean;
  readonly timeoutMs: number | undefined;
}

function stationOptions(parsed: ParsedArgs, command: string): StationTarget {
  const address = requiredOption(parsed, "modbus-tcp", "<host:port>", command);
  rejectBoth(parsed, "modbus-tcp", "broker", command);
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(address);
  if (match === null) {
    throw new UsageError(
      `option '--modbus-tcp' needs host or host:port, got '${address}'`,
      command,
    );
  }
  const unitText = stringOption(parsed, "unit-id");
  let unitId: number | undefined;
  if (unitText !== undefined) {
    unitId = /^\d+$/.test(unitText) ? Number(unitText) : NaN;
    if (!(unitId >= 0 && unitId <= 255)) {
      throw new UsageError(
        `option '--unit-id' needs an integer 0..255, got '${unitText}'`,
        command,
      );
    }
  }
  return {
    host: match[1]!.replace(/^\[|\]$/g, ""),
    port: match[2] === undefined ? 502 : portNumber(match[2], "--modbus-tcp", command),
    unitId,
    allowUnitId: flag(parsed, "allow-unit-id"),
    timeoutMs: msOption(parsed, "timeout", command),
  };
}

async function open(
  ctx: CommandContext,
  map: RegisterMap,
  target: StationTarget,
  pacingMs: number,
  command: string,
  write: { writesEnabled?: boolean; readBackDelayMs?: number } = {},
) {
  const transport = new TcpStreamTransport({
    host: target.host,
    port: target.port,
    framing: MBAP_STREAM_FRAMING,
    pacingMs,
    ...(target.timeoutMs === undefined ? {} : { timeoutMs: target.timeoutMs }),
  });
  try {
    const client = new ModbusRegisterClient({
      transport,
      map,
      allowOtherUnitId: target.allowUnitId,
      warn: (m) => ctx.io.stderr(`${oneLine(m)}\n`),
      ...(target.unitId === undefined ? {} : { unitId: target.unitId }),
      ...write,
    });
    await transport.connect();
    return { client, [Symbol.asyncDispose]: () => transport.close() };
  } catch (error) {
    await transport.close();
    if (error instanceof RangeError) throw new UsageError(error.message, command);
    throw error;
  }
}

function printRead(
  ctx: CommandContext,
  map: RegisterMap,
  target: StationTarget,
  result: RegisterReadResult,
  json: boolean,
): void {
  const errors = result.failures.map((f) => ({
    fields: f.fields,
    start: f.start,
    quantity: f.quantity,
    code: f.error.code,
    message: f.error.message,
  }));
  if (json) {
    printJson(ctx, {
      profile: map.id,
      transport: "modbus_tcp",
      host: target.host,
      port: target.port,
      values: result.values,
      units: result.units,
      ok: errors.length === 0,
      errors,
    });
  } else {
    println(ctx, `${map.def.name ?? map.id} (${map.id}) at ${target.host}:${target.port}:`);
    const width = Math.max(0, ...Object.keys(result.values).map((k) => k.length));
    for (const [name, value] of Object.entries(result.values)) {
      const unit = result.units[name];
      println(ctx, `  ${name.padEnd(width)}  ${value}${unit === undefined ? "" : ` ${unit}`}`);
    }
  }
  for (const e of errors) {
    ctx.io.stderr(
      `error: ${e.code}: ${e.fields.join(", ")} (registers ${e.start}..${
        e.start + e.quantity - 1
      }): ${oneLine(e.message)}\n`,
    );
  }
}

/** The map of `--profile <name>` or `--profile-file <file>` (one of them). */
async function loadMap(parsed: ParsedArgs, command: string): Promise<RegisterMap> {
  requireOneOf(parsed, ["profile", "<name>"], ["profile-file", "<file>"], command);
  const file = stringOption(parsed, "profile-file");
  if (file === undefined) return getLocalProfile(stringOption(parsed, "profile")!);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new ConfigError(
      "CONFIG_INVALID",
      `Cannot read register map ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { file },
    );
  }
  return parseRegisterMapFile(text, file);
}

function msOption(parsed: ParsedArgs, name: string, command: string): number | undefined {
  const text = stringOption(parsed, name);
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value > 3_600_000) {
    throw new UsageError(
      `option '--${name}' needs milliseconds 0..3600000, got '${text}'`,
      command,
    );
  }
  return value;
}

function portNumber(text: string, option: string, command: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535) || (option !== "--port" && port === 0)) {
    throw new UsageError(`option '${option}' needs a port 1..65535, got '${text}'`, command);
  }
  return port;
}
