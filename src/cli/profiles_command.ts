// `power-sdk profiles [--json]` and `power-sdk profiles show <name-or-alias> [--json]`.
import type { DeviceProfile, ProfileGroupDef } from "../device/profile.ts";
import { findPluginProfile, knownPlugins, pluginOf } from "../plugin/plugin.ts";
import { flag, parseCommandArgs, type ParsedArgs, rejectSubcommand } from "./_args.ts";
import {
  blockLabel,
  type CommandContext,
  printedHelpOrVersion,
  printJson,
  println,
} from "./_context.ts";
import { formatTable } from "./_table.ts";
import { describeLocalProfile, localProfilesTable, registerMapDefs } from "./_local_profiles.ts";
import { UsageError } from "./_usage_error.ts";

/** Help of `power-sdk profiles`. */
export const PROFILES_HELP = `Usage: power-sdk profiles [--json]
       power-sdk profiles show <name-or-alias> [--json]

List the built-in station profiles: id, name, aliases, and the poll groups with their blocks
and cadence. 'profiles show' prints one profile in full.

Options:
      --json     Print JSON instead of a table
  -h, --help     Show this help
      --debug    Print stack traces on errors

Examples:
  power-sdk profiles
  power-sdk profiles show "Elite 100 V2"
  power-sdk profiles show el30v2 --json
`;

/** Help of `power-sdk profiles show`. */
export const PROFILES_SHOW_HELP = `Usage: power-sdk profiles show <name-or-alias> [--json]

Print one built-in profile: aliases, protocol, default framing, poll groups (blocks and
cadence), register counts, field overrides and writable registers.

Arguments:
  <name-or-alias>  Id (EL100V2), name (Elite 100 V2) or alias (EL100 V2); case, spaces,
                   dashes and underscores do not matter

Options:
      --json     Print JSON instead of text
  -h, --help     Show this help
      --debug    Print stack traces on errors
`;

const OPTIONS = { json: { type: "boolean" } } as const;

/**
 * Run `profiles` or `profiles show`.
 *
 * @param args The arguments after `profiles`.
 * @param ctx Output and registry (for block names).
 * @returns The exit code.
 * @throws {UsageError} for a wrong command line.
 * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` for an unknown profile.
 */
export function profilesCommand(args: readonly string[], ctx: CommandContext): number {
  // `profiles` has no option that takes a value, so the first non-option is the subcommand.
  const show = args.find((arg) => !arg.startsWith("-")) === "show";
  const parsed = parseCommandArgs(args, OPTIONS, show ? "profiles show" : "profiles");
  if (show) return showCommand(parsed.positionals.slice(1), parsed, ctx);
  if (printedHelpOrVersion(ctx, parsed, PROFILES_HELP)) return 0;
  // Profiles of block plugins first, then those of register-map plugins (local Modbus TCP).
  const plugins = knownPlugins();
  const blockPlugins = plugins.filter((p) => p.registerMap === undefined);
  const profiles = blockPlugins.flatMap((p) => p.profiles);
  rejectSubcommand(
    parsed,
    "profiles",
    (text) =>
      profiles.some((p) =>
        [p.id, p.name, ...p.aliases].some((n) => n.toLowerCase() === text.toLowerCase())
      ),
  );
  if (flag(parsed, "json")) {
    printJson(ctx, profiles);
    return 0;
  }
  const rows = [["ID", "NAME", "ALIASES", "FRAMING", "GROUPS"]];
  for (const p of profiles) {
    rows.push([
      p.id,
      p.name,
      p.aliases.join(", ") || "-",
      p.defaultFraming,
      p.groups.map((g) => `${g.name}: ${g.blocks.join(", ")} every ${seconds(g)}`).join("; "),
    ]);
  }
  println(ctx, formatTable(rows));
  println(ctx, "");
  println(ctx, localProfilesTable(registerMapDefs(plugins)));
  return 0;
}

function showCommand(
  positionals: readonly string[],
  parsed: ParsedArgs,
  ctx: CommandContext,
): number {
  if (printedHelpOrVersion(ctx, parsed, PROFILES_SHOW_HELP)) return 0;
  if (positionals.length === 0) {
    throw new UsageError("missing the profile name or alias", "profiles show");
  }
  // A name with spaces typed without quotes arrives as several arguments.
  const name = positionals.join(" ");
  const profile = findPluginProfile(name);
  const local = pluginOf(profile).registerMap?.(profile);
  if (local !== undefined) {
    if (flag(parsed, "json")) printJson(ctx, local.def);
    else println(ctx, describeLocalProfile(local));
    return 0;
  }
  if (flag(parsed, "json")) {
    printJson(ctx, profile);
    return 0;
  }
  println(ctx, describe(profile, ctx));
  return 0;
}

function describe(p: DeviceProfile, ctx: CommandContext): string {
  // The default plugin's schemas compile on demand; another plugin's come from the plugin.
  const plugin = pluginOf(p);
  const registry = plugin === ctx.plugin ? ctx.registry : plugin.createRegistry(p);
  const version = p.protocolVersion === null
    ? "unknown (every field whose bytes are present is decoded)"
    : String(p.protocolVersion);
  const counts = Object.entries(p.registerCounts).map(([id, n]) => `${id}: ${n}`);
  const overrides = p.fieldOverrides.map((o) => `${o.block}.${o.field} ${o.transforms.join(" ")}`);
  const facts = formatTable([
    ["aliases:", p.aliases.join(", ") || "none"],
    ["vendor:", p.vendor],
    ["protocol:", p.protocol],
    ["protocol version:", version],
    ["default framing:", p.defaultFraming],
    ["register counts:", counts.join(", ") || "the schemas' own"],
    ["field overrides:", overrides.join(", ") || "none"],
    ["writable registers:", p.writableRegisters.join(", ") || "none"],
  ]);
  const groups = formatTable([
    ["GROUP", "EVERY", "BLOCKS"],
    ...p.groups.map((g) => [
      g.name,
      seconds(g),
      g.blocks.map((id) => blockLabel(registry, id)).join(", "),
    ]),
  ]);
  return `${p.id}: ${p.name}\n${facts}\n\n${groups}`;
}

function seconds(group: ProfileGroupDef): string {
  const ms = group.pollIntervalMs;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
