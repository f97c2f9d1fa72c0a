/**
 * The command-line entry point: argument dispatch, help, version and error reporting. Returns
 * an exit code; never exits the process itself.
 *
 * @module
 */
// Only what every command needs is imported here: each command's module (and with it the MQTT
// client, the YAML and schema libraries, the TLS bundle reader) is imported when that command
// runs, so `--version`, `decode` or `blocks` start as fast as a bare script. The `import()`
// specifiers are string literals, so `deno compile` still finds and embeds every command.
import { PowerSdkError } from "../errors/errors.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import type { PluginBlocks } from "../plugins/default_blocks.ts";
import { parseCommandArgs } from "./_args.ts";
import { type CommandContext, oneLine, printedHelpOrVersion, VERSION } from "./_context.ts";
import { didYouMeanSuffix } from "../_shared/did_you_mean.ts";
import { DENO_IO } from "./_io.ts";
import type { LazySchemaRegistry } from "./_lazy_registry.ts";
import { UsageError } from "./_usage_error.ts";

/**
 * Where the CLI writes. The default writes to the process's stdout and stderr; tests and
 * embedders pass their own to capture the output.
 *
 * @example Capture the output of a command
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * let err = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: (text) => err += text };
 * assert.equal(await main(["--version"], io), 0);
 * assert.match(out, /^power-sdk \d+\.\d+\.\d+\n$/);
 * assert.equal(err, "");
 * ```
 */
export interface CliIo {
  /**
   * Write text to standard output (results).
   *
   * @param text Text, usually ending in a newline.
   */
  stdout(text: string): void;
  /**
   * Write text to standard error (errors and hints).
   *
   * @param text Text, usually ending in a newline.
   */
  stderr(text: string): void;
}

const GLOBAL_HELP =
  `power-sdk ${VERSION}: see it work with 'power-sdk demo'; run the stations of a runtime.yaml;
read and write a station through an MQTT broker; run a simulated station; inspect the
block schemas, decode captured data and reply frames, list the built-in station profiles.

Usage: power-sdk <command> [options]

Commands:
  demo [--duration <s>]    Three simulated stations on an embedded broker, polled live;
                           no account, no hardware
  runtime --config <file> [--dry-run | --once]
                           Run the stations of a runtime.yaml until Ctrl-C or SIGTERM;
                           check it (--dry-run) or poll once (--once)
  schema                   Print the JSON Schema of runtime.yaml
  read --profile <name> --sn <serial> --broker <url> (--block <id> | --group <name>)
                           Read a station once through an MQTT broker, print the values
  write --profile <name> --sn <serial> --broker <url> (--field <name> | --register <n>)
        --value <value>    Write a control register through the safety gates, read it back
  controls [--profile <name>]
                           List the controls 'write' can change: values, ranges, units,
                           dangerous or not, allowed for a model
  simulate --profile <name> --sn <serial> (--broker <url> | --embedded)
                           Run a simulated station until Ctrl-C or SIGTERM
  read --profile <name> --modbus-tcp <host:port> (--group <name> | --field <names>)
                           Read a station's local Modbus TCP server (AC500, Balco 260...)
  write --profile <name> --modbus-tcp <host:port> --field <name> --value <value>
                           Write a control over local Modbus TCP, through the gates
  simulate --transport modbus-tcp --profile <name> [--port <n>]
                           Run a simulated local Modbus TCP station
  blocks                   List the block schemas
  blocks show <id|name>    Show a block's fields: offsets, types, transforms, units, evidence
  decode --block <id> <hex>
                           Decode a block's data bytes, or a captured reply with --framing
  decode --replay <capture.jsonl>
                           Decode again the frames 'read --record <file>' kept
  profiles                 List the built-in station profiles
  profiles show <name>     Show one profile: groups, blocks, cadence, register counts
  help [command]           Show the help of a command

Global options:
  -h, --help               Show help; after a command, that command's help
  -V, --version            Print the version
      --debug              Print stack traces on errors

Exit codes: 0 success, 1 failure (bad data or configuration, unknown block or profile,
credentials, connection, timeout, a refused write), 2 usage error, 130 password prompt
cancelled or a second Ctrl-C while stopping.
Run 'power-sdk <command> --help' for a command's options.
`;

