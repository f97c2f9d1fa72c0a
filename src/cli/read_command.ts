// `power-sdk read --profile <name> --sn <serial> --broker <url> [--cert <file.p12>] [--ca <pem>]
// (--block <id|name> | --group <name>) [--framing ...] [--json] [--timeout ms]`: one read of a
// real station (or a simulated one) through the MQTT transport.
import {
  type BlockRecord,
  type BlockSchema,
  Client,
  ConfigError,
  createBluettiRegistry,
  type DeviceProfile,
  FRAMING_NAMES,
  type FramingName,
  getProfile,
  type MqttConfig,
  MqttTransport,
  PowerSdkError,
  profileGroup,
  redactRecord,
  type SchemaRegistry,
  type TlsCredentials,
  type TransportLogEntry,
} from "../../mod.ts";
import { flag, parseCommandArgs, type ParsedArgs, stringOption } from "./_args.ts";
import {
  type CommandContext,
  findBlock,
  printedHelpOrVersion,
  printJson,
  println,
} from "./_context.ts";
import {
  CANCELLED_EXIT_CODE,
  type CredentialSources,
  DENO_SOURCES,
  loadBundle,
  PASSWORD_ENV,
  PromptCancelledError,
  readCaFile,
} from "./_credentials.ts";
import { didYouMeanSuffix } from "./_did_you_mean.ts";
import { protocolVersionText, recordJson, recordLines } from "./_records.ts";
import { UsageError } from "./_usage_error.ts";

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

Read once from a station through an MQTT broker (the BLUETTI cloud, mosquitto, or a
'power-sdk simulate' station) and print the decoded values: one block, or every block of one
of the profile's groups. Secrets are always redacted. No retries: one request per block.

Options:
      --profile <name>      The station's profile (required): EL100V2, "Elite 100 V2"...
      --sn <serial>         The station's serial number (required); it goes into the topics
      --broker <url|host>   The broker (required): mqtts://host:port, or a host name
                            (mqtts, port 18760); mqtt:// needs --allow-insecure
      --cert <file.p12>     The client certificate and its key, a PKCS#12 bundle
      --password <text>     The bundle's password; visible to other users of this machine,
                            prefer ${PASSWORD_ENV} or the prompt
      --ca <file.pem>       Trust the CA certificates in this file for the broker's certificate
      --allow-insecure      Allow mqtt:// (no encryption) and do not verify the broker's
                            certificate; for a local test broker only
      --block <id|name>     Read one block: 100 or APP_HOME_DATA
      --group <name>        Read every block of one of the profile's groups: core, grid...
      --framing <name>      The payload framing: rtu, iot-v2 or v1 (default: the profile's)
      --timeout <ms>        Time allowed to connect, and for each reply (default: 10000 to
                            connect, 5000 for each reply)
      --json                Print JSON: for --block the shape of 'decode --json'; for --group
                            { group, ok, records, errors }
  -h, --help                Show this help
      --debug               Print stack traces on errors

The bundle's password comes from --password, else ${PASSWORD_ENV}, else it is
asked for without echo when stdin is a terminal. A bundle without a password needs none.

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
  profile: { type: "string" },
  sn: { type: "string" },
  broker: { type: "string" },
  cert: { type: "string" },
  password: { type: "string" },
  ca: { type: "string" },
  "allow-insecure": { type: "boolean" },
  block: { type: "string" },
  group: { type: "string" },
  framing: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
} as const;

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
  const parsed = parseCommandArgs(args, OPTIONS, "read");
  if (printedHelpOrVersion(ctx, parsed, READ_HELP)) return 0;
  const options = checkOptions(parsed);
  const debug = flag(parsed, "debug");

  const profile = getProfile(options.profile);
  const registry = createBluettiRegistry(profile.fieldOverrides);
  const target = options.block === undefined
    ? { group: findGroup(profile, options.group!) }
    : { block: findBlock(registry, options.block) };
  const config: MqttConfig = {
    broker: options.broker,
    deviceSn: options.sn,
    allowInsecure: options.allowInsecure,
    reconnect: false,
    logger: (entry) => log(ctx, entry, debug),
    ...(options.timeoutMs === undefined
      ? {}
      : { connectTimeoutMs: options.timeoutMs, requestTimeoutMs: options.timeoutMs }),
  };
  // The transport checks the serial and the broker (mqtt:// without --allow-insecure) when it
  // is made, and makes no connection: check them before asking for a password.
  new MqttTransport(config);

  let tls: TlsCredentials | undefined;
  let ca: string | undefined;
  try {
    if (options.cert !== undefined) {
      const request = { path: options.cert, password: options.password, write: ctx.io.stderr };
      tls = await loadBundle(request, sources);
    }
    if (options.ca !== undefined) ca = await readCaFile(options.ca, sources);
  } catch (error) {
    if (!(error instanceof PromptCancelledError)) throw error;
    ctx.io.stderr(`error: ${error.message}\n`);
    return CANCELLED_EXIT_CODE;
  }

  await using client = new Client({
    transport: new MqttTransport({
      ...config,
      ...(tls === undefined ? {} : { tls }),
      ...(ca === undefined ? {} : { ca }),
    }),
    profile,
    registry,
    ...(options.framing === undefined ? {} : { framing: options.framing }),
  });
  await client.connect();
  if (target.block !== undefined) {
    const record = await client.readBlock(target.block.id, { retry: false });
    if (options.json) {
      printJson(ctx, recordJson(redactRecord(record, target.block)));
    } else {
      printRecord(ctx, target.block, record, options.sn);
    }
    return 0;
  }
  return await readGroup(ctx, client, registry, target.group, options);
}

