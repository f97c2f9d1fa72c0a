// `power-sdk write --profile <name> --sn <serial> --broker <url> [--cert <file.p12>] [--ca <pem>]
// (--field <name> | --register <n>) --value <v> [--enable-writes] [--force]
// [--confirm-dangerous] [--dry-run] [--json]`: one control register through the library's
// safety gates, then read back.
import { explainTimeout, progress } from "./_progress.ts";
import { Client, getProfile, MqttTransport, type WriteResult } from "../../mod.ts";
import { type FramingName, framingNames } from "../protocol/mod.ts";
import {
  choiceOption,
  flag,
  parseCommandArgs,
  type ParsedArgs,
  rejectPositionals,
  requiredOption,
  requireOneOf,
  stringOption,
} from "./_args.ts";
import {
  credentialOptions,
  loadCredentials,
  PASSWORD_HELP,
  STATION_OPTIONS,
  STATION_OPTIONS_HELP,
  stationAndBroker,
  type StationOptions,
  transportConfig,
} from "./_connection.ts";
import { type CommandContext, printedHelpOrVersion, printJson, println } from "./_context.ts";
import { CANCELLED_EXIT_CODE, type CredentialSources, DENO_SOURCES } from "./_credentials.ts";
import { UsageError } from "./_usage_error.ts";
import { wantsModbusTcp } from "./_modbus_tcp_args.ts";

/**
 * Help of `power-sdk write`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["write", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk write --profile <name> --sn <serial> --broker <url>/);
 * ```
 */
export const WRITE_HELP =
  `Usage: power-sdk write --profile <name> --sn <serial> --broker <url> [--cert <file.p12>]
                       (--field <name> | --register <n>) --value <value> [options]

Write one control register of a station through an MQTT broker, then read it back and say
whether the station took the value. Every safety gate of the library applies, in this order:
writes enabled (--enable-writes), a known register, allowed by the profile, a valid value, a
verified block (or --force), a dangerous register confirmed (--confirm-dangerous). A refused
write sends nothing. Writes are never retried.

Options:
${STATION_OPTIONS_HELP}
      --framing <name>      The payload framing: rtu, iot-v2 or v1 (default: the profile's)
      --field <name>        The control register by name: ac_output, charging_mode...
      --register <n>        The control register by number: 2011...
      --value <value>       on/off/true/false/1/0 for a switch, a label (turbo) or a listed
                            number for a choice, an integer for a number register (required)
      --enable-writes       Allow writing to this station (without it every write is refused)
      --force               Write although the block holding the register is not verified
      --confirm-dangerous   Confirm a write to a dangerous register (power off, factory
                            reset...); --force does not cover it
      --dry-run             Pass the gates and print the payload that would be published
                            (framing included), in hex; connect nothing, send nothing
      --json                Print { sn, register, name, value, description, framing, payload,
                            dryRun, readBack, applied }
  -h, --help                Show this help
      --debug               Print stack traces on errors

${PASSWORD_HELP}

Exit codes: 0 written and read back (or --dry-run), 1 failure (a refused write:
'error: WRITE_REFUSED: ...', credentials, connection, timeout, an exception reply, or a
read-back that differs from the value written), 2 usage error, 130 password prompt cancelled.

Examples:
  power-sdk write --profile EL100V2 --sn EL100V2123 --broker mqtts://localhost:8883 \\
    --cert client.p12 --field ac_output --value off --enable-writes
  power-sdk write --profile EL100V2 --sn EL100V2123 --broker mqtts://localhost:8883 \\
    --register 2020 --value turbo --enable-writes --dry-run
`;