type Command = (args: readonly string[], ctx: CommandContext) => number | Promise<number>;

/** A command, once its module is loaded: how to run it, and its help texts by topic. */
interface LoadedCommand {
  readonly run: Command;
  readonly helps: Readonly<Record<string, string>>;
}

/** Each command's module, imported on first use. */
const COMMANDS: Readonly<Record<string, () => Promise<LoadedCommand>>> = {
  blocks: async () => {
    const m = await import("./blocks_command.ts");
    return {
      run: m.blocksCommand,
      helps: { blocks: m.BLOCKS_HELP, "blocks show": m.BLOCKS_SHOW_HELP },
    };
  },
  controls: async () => {
    const m = await import("./controls_command.ts");
    return { run: m.controlsCommand, helps: { controls: m.CONTROLS_HELP } };
  },
  decode: async () => {
    const m = await import("./decode_command.ts");
    return { run: m.decodeCommand, helps: { decode: m.DECODE_HELP } };
  },
  demo: async () => {
    const m = await import("./demo_command.ts");
    return { run: (args, ctx) => m.demoCommand(args, ctx), helps: { demo: m.DEMO_HELP } };
  },
  profiles: async () => {
    const m = await import("./profiles_command.ts");
    return {
      run: m.profilesCommand,
      helps: { profiles: m.PROFILES_HELP, "profiles show": m.PROFILES_SHOW_HELP },
    };
  },
  read: async () => {
    const m = await import("./read_command.ts");
    return { run: (args, ctx) => m.readCommand(args, ctx), helps: { read: m.READ_HELP } };
  },
  runtime: async () => {
    const m = await import("./runtime_command.ts");
    return { run: (args, ctx) => m.runtimeCommand(args, ctx), helps: { runtime: m.RUNTIME_HELP } };
  },
  schema: async () => {
    const m = await import("./schema_command.ts");
    return { run: m.schemaCommand, helps: { schema: m.SCHEMA_HELP } };
  },
  simulate: async () => {
    const m = await import("./simulate_command.ts");
    return {
      run: (args, ctx) => m.simulateCommand(args, ctx),
      helps: { simulate: m.SIMULATE_HELP },
    };
  },
  write: async () => {
    const m = await import("./write_command.ts");
    return { run: (args, ctx) => m.writeCommand(args, ctx), helps: { write: m.WRITE_HELP } };
  },
  help: () => Promise.resolve({ run: helpCommand, helps: { help: GLOBAL_HELP } }),
};

/** How a command starts: which of the built-in plugins' parts load with it. */
type StartMode = "none" | "blocks" | "default" | "defined" | "all";

/**
 * The plugins a command starts with: `none` for those that only print text, `blocks` for
 * those that show the default plugin's blocks (its block definitions and labels, without
 * defining the plugin: src/plugins/default_blocks.ts), `default` for those that also need the
 * default plugin's profiles or controls (the plugin as defined, src/plugins/_defined_default.ts,
 * with its block definitions but no schema compiler: no `ctx.registry`; both kinds load the
 * other built-in plugins themselves when an option needs them), `defined` for those that need
 * the built-in plugins' profiles alone (their blocks, registries and simulation mappings are
 * not loaded: the command loads them, src/plugins/_defined_builtin.ts `loadBuiltinParts`,
 * before it uses them, and it has no `ctx.registry`), `all` built-in plugins for the rest.
 */
const PLUGINS_OF: Readonly<Record<string, StartMode>> = {
  schema: "none",
  help: "none",
  blocks: "blocks",
  decode: "blocks",
  controls: "default",
  runtime: "defined",
};

