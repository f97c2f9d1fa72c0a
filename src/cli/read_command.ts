// `power-sdk read --profile <name> --sn <serial> --broker <url> [--cert <file.p12>] [--ca <pem>]
// (--block <id|name> | --group <name>) [--framing ...] [--json] [--timeout ms]`: one read of a
// real station (or a simulated one) through the MQTT transport.
import { blockLabels } from "./_labels.ts";
import { explainTimeout, type Progress, progress } from "./_progress.ts";
import { openCapture, RecordingTransport } from "../runtime/capture.ts";
import {
  type BlockRecord,
  Client,
  ConfigError,
  type DeviceProfile,
  getProfile,
  type MqttConfig,
  MqttTransport,
  pluginOf,
  PowerSdkError,
} from "../../mod.ts";
import { profileGroup } from "../device/mod.ts";
import { type BlockSchema, redactRecord, type SchemaRegistry } from "../parser/mod.ts";
import { type FramingName, framingNames } from "../protocol/mod.ts";
import {
  choiceOption,
  flag,
  parseCommandArgs,
  type ParsedArgs,
  rejectPositionals,
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
import {
  type CommandContext,
  findBlock,
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
} from "./_credentials.ts";
import { didYouMeanSuffix } from "../_shared/did_you_mean.ts";
import { protocolVersionText, recordJson, recordLines } from "./_records.ts";
import { UsageError } from "./_usage_error.ts";
import { wantsModbusTcp } from "./_modbus_tcp_args.ts";

/**
 * Help of `power-sdk read`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["read", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk read --profile <name> --sn <serial> --broker <url>/);
 * ```
 */
export const READ_HELP =
  `Usage: power-sdk read --profile <name> --sn <serial> --broker <url> [--cert <file.p12>]
                      (--block <id|name> | --group <name>) [options]

Read once from a station through an MQTT broker (the vendor's cloud, mosquitto, or a
'power-sdk simulate' station) and print the decoded values: one block, or every block of one
of the profile's groups. Secrets are always redacted. No retries: one request per block.

Options:
${STATION_OPTIONS_HELP}
      --block <id|name>     Read one block: 100 or APP_HOME_DATA
      --group <name>        Read every block of one of the profile's groups: core, grid...
      --framing <name>      The payload framing: rtu, iot-v2 or v1 (default: the profile's)
      --timeout <ms>        Time allowed for each reply (default: 5000); connecting is
                            allowed this or 10000, whichever is longer
      --json                Print JSON: for --block the shape of 'decode --json'; for --group
                            { group, ok, records, errors }
      --record <file>       Append every request and reply, as sent and received, to a
                            capture file (JSON lines, mode 0600) that 'decode --replay'
                            decodes again; replies of blocks holding secrets are left out
  -h, --help                Show this help
      --debug               Print stack traces on errors

${PASSWORD_HELP}

Exit codes: 0 read, 1 failure (credentials, connection, timeout, a bad reply; for --group a
failed block prints its error line, the others still print), 2 usage error, 130 password
prompt cancelled.

Examples:
  power-sdk read --profile EL100V2 --sn EL100V2123 --broker mqtts://localhost:8883 \\
    --cert client.p12 --ca ca.pem --block 100
  ${PASSWORD_ENV}=... power-sdk read --profile EL100V2 --sn EL100V2123 \\
    --broker mqtts://localhost:8883 --cert client.p12 --group core --json
  power-sdk read --profile EL100V2 --sn EL100V2123 --broker mqtt://127.0.0.1:1883 \\
    --allow-insecure --block 100
`;

const OPTIONS = {
  ...STATION_OPTIONS,
  block: { type: "string" },
  group: { type: "string" },
  framing: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  record: { type: "string" },
} as const;

/** The least time a connection is given, whatever `--timeout` says. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The longest `--timeout`: one hour. */
const MAX_TIMEOUT_MS = 3_600_000;

/**
 * Run `read`: check the command line, the profile, the block or group and the broker before
 * anything else; then open the certificate bundle (asking for its password if need be),
 * connect once, read, print, close.
 *
 * @param args The arguments after `read`.
 * @param ctx Output and registry.
 * @param sources Where files, the environment and the terminal come from.
 * @returns The exit code: 0, 1 when a block of a group failed, 130 when the password prompt
 * was cancelled.
 * @throws {UsageError} for a wrong command line.
 * @throws {PowerSdkError} `CONFIG_UNKNOWN_PROFILE`, `CONFIG_INVALID` (unknown group),
 * `PARSER_UNKNOWN_BLOCK`, `TRANSPORT_INVALID_ARGUMENT` (bad serial or broker, `mqtt://` without
 * `--allow-insecure`), `TRANSPORT_CREDENTIALS`, `TRANSPORT_CONNECT_FAILED`,
 * `TRANSPORT_TIMEOUT`, a `ProtocolError` for a bad reply.
 *
 * @example Reading needs a broker
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const io: CliIo = { stdout: () => {}, stderr: (text) => err += text };
 * const code = await main(["read", "--profile", "EL100V2", "--sn", "EL100V21", "--block", "100"], io);
 * assert.equal(code, 2);
 * assert.match(err, /^error: missing option '--broker <url\|host>'/);
 * ```
 */
export async function readCommand(
  args: readonly string[],
  ctx: CommandContext,
  sources: CredentialSources = DENO_SOURCES,
): Promise<number> {
  if (wantsModbusTcp(args)) {
    return await (await import("./modbus_tcp_command.ts")).modbusReadCommand(args, ctx);
  }
  const parsed = parseCommandArgs(args, OPTIONS, "read");
  if (printedHelpOrVersion(ctx, parsed, READ_HELP)) return 0;
  const options = checkOptions(parsed);
  const debug = flag(parsed, "debug");

  const profile = getProfile(options.profile);
  const registry = pluginOf(profile).createRegistry(profile);
  const target = options.block === undefined
    ? { group: findGroup(profile, options.group!) }
    : { block: findBlock(registry, options.block) };
  const config: MqttConfig = {
    ...transportConfig(ctx, options, debug),
    ...(options.timeoutMs === undefined ? {} : {
      // A short reply timeout must not fail a TLS handshake that is merely slow.
      connectTimeoutMs: Math.max(options.timeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
      requestTimeoutMs: options.timeoutMs,
    }),
  };
  // The transport checks the serial and the broker (mqtt:// without --allow-insecure) when it
  // is made, and makes no connection: check them before asking for a password.
  new MqttTransport(config);

  const credentials = await loadCredentials(options, ctx, sources);
  if (credentials === null) return CANCELLED_EXIT_CODE;

  using capture = options.record === undefined ? undefined : await openCapture(options.record);
  const mqtt = new MqttTransport({ ...config, ...credentials });
  await using client = new Client({
    transport: capture === undefined ? mqtt : new RecordingTransport(mqtt, {
      framing: options.framing ?? profile.defaultFraming,
      profile: profile.id,
      registry,
      record: (line) => capture.write(line),
    }),
    profile,
    registry,
    ...(options.framing === undefined ? {} : { framing: options.framing }),
  });
  const steps = progress(ctx, options.json);
  await steps.step(`connecting to ${options.broker}`, () => client.connect());
  if (target.block !== undefined) {
    const block = target.block;
    const record = await steps.step(
      `waiting for the reply to block ${block.id} ${block.name} from ${options.sn}`,
      () => client.readBlock(block.id, { retry: false }),
    ).catch((error) => {
      throw explainTimeout(error);
    });
    if (options.json) {
      printJson(
        ctx,
        recordJson(redactRecord(record, target.block), blockLabels(record.blockId)),
      );
    } else {
      printRecord(ctx, target.block, record, options.sn);
    }
    return 0;
  }
  return await readGroup(ctx, client, registry, target.group, options, steps);
}

async function readGroup(
  ctx: CommandContext,
  client: Client,
  registry: SchemaRegistry,
  group: string,
  options: ReadCommandOptions,
  steps: Progress,
): Promise<number> {
  const result = await steps.step(
    `waiting for the replies to group ${group} from ${options.sn}`,
    () => client.readGroup(group, { retry: false }),
  );
  const errors = result.errors.map(({ blockId, error }) => ({
    blockId,
    name: registry.get(blockId)?.name ?? null,
    code: error.code,
    message: (explainTimeout(error) as Error).message,
  }));
  if (options.json) {
    printJson(ctx, {
      group: result.group,
      ok: result.ok,
      records: result.records.map((record) =>
        recordJson(
          redactRecord(record, registry.require(record.blockId)),
          blockLabels(record.blockId),
        )
      ),
      errors,
    });
  } else {
    result.records.forEach((record, i) => {
      if (i > 0) println(ctx, "");
      printRecord(ctx, registry.require(record.blockId), record, options.sn);
    });
  }
  for (const error of errors) {
    const label = error.name === null
      ? `block ${error.blockId}`
      : `block ${error.blockId} ${error.name}`;
    ctx.io.stderr(`error: ${error.code}: ${label}: ${oneLine(error.message)}\n`);
  }
  return result.ok ? 0 : 1;
}

/** A header line, then the values as `decode` prints them; always redacted. */
function printRecord(
  ctx: CommandContext,
  schema: BlockSchema,
  record: BlockRecord,
  sn: string,
): void {
  // Counted before redaction, which drops the bytes of a block that holds secrets.
  const bytes = record.raw.length;
  const safe = redactRecord(record, schema);
  println(
    ctx,
    `${schema.name} (block ${schema.id}) from ${sn}: ${bytes} data bytes, ${
      protocolVersionText(record.protocolVersion)
    }`,
  );
  const labels = blockLabels(schema.id);
  for (const line of recordLines(schema, safe, record.protocolVersion, false, labels)) {
    println(ctx, line);
  }
}

function findGroup(profile: DeviceProfile, name: string): string {
  try {
    return profileGroup(profile, name).name;
  } catch (error) {
    if (!(error instanceof PowerSdkError)) throw error;
    const suffix = didYouMeanSuffix(name, profile.groups.map((g) => g.name));
    throw new ConfigError("CONFIG_INVALID", `${error.message}${suffix}`, { path: "group" }, {
      cause: error,
    });
  }
}

interface ReadCommandOptions extends StationOptions {
  readonly block: string | undefined;
  readonly group: string | undefined;
  readonly framing: FramingName | undefined;
  readonly timeoutMs: number | undefined;
  readonly json: boolean;
  /** Append each request and reply to this capture file. */
  readonly record: string | undefined;
}

function checkOptions(parsed: ParsedArgs): ReadCommandOptions {
  rejectPositionals(parsed, "read");
  const station = stationAndBroker(parsed, "read");
  requireOneOf(parsed, ["block", "<id|name>"], ["group", "<name>"], "read");
  const credentials = credentialOptions(parsed, "read");
  const timeout = stringOption(parsed, "timeout");
  return {
    ...station,
    ...credentials,
    allowInsecure: flag(parsed, "allow-insecure"),
    block: stringOption(parsed, "block"),
    group: stringOption(parsed, "group"),
    framing: choiceOption(parsed, "framing", framingNames(), "read"),
    timeoutMs: timeout === undefined ? undefined : timeoutOption(timeout),
    json: flag(parsed, "json"),
    record: stringOption(parsed, "record"),
  };
}

function timeoutOption(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw new UsageError(
      `option '--timeout' needs milliseconds, an integer 1..${MAX_TIMEOUT_MS}, got '${text}'`,
      "read",
    );
  }
  return value;
}
