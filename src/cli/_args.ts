// Command-line parsing, with usage errors that say what is wrong and suggest what was meant.
// The tokenizer is written here rather than taken from node:util's parseArgs: loading a node:
// built-in costs every command a third of an empty script's start-up. Private to src/cli.
import { didYouMeanSuffix } from "../_shared/did_you_mean.ts";
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
  const tokens = tokenize(args, all);
  const values: Record<string, string | true> = {};
  const positionals: string[] = [];
  const where = command === "" ? "" : ` for '${command}'`;
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    const spec = Object.hasOwn(all, token.name) ? all[token.name] : undefined;
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

/** One option (`--name`, `--name=value`, `-h`) or one positional argument. */
type Token =
  | { readonly kind: "positional"; readonly value: string }
  | {
    readonly kind: "option";
    /** The long name, or the letter of an unknown short option. */
    readonly name: string;
    /** As typed: `--name` or `-h`. */
    readonly rawName: string;
    readonly value: string | undefined;
    /** True for `--name=value`. */
    readonly inlineValue: boolean;
  };

/**
 * Split arguments as POSIX and GNU tools do: after `--` everything is positional; a lone `-`
 * is positional; `--name=value`; a string option takes the next argument as its value; `-hV`
 * is `-h -V`.
 */
function tokenize(args: readonly string[], options: OptionSpecs): Token[] {
  const shorts = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.short !== undefined) shorts.set(spec.short, name);
  }
  const tokens: Token[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      for (const rest of args.slice(i + 1)) tokens.push({ kind: "positional", value: rest });
      break;
    }
    if (arg.startsWith("--")) {
      const equals = arg.indexOf("=");
      if (equals >= 0) {
        const name = arg.slice(2, equals);
        const value = arg.slice(equals + 1);
        tokens.push({ kind: "option", name, rawName: `--${name}`, value, inlineValue: true });
        continue;
      }
      const name = arg.slice(2);
      const takesValue = Object.hasOwn(options, name) && options[name]!.type === "string";
      const value = takesValue && i + 1 < args.length ? args[++i] : undefined;
      tokens.push({ kind: "option", name, rawName: arg, value, inlineValue: false });
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      const letters = [...arg.slice(1)];
      for (const [at, letter] of letters.entries()) {
        const name = shorts.get(letter) ?? letter;
        const takesValue = Object.hasOwn(options, name) && options[name]!.type === "string";
        if (takesValue) {
          // `-xVALUE`, or `-x VALUE` when the letter is the last.
          const rest = letters.slice(at + 1).join("");
          const inline = rest !== "";
          const value = inline ? rest : i + 1 < args.length ? args[++i] : undefined;
          tokens.push({ kind: "option", name, rawName: `-${letter}`, value, inlineValue: inline });
          break;
        }
        tokens.push({
          kind: "option",
          name,
          rawName: `-${letter}`,
          value: undefined,
          inlineValue: false,
        });
      }
      continue;
    }
    tokens.push({ kind: "positional", value: arg });
  }
  return tokens;
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

/**
 * The value of a string option the command cannot do without.
 *
 * @param parsed The parsed arguments.
 * @param name The option's long name.
 * @param value What the value is, as the help shows it (`<name>`, `<url|host>`).
 * @param command The command, for the error's help hint.
 * @returns Its value.
 * @throws {UsageError} `missing option '--name <value>'` when absent.
 */
export function requiredOption(
  parsed: ParsedArgs,
  name: string,
  value: string,
  command: string,
): string {
  const text = stringOption(parsed, name);
  if (text === undefined) throw new UsageError(`missing option '--${name} ${value}'`, command);
  return text;
}

/**
 * The value of an option that takes one of a few names (`--framing rtu`), or undefined when
 * absent.
 *
 * @param parsed The parsed arguments.
 * @param name The option's long name.
 * @param choices The names it takes.
 * @param command The command, for the error's help hint.
 * @returns Its value.
 * @throws {UsageError} `unknown <name> '<value>': choose ...` with a suggestion, for another value.
 */
export function choiceOption<T extends string>(
  parsed: ParsedArgs,
  name: string,
  choices: readonly T[],
  command: string,
): T | undefined {
  const text = stringOption(parsed, name);
  if (text === undefined) return undefined;
  const names: readonly string[] = choices;
  if (!names.includes(text)) {
    throw new UsageError(
      `unknown ${name} '${text}': choose ${choices.join(", ")}${didYouMeanSuffix(text, choices)}`,
      command,
    );
  }
  return text as T;
}

/**
 * Refuse positional arguments, for a command that takes options only.
 *
 * @param parsed The parsed arguments.
 * @param command The command.
 * @throws {UsageError} `unexpected argument '<first>' for '<command>'`.
 */
export function rejectPositionals(parsed: ParsedArgs, command: string): void {
  const extra = parsed.positionals[0];
  if (extra !== undefined) {
    throw new UsageError(`unexpected argument '${extra}' for '${command}'`, command);
  }
}

/**
 * Refuse two options that exclude each other.
 *
 * @param parsed The parsed arguments.
 * @param first The first option's long name.
 * @param second The second option's long name.
 * @param command The command, for the error's help hint.
 * @throws {UsageError} `give '--first' or '--second', not both` when both are given.
 */
export function rejectBoth(
  parsed: ParsedArgs,
  first: string,
  second: string,
  command: string,
): void {
  if (parsed.values[first] !== undefined && parsed.values[second] !== undefined) {
    throw new UsageError(`give '--${first}' or '--${second}', not both`, command);
  }
}

/**
 * Require exactly one of two string options (`--block 100` or `--group core`).
 *
 * @param parsed The parsed arguments.
 * @param first The first option's long name and value, as the help shows them.
 * @param second The second option's.
 * @param command The command, for the error's help hint.
 * @throws {UsageError} `missing option '--first <value>' or '--second <value>'` when neither is
 * given, `give '--first' or '--second', not both` when both are.
 */
export function requireOneOf(
  parsed: ParsedArgs,
  first: readonly [name: string, value: string],
  second: readonly [name: string, value: string],
  command: string,
): void {
  if (parsed.values[first[0]] === undefined && parsed.values[second[0]] === undefined) {
    throw new UsageError(
      `missing option '--${first.join(" ")}' or '--${second.join(" ")}'`,
      command,
    );
  }
  rejectBoth(parsed, first[0], second[0], command);
}

/**
 * Refuse a positional argument of a command whose one subcommand is `show` (`blocks`,
 * `profiles`): suggest `<command> show <argument>` when the argument names something to show,
 * else the subcommand it is closest to.
 *
 * @param parsed The parsed arguments of the command without `show`.
 * @param command The command.
 * @param showable Whether a text names something `show` shows.
 * @throws {UsageError} `unknown subcommand '<first>' for '<command>'` with the suggestion.
 */
export function rejectSubcommand(
  parsed: ParsedArgs,
  command: string,
  showable: (text: string) => boolean,
): void {
  const extra = parsed.positionals[0];
  if (extra === undefined) return;
  const hint = showable(extra)
    ? `; did you mean '${command} show ${extra}'?`
    : didYouMeanSuffix(extra, ["show"]);
  throw new UsageError(`unknown subcommand '${extra}' for '${command}'${hint}`, command);
}