/** The plugins a command starts with, given its arguments. */
function pluginsOf(name: string, args: readonly string[]): StartMode {
  // `profiles` lists the profiles; `profiles show` also describes a profile's blocks.
  if (name === "profiles") {
    return args.find((arg) => !arg.startsWith("-")) === "show" ? "all" : "defined";
  }
  return PLUGINS_OF[name] ?? "all";
}

/** What a start mode gives the command's context. */
interface StartParts {
  /** `ctx.plugin`: the default plugin, whole or as defined. */
  plugin?: ProtocolPlugin;
  /** `ctx.defaultBlocks`: the default plugin's block definitions and labels. */
  defaults?: PluginBlocks;
  /** What `ctx.registry` compiles when the command first asks for it. */
  compile?: () => SchemaRegistry;
}

/** A start mode's loader: imports what the mode needs and fills the context's parts. */
type StartLoader = (name: string, parts: StartParts) => Promise<void>;

/**
 * The loader of each start mode; it runs side by side with the command's import. The
 * built-in plugins define themselves (profiles, framings) when their module loads: no npm
 * package, and their register maps and profiles are built on first use. Their transports
 * load with the commands that use them (runtime, demo, the Modbus TCP options of read, write
 * and simulate).
 */
const START_LOADERS: Readonly<Record<StartMode, StartLoader>> = {
  none: () => Promise.resolve(),
  blocks: async (_name, parts) => {
    const [{ LazySchemaRegistry }, { DEFAULT_BLOCKS }] = await Promise.all([
      import("./_lazy_registry.ts"),
      import("../plugins/default_blocks.ts"),
    ]);
    const blocks = DEFAULT_BLOCKS.blocks;
    if (blocks === undefined) {
      // A default plugin without block definitions: the plugin itself, whole.
      const { DEFAULT_PLUGIN } = await import("../plugins/default_plugin.ts");
      useWholePlugin(parts, DEFAULT_PLUGIN, LazySchemaRegistry);
      return;
    }
    // The plugin itself is not defined: `blocks` and `decode` read `defaultBlocks`.
    parts.defaults = DEFAULT_BLOCKS;
    parts.compile = () => new LazySchemaRegistry(blocks);
  },
  default: async (_name, parts) => {
    const defined = await import("../plugins/_defined_default.ts");
    await defined.loadDefaultBlocks();
    parts.plugin = defined.DEFINED_DEFAULT_PLUGIN;
    parts.defaults = defined.DEFINED_DEFAULT_PLUGIN;
  },
  defined: async (name, parts) => {
    const defined = await import("../plugins/_defined_builtin.ts");
    // `profiles` lists the register-map plugins' profiles from their maps' definitions.
    if (name === "profiles") await defined.loadBuiltinProfileLists();
    parts.plugin = defined.DEFINED_DEFAULT_PLUGIN;
  },
  all: async (_name, parts) => {
    const [{ LazySchemaRegistry }, { DEFAULT_PLUGIN }] = await Promise.all([
      import("./_lazy_registry.ts"),
      import("../plugins/builtin.ts"),
    ]);
    useWholePlugin(parts, DEFAULT_PLUGIN, LazySchemaRegistry);
  },
};

/** The default plugin, whole: its blocks compiled on demand, else its first profile's registry. */
function useWholePlugin(
  parts: StartParts,
  plugin: ProtocolPlugin,
  Lazy: typeof LazySchemaRegistry,
): void {
  parts.plugin = plugin;
  parts.defaults = plugin;
  parts.compile = () =>
    plugin.blocks !== undefined
      ? new Lazy(plugin.blocks)
      : plugin.createRegistry(plugin.profiles[0]!);
}

/** The help topics besides the commands themselves. */
const SUBTOPICS: readonly string[] = ["blocks show", "profiles show"];

