// `power-sdk controls [--profile <name>] [--json]`: the settings `write` can change, with what
// each takes, whether it is dangerous and which models allow it. Offline.
import type { ControlRegisterDef } from "../device/control_register.ts";
import type { DeviceProfile } from "../device/profile.ts";
import {
  findPluginProfile,
  knownPlugins,
  pluginOf,
  type ProtocolPlugin,
} from "../plugin/plugin.ts";
import { flag, parseCommandArgs, rejectPositionals, stringOption } from "./_args.ts";
import { type CommandContext, printedHelpOrVersion, printJson, println } from "./_context.ts";
import { formatTable } from "./_table.ts";
import { loadBuiltinPlugins } from "./_builtin_plugins.ts";
import { ConfigError } from "../errors/errors.ts";
import { type BlockSummary, summarizeBlock, summarizeBlockDefs } from "./_block_summary.ts";

/**
 * Help of `power-sdk controls`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["controls", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk controls/);
 * ```
 */
export const CONTROLS_HELP = `Usage: power-sdk controls [--profile <name>] [--json]

List the settings 'power-sdk write --field <name>' can change: each control's name, its
register, the values or range it takes (with units), whether it is dangerous (powers the
station off, resets it or starts a long routine: 'write' needs --confirm-dangerous), and which
models allow it; the controls of every built-in plugin, or of the plugin of --profile. Writes to a register of a block that is not verified need --force; the BLOCK
column says how well the block holding it is known.

Options:
      --profile <name>  One model (id, name or alias): say whether it allows each control
      --json            Print JSON instead of a table
  -h, --help            Show this help
      --debug           Print stack traces on errors

Examples:
  power-sdk controls
  power-sdk controls --profile "Elite 100 V2"
  power-sdk controls --profile EL30V2 --json
`;

const OPTIONS = { profile: { type: "string" }, json: { type: "boolean" } } as const;

/**
 * One control as `controls --json` prints it.
 *
 * @example Read a row
 * ```ts
 * import type { ControlJson } from "./controls_command.ts";
 * import assert from "node:assert/strict";
 *
 * const row: ControlJson = {
 *   name: "ac_output",
 *   register: 2011,
 *   kind: "switch",
 *   values: { on: 1, off: 0 },
 *   min: null,
 *   max: null,
 *   unit: null,
 *   dangerous: false,
 *   description: "AC output on/off",
 *   block: { id: 2000, name: "INV_BASE_SETTINGS", verification: "verified_reference" },
 *   plugin: "bluetti_v2",
 *   profiles: ["EL30V2"],
 * };
 * assert.equal(row.values?.on, 1);
 * ```
 */
export interface ControlJson {
  /** The name `write --field` takes. */
  readonly name: string;
  /** The register `write --register` takes. */
  readonly register: number;
  /** `switch` (on/off), `number` (an integer in min..max) or `enum` (one of `values`). */
  readonly kind: ControlRegisterDef["kind"];
  /** Label -> value, for switches and enumerations; null for numbers. */
  readonly values: Readonly<Record<string, number>> | null;
  /** Smallest value of a number; null otherwise. */
  readonly min: number | null;
  /** Largest value of a number; null otherwise. */
  readonly max: number | null;
  /** Unit of a number (`W`, `h`, `%`); null otherwise. */
  readonly unit: string | null;
  /** Whether writing it needs `--confirm-dangerous`. */
  readonly dangerous: boolean;
  /** What it controls, and how well that is known. */
  readonly description: string;
  /** The block that holds the register and how well it is known, or null. */
  readonly block: {
    readonly id: number;
    readonly name: string;
    readonly verification: string;
  } | null;
  /** The plugin the control belongs to (`bluetti_v2`). */
  readonly plugin: string;
  /** With `--profile`: whether that model allows it. */
  readonly allowed?: boolean;
  /** Without `--profile`: the ids of the plugin's models that allow it. */
  readonly profiles?: readonly string[];
}

/**
 * Run `controls`.
 *
 * @param args The arguments after `controls`.
 * @param ctx Output and registry.
 * @returns 0.
 * @throws {UsageError} for a wrong command line.
 * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` for an unknown profile.
 *
 * @example The AC output switch of an EL100V2
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["controls", "--profile", "EL100V2", "--json"], io), 0);
 * const ac = JSON.parse(out).find((c: { name: string }) => c.name === "ac_output");
 * assert.equal(ac.register, 2011);
 * assert.equal(ac.allowed, true);
 * ```
 */
