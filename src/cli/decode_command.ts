// `power-sdk decode --block <id|name> [--framing rtu|iot-v2|v1] [--protocol-version N]
// [--quantity N] [--json] <hex>...`: the tool for a captured frame.
import { blockLabels } from "./_labels.ts";
import { ProtocolError } from "../errors/errors.ts";
import { MAX_BLOCK_BYTES } from "../parser/block_schema.ts";
import { redactRecord } from "../parser/redact.ts";
import type { Framing } from "../protocol/framing.ts";
import {
  choiceOption,
  flag,
  parseCommandArgs,
  type ParsedArgs,
  rejectPositionals,
  requiredOption,
  stringOption,
} from "./_args.ts";
import {
  type CommandContext,
  defaultBlocks,
  findBlock,
  printedHelpOrVersion,
  printJson,
  println,
} from "./_context.ts";
import { parseHex } from "./_hex.ts";
import { protocolVersionText, recordJson, recordLines } from "./_records.ts";
import { UsageError } from "./_usage_error.ts";
import { loadBuiltinPlugins } from "./_builtin_plugins.ts";

/** Registers one Modbus read may ask for: the byte count a reply is checked against by default. */
const MAX_READ_QUANTITY = MAX_BLOCK_BYTES / 2;

/** Help of `power-sdk decode`. */
export const DECODE_HELP = `Usage: power-sdk decode --block <id|name> [options] <hex>...
       power-sdk decode --replay <capture.jsonl> [--profile <name>] [--json]

Decode a block's data bytes, or with --framing a whole reply payload as captured (envelope,
Modbus header and CRC included): the envelope is removed, the reply is checked (CRC, address,
function 0x03, byte count) and its data bytes are decoded. Secrets are always redacted.

Arguments:
  <hex>...                    The bytes: '14c1005f', '14 c1 00 5f', '14:c1:00:5f' or
                              '0x14c1005f'; several arguments are joined

Options:
      --block <id|name>       The block (required): 100 or APP_HOME_DATA
      --framing <name>        The input is a reply payload in this framing: rtu, iot-v2 or v1
      --protocol-version <n>  The station's protocol version: fields that appeared later
                              decode as null. Default: unknown, so every field whose bytes
                              are present is decoded
      --quantity <n>          With --framing: the registers the request asked for (1..125);
                              the reply may hold fewer, never more. Default: 125, the Modbus
                              maximum, because a captured reply does not say what was asked
      --json                  Print JSON: blockId, name, values, units, warnings, missing,
                              labels (with --replay: one array of every reply's record)
      --replay <file>         Decode every reply of a capture ('read --record'), each
                              checked against its request, as the station sent it
      --profile <name>        With --replay: decode with this profile's scale overrides and
                              protocol version (default: the profile the capture names)
  -h, --help                  Show this help
      --debug                 Print stack traces on errors

A short payload leaves the fields beyond it out (listed as missing); for a strict block
(such as 1300) it is an error.

Examples:
  power-sdk decode --block 100 14c1 0000 005f
  power-sdk decode --block 100 --framing iot-v2 --json 01f80f00000000b90000 0003...
  power-sdk decode --block 1300 --protocol-version 2001 <hex>
  power-sdk decode --replay capture.jsonl --profile EL100V2
`;

const OPTIONS = {
  block: { type: "string" },
  replay: { type: "string" },
  profile: { type: "string" },
  framing: { type: "string" },
  "protocol-version": { type: "string" },
  quantity: { type: "string" },
  json: { type: "boolean" },
} as const;

/**
 * Run `decode`.
 *
 * @param args The arguments after `decode`.
 * @param ctx Output and registry.
 * @returns The exit code.
 * @throws {UsageError} for a wrong command line, bad hex included.
 * @throws {PowerSdkError} `PARSER_UNKNOWN_BLOCK`, a
 * `ProtocolError` for a reply that fails validation, a `ParserError` for data a strict block
 * rejects.
 */