async function readGroup(
  ctx: CommandContext,
  client: Client,
  registry: SchemaRegistry,
  group: string,
  options: ReadCommandOptions,
): Promise<number> {
  const result = await client.readGroup(group, { retry: false });
  const errors = result.errors.map(({ blockId, error }) => ({
    blockId,
    name: registry.get(blockId)?.name ?? null,
    code: error.code,
    message: error.message,
  }));
  if (options.json) {
    printJson(ctx, {
      group: result.group,
      ok: result.ok,
      records: result.records.map((record) =>
        recordJson(redactRecord(record, registry.require(record.blockId)))
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
  for (const line of recordLines(schema, safe, record.protocolVersion)) println(ctx, line);
}

/** Transport warnings (an insecure connection) go to stderr; the rest only with --debug. */
function log(ctx: CommandContext, entry: TransportLogEntry, debug: boolean): void {
  if (entry.level === "warn" || entry.level === "error") {
    ctx.io.stderr(`warning: ${oneLine(entry.message)}\n`);
  } else if (debug) {
    ctx.io.stderr(`${entry.level}: ${oneLine(entry.message)}\n`);
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

interface ReadCommandOptions {
  readonly profile: string;
  readonly sn: string;
  readonly broker: string;
  readonly cert: string | undefined;
  readonly password: string | undefined;
  readonly ca: string | undefined;
  readonly allowInsecure: boolean;
  readonly block: string | undefined;
  readonly group: string | undefined;
  readonly framing: FramingName | undefined;
  readonly timeoutMs: number | undefined;
  readonly json: boolean;
}

function checkOptions(parsed: ParsedArgs): ReadCommandOptions {
  const extra = parsed.positionals[0];
  if (extra !== undefined) {
    throw new UsageError(`unexpected argument '${extra}' for 'read'`, "read");
  }
  const profile = required(parsed, "profile", "<name>");
  const sn = required(parsed, "sn", "<serial>");
  const broker = required(parsed, "broker", "<url|host>");
  const block = stringOption(parsed, "block");
  const group = stringOption(parsed, "group");
  if (block === undefined && group === undefined) {
    throw new UsageError("missing option '--block <id|name>' or '--group <name>'", "read");
  }
  if (block !== undefined && group !== undefined) {
    throw new UsageError("give '--block' or '--group', not both", "read");
  }
  const cert = stringOption(parsed, "cert");
  const password = stringOption(parsed, "password");
  if (password !== undefined && cert === undefined) {
    throw new UsageError(
      "option '--password' is the password of a certificate bundle: give '--cert <file.p12>' too",
      "read",
    );
  }
  const timeout = stringOption(parsed, "timeout");
  return {
    profile,
    sn,
    broker,
    cert,
    password,
    ca: stringOption(parsed, "ca"),
    allowInsecure: flag(parsed, "allow-insecure"),
    block,
    group,
    framing: framingOption(parsed),
    timeoutMs: timeout === undefined ? undefined : timeoutOption(timeout),
    json: flag(parsed, "json"),
  };
}

function required(parsed: ParsedArgs, name: string, value: string): string {
  const text = stringOption(parsed, name);
  if (text === undefined) throw new UsageError(`missing option '--${name} ${value}'`, "read");
  return text;
}

function framingOption(parsed: ParsedArgs): FramingName | undefined {
  const framing = stringOption(parsed, "framing");
  if (framing === undefined) return undefined;
  const names: readonly string[] = FRAMING_NAMES;
  if (!names.includes(framing)) {
    throw new UsageError(
      `unknown framing '${framing}': choose ${FRAMING_NAMES.join(", ")}${
        didYouMeanSuffix(framing, FRAMING_NAMES)
      }`,
      "read",
    );
  }
  return framing as FramingName;
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

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