export async function controlsCommand(
  args: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const parsed = parseCommandArgs(args, OPTIONS, "controls");
  if (printedHelpOrVersion(ctx, parsed, CONTROLS_HELP)) return 0;
  rejectPositionals(parsed, "controls");
  const profileName = stringOption(parsed, "profile");
  const profile = profileName === undefined
    ? (await loadBuiltinPlugins(), undefined)
    : await findBuiltinProfile(profileName);
  const plugins = profile === undefined ? knownPlugins() : [pluginOf(profile)];
  const rows = plugins.flatMap((plugin) => pluginRows(plugin, profile));
  if (flag(parsed, "json")) {
    printJson(ctx, rows);
    return 0;
  }
  if (profile !== undefined) {
    const allowed = rows.filter((row) => row.allowed).length;
    println(ctx, `${profile.id} (${profile.name}): ${allowed} of ${rows.length} controls allowed`);
  }
  const table = [[
    "NAME",
    "REGISTER",
    "VALUES",
    "DANGEROUS",
    profile === undefined ? "MODELS" : "ALLOWED",
    "BLOCK",
  ]];
  for (const row of rows) {
    table.push([
      row.name,
      String(row.register),
      valuesText(row),
      row.dangerous ? "yes" : "no",
      profile === undefined ? row.profiles!.join(", ") || "none" : row.allowed ? "yes" : "no",
      row.block === null ? "unknown" : `${row.block.id} ${row.block.verification}`,
    ]);
  }
  println(ctx, formatTable(table));
  return 0;
}

/**
 * A profile by name: the default plugin's (defined), else any built-in plugin's (defined now),
 * the first match in plugin order either way.
 */
async function findBuiltinProfile(name: string): Promise<DeviceProfile> {
  try {
    return findPluginProfile(name);
  } catch (error) {
    if (!(error instanceof ConfigError && error.code === "CONFIG_UNKNOWN_PROFILE")) throw error;
  }
  await loadBuiltinPlugins();
  return findPluginProfile(name);
}

/**
 * The controls of a plugin that at least one of its models allows (a register map's read-only
 * fields are no controls), as rows.
 */
function pluginRows(plugin: ProtocolPlugin, profile: DeviceProfile | undefined): ControlJson[] {
  // A plugin that lists its block definitions has the same blocks for every profile (field
  // overrides change transforms, not spans): their spans come from the definitions, and no
  // schema is compiled.
  const shared = plugin.blocks === undefined ? undefined : summarizeBlockDefs(plugin.blocks);
  const compiled = new Map<DeviceProfile, BlockSummary[]>();
  const blocksOf = (p: DeviceProfile) => {
    if (shared !== undefined) return shared;
    let blocks = compiled.get(p);
    if (blocks === undefined) {
      compiled.set(p, blocks = plugin.createRegistry(p).list().map(summarizeBlock));
    }
    return blocks;
  };
  return plugin.controlRegisters.flatMap((control) => {
    const allowing = plugin.profiles.filter((p) => p.writableRegisters.includes(control.register));
    const shown = profile ?? allowing[0];
    if (allowing.length === 0 || shown === undefined) return [];
    return [controlJson(plugin, control, blocksOf(shown), profile, allowing)];
  });
}

function controlJson(
  plugin: ProtocolPlugin,
  control: ControlRegisterDef,
  blocks: readonly BlockSummary[],
  profile: DeviceProfile | undefined,
  allowing: readonly DeviceProfile[],
): ControlJson {
  const schema = blocks.find((s) =>
    control.register >= s.id && control.register < s.id + s.registerCount
  );
  const base = {
    name: control.name,
    register: control.register,
    kind: control.kind,
    values: control.values ?? null,
    min: control.min ?? null,
    max: control.max ?? null,
    unit: control.unit ?? null,
    dangerous: control.dangerous,
    description: control.description,
    block: schema === undefined
      ? null
      : { id: schema.id, name: schema.name, verification: schema.verificationStatus },
    plugin: plugin.id,
  };
  if (profile !== undefined) {
    return { ...base, allowed: profile.writableRegisters.includes(control.register) };
  }
  return { ...base, profiles: allowing.map((p) => p.id) };
}

/** `on | off`, `standard | silent | turbo | custom`, `1..4 h`. */
function valuesText(row: ControlJson): string {
  if (row.values !== null) return Object.keys(row.values).join(" | ");
  const unit = row.unit === null ? "" : ` ${row.unit}`;
  return `${row.min}..${row.max}${unit}`;
}
