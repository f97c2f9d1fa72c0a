// `power-sdk blocks [--json]` and `power-sdk blocks show <id|name> [--json]`.
import { blockLabels } from "./_labels.ts";
import { summarizeBlock, summarizeBlockDefs } from "./_block_summary.ts";
import type { BlockSchema, CompiledField } from "../parser/block_schema.ts";
import type { FieldLabels } from "../plugin/field_labels.ts";
import { flag, parseCommandArgs, type ParsedArgs, rejectSubcommand } from "./_args.ts";
import {
  type CommandContext,
  defaultBlocks,
  findBlock,
  printedHelpOrVersion,
  printJson,
  println,
} from "./_context.ts";
import { formatTable } from "./_table.ts";
import { UsageError } from "./_usage_error.ts";

/** Help of `power-sdk blocks`. */
export const BLOCKS_HELP = `Usage: power-sdk blocks [--json]
       power-sdk blocks show <id|name> [--json]

List the default plugin's block schemas: id, name, registers, verification status.
'blocks show' prints one block's fields.

Options:
      --json     Print JSON instead of a table
  -h, --help     Show this help
      --debug    Print stack traces on errors

Examples:
  power-sdk blocks
  power-sdk blocks show 100
  power-sdk blocks show APP_HOME_DATA --json
`;

/** Help of `power-sdk blocks show`. */
export const BLOCKS_SHOW_HELP = `Usage: power-sdk blocks show <id|name> [--json]

Print a block's layout: each field's byte offset, datatype, transforms, unit, whether it is
required, the protocol version it appeared in, and the evidence for its layout.

Arguments:
  <id|name>      Block id (100) or name (APP_HOME_DATA, any case)

Options:
      --json     Print JSON instead of a table
  -h, --help     Show this help
      --debug    Print stack traces on errors
`;

const OPTIONS = { json: { type: "boolean" } } as const;

/**
 * Run `blocks` or `blocks show`.
 *
 * @param args The arguments after `blocks`.
 * @param ctx Output and registry.
 * @returns The exit code.
 * @throws {UsageError} for a wrong command line.
 * @throws {ParserError} `PARSER_UNKNOWN_BLOCK` for an unknown block.
 */
export function blocksCommand(args: readonly string[], ctx: CommandContext): number {
  // `blocks` has no option that takes a value, so the first non-option is the subcommand.
  const show = args.find((arg) => !arg.startsWith("-")) === "show";
  const command = show ? "blocks show" : "blocks";
  const parsed = parseCommandArgs(args, OPTIONS, command);
  if (show) return showCommand(parsed.positionals.slice(1), parsed, ctx);
  if (printedHelpOrVersion(ctx, parsed, BLOCKS_HELP)) return 0;
  // Listed from the definitions: no schema is compiled to print its register count.
  const defs = defaultBlocks(ctx).blocks;
  const schemas = defs !== undefined
    ? summarizeBlockDefs(defs)
    : ctx.registry.list().map(summarizeBlock);
  rejectSubcommand(
    parsed,
    "blocks",
    (text) =>
      schemas.some((s) => String(s.id) === text || s.name.toLowerCase() === text.toLowerCase()),
  );
  if (flag(parsed, "json")) {
    printJson(ctx, schemas);
    return 0;
  }
  const rows = [["ID", "NAME", "REGS", "STATUS", "DESCRIPTION"]];
  for (const s of schemas) {
    const secret = s.sensitive ? " (holds secrets: always redacted)" : "";
    rows.push([
      String(s.id),
      s.name,
      String(s.registerCount),
      s.verificationStatus,
      s.description + secret,
    ]);
  }
  println(ctx, formatTable(rows));
  return 0;
}

function showCommand(
  positionals: readonly string[],
  parsed: ParsedArgs,
  ctx: CommandContext,
): number {
  if (printedHelpOrVersion(ctx, parsed, BLOCKS_SHOW_HELP)) return 0;
  const [id, ...extra] = positionals;
  if (id === undefined) throw new UsageError("missing the block id or name", "blocks show");
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument '${extra[0]}': give one block`, "blocks show");
  }
  const schema = findBlock(ctx.registry, id);
  if (flag(parsed, "json")) {
    printJson(ctx, { ...summarizeBlock(schema), ...details(schema, ctx) });
    return 0;
  }
  const lines = [`block ${schema.id} ${schema.name}: ${schema.description || "(no description)"}`];
  const written = schema.protocolVersion === null
    ? ""
    : `; written for protocol version ${schema.protocolVersion}`;
  lines.push(
    `status: ${schema.verificationStatus}; ${
      schema.strict ? "strict (a short payload is an error)" : "lenient"
    }${written}`,
  );
  const recommended = schema.def.recommendedRegisterCount;
  lines.push(
    `data: at least ${schema.minLength} bytes; fields span ${schema.maxFieldEnd} bytes (${schema.registerCount} registers)${
      recommended === undefined ? "" : `; live clients request ${recommended} registers`
    }`,
  );
  const withdrawn = schema.def.withdrawnFields ?? [];
  if (withdrawn.length > 0) lines.push(`withdrawn fields: ${withdrawn.join(", ")}`);
  if (schema.sensitive || schema.sensitiveFields.length > 0) {
    lines.push(
      `secrets: ${
        schema.sensitiveFields.join(", ") || "the whole block"
      } (values always redacted, raw bytes never printed)`,
    );
  }
  const rows = [["OFFSET", "FIELD", "TYPE", "TRANSFORMS", "UNIT", "REQUIRED", "SINCE", "EVIDENCE"]];
  for (const f of schema.fields) {
    rows.push([
      String(f.offset),
      f.sensitive ? `${f.path} (secret)` : f.path,
      f.datatype.text,
      f.transforms?.specs.join(" ") || "-",
      f.unit ?? "-",
      f.required ? "yes" : "no",
      f.minProtocolVersion === null ? "-" : String(f.minProtocolVersion),
      f.def.evidence ?? "-",
    ]);
  }
  const labels = Object.entries(blockLabels(schema.id, defaultBlocks(ctx).labels) ?? {}).map((
    [path, l],
  ) =>
    `  ${path}${l.kind === "bitmap" ? " (bits)" : ""}: ${
      Object.entries(l.names).map(([code, name]) => `${code} ${name}`).join(", ")
    } (source: ${l.source})`
  );
  const labelText = labels.length === 0 ? "" : `\n\nlabels:\n${labels.join("\n")}`;
  println(ctx, `${lines.join("\n")}\n\n${formatTable(rows)}${labelText}`);
  return 0;
}

function details(s: BlockSchema, ctx: CommandContext) {
  const labels = blockLabels(s.id, defaultBlocks(ctx).labels);
  return {
    maxFieldEnd: s.maxFieldEnd,
    withdrawnFields: s.def.withdrawnFields ?? [],
    fields: s.fields.map((f) => fieldJson(f, labels?.[f.path] ?? null)),
  };
}

function fieldJson(f: CompiledField, labels: FieldLabels | null) {
  return {
    path: f.path,
    offset: f.offset,
    end: f.end,
    type: f.datatype.text,
    transforms: f.transforms?.specs ?? [],
    unit: f.unit,
    required: f.required,
    minProtocolVersion: f.minProtocolVersion,
    sensitive: f.sensitive,
    description: f.def.description ?? null,
    evidence: f.def.evidence ?? null,
    labels,
  };
}