const OPTIONS = {
  ...STATION_OPTIONS,
  framing: { type: "string" },
  field: { type: "string" },
  register: { type: "string" },
  value: { type: "string" },
  "enable-writes": { type: "boolean" },
  force: { type: "boolean" },
  "confirm-dangerous": { type: "boolean" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
} as const;

/**
 * Run `write`: check the command line, the profile, the serial and the broker; pass the write
 * through the gates and build its payload without connecting (a refused write fails here,
 * before any password is asked for); with `--dry-run` print the payload and stop. Otherwise
 * open the certificate bundle, connect, write, read back, print.
 *
 * @param args The arguments after `write`.
 * @param ctx Output and registry.
 * @param sources Where files, the environment and the terminal come from.
 * @returns The exit code: 0; 1 when the value read back differs from the one written; 130 when
 * the password prompt was cancelled.
 * @throws {UsageError} for a wrong command line.
 * @throws {PowerSdkError} `WRITE_REFUSED` (its gate says why), `CONFIG_UNKNOWN_PROFILE`,
 * `TRANSPORT_INVALID_ARGUMENT`, `TRANSPORT_CREDENTIALS`, `TRANSPORT_CONNECT_FAILED`,
 * `TRANSPORT_TIMEOUT`, a `ProtocolError` for an exception reply.
 *
 * @example The payload of a write, without connecting
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * const code = await main([
 *   "write", "--profile", "EL100V2", "--sn", "EL100V2000042", "--broker", "mqtt://127.0.0.1:1",
 *   "--allow-insecure", "--field", "ac_output", "--value", "on", "--enable-writes", "--dry-run",
 *   "--json",
 * ], io);
 * assert.equal(code, 0);
 * const result = JSON.parse(out);
 * assert.equal(result.register, 2011);
 * assert.equal(result.payload, "010607db00013945"); // 01 06 07db 0001 + CRC
 * assert.equal(result.dryRun, true);
 * ```
 *
 * @example Writes are off unless enabled
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const io: CliIo = { stdout: () => {}, stderr: (text) => err += text };
 * const code = await main([
 *   "write", "--profile", "EL100V2", "--sn", "EL100V2000042", "--broker", "mqtt://127.0.0.1:1",
 *   "--allow-insecure", "--field", "ac_output", "--value", "on",
 * ], io);
 * assert.equal(code, 1);
 * assert.match(err, /^error: WRITE_REFUSED: Cannot write register 2011 \(ac_output\): writes are disabled/);
 * ```
 */
export async function writeCommand(
  args: readonly string[],
  ctx: CommandContext,
  sources: CredentialSources = DENO_SOURCES,
): Promise<number> {
  if (wantsModbusTcp(args)) {
    return await (await import("./modbus_tcp_command.ts")).modbusWriteCommand(args, ctx);
  }
  const parsed = parseCommandArgs(args, OPTIONS, "write");
  if (printedHelpOrVersion(ctx, parsed, WRITE_HELP)) return 0;
  const options = checkOptions(parsed);
  const debug = flag(parsed, "debug");
  const profile = getProfile(options.profile);
  const config = transportConfig(ctx, options, debug);
  const clientOptions = {
    profile,
    writesEnabled: options.enableWrites,
    ...(options.framing === undefined ? {} : { framing: options.framing }),
  };
  const writeOptions = { force: options.force, confirmDangerous: options.confirmDangerous };

  // The transport checks the serial and the broker when it is made and connects nothing; the
  // dry run passes the gates and builds the payload without sending it.
  let planned: WriteResult;
  let framing: string;
  {
    await using plan = new Client({ ...clientOptions, transport: new MqttTransport(config) });
    planned = await plan.write(options.target, options.value, { ...writeOptions, dryRun: true });
    framing = plan.framing.name;
  }
  if (options.dryRun) {
    printResult(ctx, options, planned, framing);
    return 0;
  }

  const credentials = await loadCredentials(options, ctx, sources);
  if (credentials === null) return CANCELLED_EXIT_CODE;
  await using client = new Client({
    ...clientOptions,
    transport: new MqttTransport({ ...config, ...credentials }),
  });
  const steps = progress(ctx, options.json);
  await steps.step(`connecting to ${options.broker}`, () => client.connect());
  const result = await steps.step(
    `waiting for ${options.sn} to take the write and answer the read-back`,
    () => client.write(options.target, options.value, writeOptions),
  ).catch((error) => {
    throw explainTimeout(error);
  });
  printResult(ctx, options, result, framing);
  if (result.applied !== false) return 0;
  ctx.io.stderr(
    `error: WRITE_NOT_APPLIED: the station did not take the value: register ${result.register} reads back ${result.readBack}, not ${result.value}\n`,
  );
  return 1;
}

function printResult(
  ctx: CommandContext,
  options: WriteCommandOptions,
  result: WriteResult,
  framing: string,
): void {
  const payload = result.payload.toHex();
  if (options.json) {
    printJson(ctx, {
      sn: options.sn,
      register: result.register,
      name: result.name,
      value: result.value,
      description: result.description,
      framing,
      payload,
      dryRun: result.dryRun,
      readBack: result.readBack,
      applied: result.applied,
    });
    return;
  }
  if (result.dryRun) {
    println(ctx, `Dry run, nothing sent: ${result.description} to ${options.sn}`);
    println(ctx, `payload (${framing} framing, ${result.payload.length} bytes): ${payload}`);
    return;
  }
  const outcome = result.applied === true ? "applied" : "NOT applied";
  println(
    ctx,
    `${result.description} written to ${options.sn}; read back ${result.readBack}: ${outcome}`,
  );
}

interface WriteCommandOptions extends StationOptions {
  readonly framing: FramingName | undefined;
  readonly target: string | number;
  readonly value: string;
  readonly enableWrites: boolean;
  readonly force: boolean;
  readonly confirmDangerous: boolean;
  readonly dryRun: boolean;
  readonly json: boolean;
}

function checkOptions(parsed: ParsedArgs): WriteCommandOptions {
  rejectPositionals(parsed, "write");
  const station = stationAndBroker(parsed, "write");
  requireOneOf(parsed, ["field", "<name>"], ["register", "<n>"], "write");
  const field = stringOption(parsed, "field");
  const value = requiredOption(parsed, "value", "<value>", "write");
  const credentials = credentialOptions(parsed, "write");
  return {
    ...station,
    ...credentials,
    allowInsecure: flag(parsed, "allow-insecure"),
    framing: choiceOption(parsed, "framing", framingNames(), "write"),
    target: field ?? registerOption(stringOption(parsed, "register")!),
    value,
    enableWrites: flag(parsed, "enable-writes"),
    force: flag(parsed, "force"),
    confirmDangerous: flag(parsed, "confirm-dangerous"),
    dryRun: flag(parsed, "dry-run"),
    json: flag(parsed, "json"),
  };
}

function registerOption(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value <= 0xffff)) {
    throw new UsageError(
      `option '--register' needs a register number, an integer 0..65535, got '${text}'`,
      "write",
    );
  }
  return value;
}
