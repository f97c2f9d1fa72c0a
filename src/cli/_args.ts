// Command-line parsing on top of node:util parseArgs, with usage errors that say what is wrong
// and suggest what was meant. Private to src/cli.
import { parseArgs } from "node:util";
import { didYouMeanSuffix } from "./_did_you_mean.ts";
import { UsageError } from "./_usage_error.ts";

/** One option of a command. */
export interface OptionSpec {
  /** A flag (`--json`) or an option that takes a value (`--block 100`). */
  readonly type: "boolean" | "string";
  /** One-letter alias (`h` for `-h`). */
  readonly short?: string;
}

/** Options by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  debug: { type: "boolean" },
};

/** A parsed command line. */
export interface ParsedArgs {
  /** Flags present (true) and option values, by long name. */
  readonly values: Readonly<Record<string, string | true>>;
  /** The other arguments, in order. */
  readonly positionals: readonly string[];
}

/**
 * Parse the arguments of one command: its own options plus {@linkcode GLOBAL_OPTIONS}.
 *
 * @param args The arguments after the command name.
 * @param options The command's own options.
 * @param command The command's name, for error messages and the help hint ("" for global).
 * @returns Values and positionals.
 * @throws {UsageError} for an unknown option (with a suggestion), a flag given a value, an
 * option without its value, or an option given twice.
 */
export function parseCommandArgs(
  args: readonly string[],
  options: OptionSpecs,
  command: string,
): ParsedArgs {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...options };
  const { tokens } = parseArgs({
    args: [...args],
    options: all,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | true> = {};
  const positionals: string[] = [];
  const where = command === "" ? "" : ` for '${command}'`;
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = all[token.name];
    if (spec === undefined) {
      const names = Object.keys(all).map((name) => `--${name}`);
      const typed = token.rawName.startsWith("--") ? token.rawName : `-${token.name}`;
      throw new UsageError(
        `unknown option '${typed}'${where}${didYouMeanSuffix(typed, names)}`,
        command,
      );
    }
    const shown = `--${token.name}`;
    if (values[token.name] !== undefined) {
      throw new UsageError(`option '${shown}' is given twice`, command);
    }
    if (spec.type === "boolean") {
      if (token.value !== undefined) {
        throw new UsageError(`option '${shown}' takes no value, got '${token.value}'`, command);
      }
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith("-") && value !== "-")) {
      throw new UsageError(`option '${shown}' needs a value`, command);
    }
    values[token.name] = value;
  }
  return { values, positionals };
}

/**
 * The value of a string option, or undefined when absent.
 *
 * @param parsed The parsed arguments.
 * @param name The option's long name.
 * @returns Its value.
 */
export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * Whether a flag is present.
 *
 * @param parsed The parsed arguments.
 * @param name The flag's long name.
 * @returns True when given.
 */
export function flag(parsed: ParsedArgs, name: string): boolean {
  return parsed.values[name] === true;
}
