// What every command gets from main, and small helpers the commands share. Private to src/cli.
import config from "../../deno.json" with { type: "json" };
import { ParserError } from "../errors/errors.ts";
import type { BlockSchema } from "../parser/block_schema.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import type { PluginBlocks } from "../plugins/default_blocks.ts";
import { flag, type ParsedArgs } from "./_args.ts";
import { didYouMeanSuffix } from "../_shared/did_you_mean.ts";
import type { CliIo } from "./main.ts";

/** The package version, from deno.json (a JSON module, so a compiled binary has it too). */
export const VERSION: string = config.version;

/** What a command runs with. */
export interface CommandContext {
  /** Where output goes. */
  readonly io: CliIo;
  /** The default plugin (`DEFAULT_PLUGIN`, chosen once in src/plugins/default_plugin.ts). */
  readonly plugin: ProtocolPlugin;
  /** The default plugin's block schemas, compiled on demand. */
  readonly registry: SchemaRegistry;
  /**
   * The default plugin's block definitions and labels. `blocks` and `decode` start with these
   * alone, without defining the plugin (`plugin` throws then); read them through
   * {@linkcode defaultBlocks}. Absent, they are the plugin's own.
   */
  readonly defaultBlocks?: PluginBlocks | undefined;
}

/**
 * The default plugin's block definitions and labels, whether the command started with the
 * plugin or with these alone.
 *
 * @param ctx The context.
 * @returns The blocks and labels.
 */
export function defaultBlocks(ctx: CommandContext): PluginBlocks {
  return ctx.defaultBlocks ?? ctx.plugin;
}

/**
 * Print `text` and a newline on stdout.
 *
 * @param ctx The context.
 * @param text The text.
 */
export function println(ctx: CommandContext, text: string): void {
  ctx.io.stdout(`${text}\n`);
}

/**
 * A message on one line: each line break, with the spaces around it, becomes one space.
 *
 * @param text The message.
 * @returns The line, trimmed.
 */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Print JSON, indented, on stdout.
 *
 * @param ctx The context.
 * @param value A JSON-compatible value.
 */
export function printJson(ctx: CommandContext, value: unknown): void {
  println(ctx, JSON.stringify(value, null, 2));
}

/**
 * Handle `--help` and `--version` after a command: print and report true, or report false.
 *
 * @param ctx The context.
 * @param parsed The command's parsed arguments.
 * @param help The command's help text.
 * @returns True when one of them was printed: the command is done, exit 0.
 */
export function printedHelpOrVersion(
  ctx: CommandContext,
  parsed: ParsedArgs,
  help: string,
): boolean {
  if (flag(parsed, "help")) {
    ctx.io.stdout(help);
    return true;
  }
  if (flag(parsed, "version")) {
    println(ctx, `power-sdk ${VERSION}`);
    return true;
  }
  return false;
}

/**
 * Find a block by id (`100`) or name (`APP_HOME_DATA`, any case).
 *
 * @param registry The registry.
 * @param text What the user typed.
 * @returns The schema.
 * @throws {ParserError} `PARSER_UNKNOWN_BLOCK`, with a suggestion when one is close.
 */
export function findBlock(registry: SchemaRegistry, text: string): BlockSchema {
  const trimmed = text.trim();
  const numeric = /^\d+$/.test(trimmed);
  // By id, or by name as written (block names are upper case): no need to list every block.
  const direct = registry.get(numeric ? Number(trimmed) : trimmed.toUpperCase());
  if (direct !== undefined) return direct;
  const schemas = registry.list();
  const found = numeric
    ? undefined
    : schemas.find((schema) => schema.name.toLowerCase() === trimmed.toLowerCase());
  if (found !== undefined) return found;
  const candidates = schemas.map((schema) => numeric ? String(schema.id) : schema.name);
  throw new ParserError(
    "PARSER_UNKNOWN_BLOCK",
    `Unknown block '${text}': run 'power-sdk blocks' to list the ${schemas.length} known blocks${
      didYouMeanSuffix(trimmed, candidates)
    }`,
    numeric ? { blockId: Number(trimmed) } : {},
  );
}

/**
 * A block's name for display: `100 APP_HOME_DATA`, or the bare id when the registry lacks it.
 *
 * @param registry The registry.
 * @param id The block id.
 * @returns The label.
 */
export function blockLabel(registry: SchemaRegistry, id: number): string {
  const schema = registry.get(id);
  return schema === undefined ? String(id) : `${id} ${schema.name}`;
}