/**
 * Run the `power-sdk` command line. Usage errors (unknown command or option, missing or bad
 * argument) print a message with a "did you mean" suggestion and a hint to `--help`, and
 * return 2. Failures (bad hex, a reply with a bad CRC, an unknown block, a refused write)
 * print one line, `error: CODE: message` for library errors, and return 1; `--debug` adds the
 * stack trace. The one exception is a runtime.yaml with mistakes: a header line, then one
 * `file:line:column: path: message` line per problem. Decoded records are always printed
 * through `redactRecord`, snapshots through `redactDeep`.
 *
 * Commands: `demo [--duration <seconds>] [--json] [--verbose]`, `runtime --config <file>
 * [--dry-run | --once] [--json] [--password <text>] [--verbose]`, `schema`, `read --profile
 * <name> --sn <serial> --broker <url> [--cert <file.p12>] [--password <text>] [--ca
 * <file.pem>] [--allow-insecure] (--block <id|name> | --group <name>) [--framing ...]
 * [--timeout <ms>] [--json] [--record <file>]`, `write --profile <name> --sn <serial> --broker <url> [--cert
 * <file.p12>] [--password <text>] [--ca <file.pem>] [--allow-insecure] [--framing ...]
 * (--field <name> | --register <n>) --value <value> [--enable-writes] [--force]
 * [--confirm-dangerous] [--dry-run] [--json]`, `simulate --profile <name> --sn <serial>
 * (--broker <url> | --embedded [--port N]) [--cert <file.p12>] [--password <text>] [--ca
 * <file.pem>] [--framing ...] [--faults <spec>]`, `blocks [--json]`, `blocks show <id|name>
 * [--json]`, `decode --block <id|name> [--framing rtu|iot-v2|v1] [--protocol-version N]
 * [--quantity N] [--json] <hex>...`, `decode --replay <capture.jsonl> [--profile <name>]
 * [--json]`, `profiles [--json]`, `profiles show <name-or-alias>
 * [--json]`, `controls [--profile <name>] [--json]`, `help [command]`; global `--help`,
 * `--version`, `--debug`. The certificate
 * password comes from `--password`, else `POWER_SDK_CERT_PASSWORD`, else a no-echo prompt on
 * a terminal; a cancelled prompt returns 130. `runtime` and `demo` run until SIGINT or SIGTERM
 * and then stop gracefully (0); a second signal during the stop returns 130 at once.
 *
 * @param args The arguments, without the program name (`Deno.args`).
 * @param io Where to write; defaults to the process's stdout and stderr.
 * @returns The exit code: 0 success, 1 failure, 2 usage error, 130 password prompt cancelled
 * or a second stop signal.
 *
 * @example List the blocks as JSON
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["blocks", "--json"], io), 0);
 * const blocks: { id: number; name: string }[] = JSON.parse(out);
 * assert.equal(blocks.find((block) => block.id === 100)?.name, "APP_HOME_DATA");
 * ```
 *
 * @example Decode data bytes of block 100
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * const code = await main(["decode", "--block", "100", "--json", "14c1 0000 005f"], io);
 * assert.equal(code, 0);
 * const record = JSON.parse(out);
 * assert.equal(record.values.pack_voltage, 53.13);
 * assert.equal(record.values.soc, 95);
 * ```
 *
 * @example A mistyped command is a usage error
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const io: CliIo = { stdout: () => {}, stderr: (text) => err += text };
 * assert.equal(await main(["blcoks"], io), 2);
 * assert.match(err, /did you mean 'blocks'\?/);
 * ```
 */
export async function main(args: string[], io: CliIo = DENO_IO): Promise<number> {
  const end = args.indexOf("--");
  const debug = (end < 0 ? args : args.slice(0, end)).includes("--debug");
  try {
    return await dispatch(args, io);
  } catch (error) {
    return report(error, io, debug);
  }
}