export async function decodeCommand(
  args: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const parsed = parseCommandArgs(args, OPTIONS, "decode");
  if (printedHelpOrVersion(ctx, parsed, DECODE_HELP)) return 0;
  const replay = stringOption(parsed, "replay");
  // No plugin is defined (the command starts with the default plugin's blocks and labels):
  // a framing or a capture may be any built-in plugin's.
  const framed = replay !== undefined || parsed.values.framing !== undefined;
  if (framed) await loadBuiltinPlugins();
  if (replay !== undefined) {
    for (const option of ["block", "framing", "quantity", "protocol-version"]) {
      if (parsed.values[option] !== undefined) {
        throw new UsageError(
          `option '--${option}' does not go with '--replay': the capture names each reply's block, framing and request`,
          "decode",
        );
      }
    }
    rejectPositionals(parsed, "decode");
    const { replayCommand } = await import("./_replay.ts");
    return await replayCommand(ctx, replay, stringOption(parsed, "profile"), flag(parsed, "json"));
  }
  if (parsed.values.profile !== undefined) {
    throw new UsageError("option '--profile' goes with '--replay'", "decode");
  }
  // The framings load with the plugins that define them, when the input is a reply.
  const framings = framed ? await import("../protocol/framing.ts") : undefined;
  const options = checkOptions(parsed, framings?.framingNames() ?? []);
  const schema = findBlock(ctx.registry, options.block);
  const input = hexInput(parsed.positionals);

  let data = input;
  let source = "";
  if (options.framing !== undefined) {
    const framing = framings!.getFraming(options.framing);
    const reply = await readReply(input, framing, schema.id, options.quantity);
    data = reply.data;
    source = ` from a reply (${options.framing} framing, ${reply.registerCount} registers)`;
  }

  const record = redactRecord(
    schema.decode(data, { protocolVersion: options.protocolVersion }),
    schema,
  );
  const labels = blockLabels(schema.id, defaultBlocks(ctx).labels);
  if (options.json) {
    printJson(ctx, recordJson(record, labels));
    return 0;
  }
  println(
    ctx,
    `${schema.name} (block ${schema.id}): ${data.length} data bytes${source}, ${
      protocolVersionText(options.protocolVersion)
    }`,
  );
  for (const line of recordLines(schema, record, options.protocolVersion, true, labels)) {
    println(ctx, line);
  }
  return 0;
}

/** The hex arguments as bytes; bad hex is a wrong argument, so a usage error (exit 2). */
function hexInput(positionals: readonly string[]): Uint8Array {
  try {
    return parseHex(positionals.join(" "));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new UsageError(error.message, "decode");
  }
}

/**
 * Take the RTU frame out of a captured payload and check it as the reply to a read of the
 * block: CRC, address (the framing's), function 0x03 (or an exception reply) and byte count.
 *
 * The quantity checked against is the request's when the user gives it (`--quantity`), else
 * 125, the most one read can ask for: a capture does not carry its request, and checking
 * against the schema's register count would reject honest replies (block 100 is read with 62
 * registers, its fields span 72 - both fine) while a quantity taken from the reply itself
 * would check nothing. With 125 the byte count must still be even and at most 250.
 */
async function readReply(
  input: Uint8Array,
  framing: Framing,
  start: number,
  quantity: number,
) {
  // The Modbus reply parser loads only when there is a reply to parse.
  const { parseReply } = await import("../protocol/parse_reply.ts");
  try {
    const reply = parseReply(framing.unwrap(input), {
      function: 0x03,
      address: framing.deviceAddress,
      start,
      quantity,
    });
    // parseReply answers a read request with a read reply; this narrows the type.
    if (reply.function !== 0x03) throw new TypeError("Cannot decode: not a read reply");
    return reply;
  } catch (error) {
    if (
      error instanceof ProtocolError && framing.name !== "iot-v2" &&
      input[0] === 0x01 && input[1] === 0xf8 && input[2] === 0x0f
    ) {
      throw new ProtocolError(
        error.code,
        `${error.message} (the payload starts with the iot-v2 envelope 01 f8 0f: try --framing iot-v2)`,
        { ...(error.offset === undefined ? {} : { offset: error.offset }) },
        { cause: error },
      );
    }
    throw error;
  }
}

interface DecodeOptions {
  readonly block: string;
  readonly framing: string | undefined;
  readonly protocolVersion: number | null;
  readonly quantity: number;
  readonly json: boolean;
}

function checkOptions(parsed: ParsedArgs, framings: readonly string[]): DecodeOptions {
  const block = requiredOption(parsed, "block", "<id|name>", "decode");
  if (parsed.positionals.length === 0) {
    throw new UsageError("missing the hex bytes to decode", "decode");
  }
  const framing = choiceOption(parsed, "framing", framings, "decode");
  const versionText = stringOption(parsed, "protocol-version");
  const protocolVersion = versionText === undefined
    ? null
    : integer(versionText, "--protocol-version", 0, Number.MAX_SAFE_INTEGER);
  const quantityText = stringOption(parsed, "quantity");
  if (quantityText !== undefined && framing === undefined) {
    throw new UsageError(
      "option '--quantity' checks a reply frame: it needs '--framing rtu|iot-v2|v1'",
      "decode",
    );
  }
  const quantity = quantityText === undefined
    ? MAX_READ_QUANTITY
    : integer(quantityText, "--quantity", 1, MAX_READ_QUANTITY);
  return { block, framing, protocolVersion, quantity, json: flag(parsed, "json") };
}

function integer(text: string, option: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min}..${max}`;
    throw new UsageError(
      `option '${option}' needs an integer ${range}, got '${text}'`,
      "decode",
    );
  }
  return value;
}
