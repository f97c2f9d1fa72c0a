// `power-sdk decode --replay capture.jsonl [--profile <name>] [--json]`: decode every reply of a
// capture again, offline, each checked against its own request, so that a decode bug reported
// with a capture can be seen, and its fix checked, without the station. Private to src/cli.
import { blockLabels } from "./_labels.ts";
import { getProfile } from "../../profiles/mod.ts";
import type { DeviceProfile } from "../device/profile.ts";
import { ConfigError, PowerSdkError } from "../errors/errors.ts";
import { redactRecord } from "../parser/redact.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import { pluginOf } from "../plugin/plugin.ts";
import { getFraming } from "../protocol/framing.ts";
import { parseReply } from "../protocol/parse_reply.ts";
import { type CaptureLine, parseCapture } from "./_capture.ts";
import { type CommandContext, oneLine, printJson, println } from "./_context.ts";
import { parseHex } from "./_hex.ts";
import { protocolVersionText, recordJson, recordLines } from "./_records.ts";

/**
 * Decode a capture's replies and print them, as `read` would have; a reply that fails its
 * checks prints one error line and the others still print.
 *
 * @param ctx Output.
 * @param path The capture file.
 * @param profileName The profile to decode with; default: each line's own.
 * @param json Print one JSON array instead of text.
 * @returns 0, or 1 when a reply failed.
 * @throws {ConfigError} `CONFIG_INVALID` for a file that cannot be read or is not a capture;
 * `CONFIG_UNKNOWN_PROFILE` for an unknown profile.
 */
export async function replayCommand(
  ctx: CommandContext,
  path: string,
  profileName: string | undefined,
  json: boolean,
): Promise<number> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory)) {
      throw error;
    }
    throw new ConfigError("CONFIG_INVALID", `Cannot read the capture ${path}: no such file`, {
      path,
    }, { cause: error });
  }
  const lines = parseCapture(path, text);
  const forced = profileName === undefined ? undefined : getProfile(profileName);
  const registries = new Map<string, SchemaRegistry>();
  const registryOf = (profile: DeviceProfile) => {
    let registry = registries.get(profile.id);
    if (registry === undefined) {
      // The schemas the client decodes with: the profile's plugin, with its field overrides.
      registry = pluginOf(profile).createRegistry(profile);
      registries.set(profile.id, registry);
    }
    return registry;
  };

  const records: unknown[] = [];
  let failed = 0;
  for (const [i, { line, entry }] of lines.entries()) {
    const where = `${path}:${line}`;
    try {
      const profile = forced ?? getProfile(entry.profile);
      const registry = registryOf(profile);
      const schema = registry.require(entry.block);
      if (entry.reply === null) {
        if (json) records.push({ line, time: entry.time, blockId: entry.block, redacted: true });
        else {
          if (i > 0) println(ctx, "");
          println(
            ctx,
            `${schema.name} (block ${schema.id}), ${where}: the reply was left out of the capture (the block holds secrets)`,
          );
        }
        continue;
      }
      const data = replyData(entry);
      const decoded = schema.decode(data, { protocolVersion: profile.protocolVersion });
      const record = redactRecord(decoded, schema);
      const labels = blockLabels(schema.id);
      if (json) {
        records.push({ line, time: entry.time, ...recordJson(record, labels) });
        continue;
      }
      if (i > 0) println(ctx, "");
      println(
        ctx,
        `${schema.name} (block ${schema.id}), ${where}, ${entry.time}: ${data.length} data bytes (${entry.framing} framing, ${profile.id}), ${
          protocolVersionText(profile.protocolVersion)
        }`,
      );
      for (const text of recordLines(schema, record, profile.protocolVersion, false, labels)) {
        println(ctx, text);
      }
    } catch (error) {
      if (!(error instanceof PowerSdkError)) throw error;
      failed++;
      ctx.io.stderr(
        `error: ${error.code}: ${where}: block ${entry.block}: ${oneLine(error.message)}\n`,
      );
    }
  }
  if (json) printJson(ctx, records);
  return failed === 0 ? 0 : 1;
}

/** The reply's data bytes, after the same checks the client makes: framing, CRC, byte count. */
function replyData(entry: CaptureLine): Uint8Array {
  const framing = getFraming(entry.framing);
  const reply = parseReply(framing.unwrap(parseHex(entry.reply!)), {
    function: 0x03,
    address: framing.deviceAddress,
    start: entry.block,
    quantity: entry.quantity,
  });
  if (reply.function !== 0x03) throw new TypeError("Cannot decode: not a read reply");
  return reply.data;
}