async function dispatch(args: readonly string[], io: CliIo): Promise<number> {
  let registry: SchemaRegistry | undefined;
  const parts: StartParts = {};
  const ctx: CommandContext = {
    io,
    // Imported with the command: the built-in plugins define themselves on import.
    get plugin() {
      if (parts.plugin === undefined) {
        throw new TypeError(
          "Cannot use the plugin: the command has not started, or started without it",
        );
      }
      return parts.plugin;
    },
    get defaultBlocks() {
      return parts.defaults;
    },
    // Imported with the command, compiled when the command first asks for it.
    get registry() {
      if (parts.compile === undefined) {
        throw new TypeError("Cannot use the registry before a command");
      }
      return registry ??= parts.compile();
    },
  };
  // Only flags may come before the command, and every one of them is global.
  const at = args.findIndex((arg) => !arg.startsWith("-"));
  const leading = at < 0 ? args : args.slice(0, at);
  const parsed = parseCommandArgs(leading, {}, "");
  const name = at < 0 ? undefined : args[at]!;
  if (name === undefined) {
    // `--help`, `--version`, or nothing at all: global help.
    if (!printedHelpOrVersion(ctx, parsed, GLOBAL_HELP)) io.stdout(GLOBAL_HELP);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    throw new UsageError(
      `unknown command '${name}'${didYouMeanSuffix(name, Object.keys(COMMANDS))}`,
    );
  }
  // Global flags before the command count for it too (`power-sdk --help decode`).
  const globals = leading.filter((arg) => arg !== "--");
  const rest = [...globals, ...args.slice(at + 1)];
  const start = START_LOADERS[pluginsOf(name, rest)];
  // The command and its plugins load side by side.
  const [command] = await Promise.all([load(), start(name, parts)]);
  return await command.run(rest, ctx);
}

async function helpCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const parsed = parseCommandArgs(args, {}, "help");
  const topic = parsed.positionals.join(" ");
  if (topic === "" || topic === "help") {
    ctx.io.stdout(GLOBAL_HELP);
    return 0;
  }
  const load = COMMANDS[topic.split(" ")[0]!];
  const help = load === undefined ? undefined : (await load()).helps[topic];
  if (help === undefined) {
    const topics = [...Object.keys(COMMANDS).filter((t) => t !== "help"), ...SUBTOPICS];
    throw new UsageError(`no help for '${topic}'${didYouMeanSuffix(topic, topics)}`, "help");
  }
  ctx.io.stdout(help);
  return 0;
}

function report(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof UsageError) {
    const command = error.command === "" ? "power-sdk" : `power-sdk ${error.command}`;
    io.stderr(`error: ${oneLine(error.message)}\nRun '${command} --help' for usage.\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = `${errorCode(error)}: `;
  // A configuration's problems are one line each (file:line:column: path: message) after the
  // header line: the one error that prints more than one line.
  const [first, ...problems] = isProblemList(error) ? message.split("\n") : [message];
  io.stderr(`error: ${code}${oneLine(first!)}\n`);
  for (const problem of problems) io.stderr(`${oneLine(problem)}\n`);
  if (debug) io.stderr(`${trace(error)}\n`);
  return 1;
}

/**
 * The code printed before a failure's message: the library's stable code; `PERMISSION_DENIED`
 * when the process lacks a permission (a narrowed set, a compiled binary); `INTERNAL` for
 * anything else, which is a bug to report (`--debug` prints its stack trace).
 */
function errorCode(error: unknown): string {
  if (error instanceof PowerSdkError) return error.code;
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return "PERMISSION_DENIED";
  }
  return "INTERNAL";
}

/** A runtime.yaml's problems (`ConfigValidationError`) or its YAML syntax errors, one a line. */
function isProblemList(error: unknown): boolean {
  return error instanceof PowerSdkError &&
    (error.name === "ConfigValidationError" || error.code === "CONFIG_SYNTAX");
}

function trace(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    const text = current instanceof Error ? current.stack ?? String(current) : String(current);
    parts.push(depth === 0 ? text : `caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n");
}
