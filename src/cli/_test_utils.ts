// Test-only helpers of this folder: run main() in-process with a capturing CliIo, capture a
// command's context, fake its files, environment, terminal and stop signals, and run a
// simulated station on an embedded broker.
import assert from "node:assert/strict";
import { type BlockSchema, SchemaRegistry } from "../parser/mod.ts";
import { DEFAULT_PLUGIN } from "../plugins/builtin.ts";
import { EmbeddedBroker, SimulatedStation, type SimulatedStationOptions } from "../testing/mod.ts";
import type { CommandContext } from "./_context.ts";
import type { CredentialSources } from "./_credentials.ts";
import type { StopSignals } from "./_signals.ts";
import { type CliIo, main } from "./main.ts";
import { runtimeCommand, type RuntimeSystem } from "./runtime_command.ts";

/** What one run of the CLI produced. */
export interface CliRun {
  /** The exit code main returned. */
  readonly code: number;
  /** Everything written to stdout. */
  readonly stdout: string;
  /** Everything written to stderr. */
  readonly stderr: string;
}

/** Runs `main(args)` with an io that captures both streams. */
export async function runCli(args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout(text) {
      stdout += text;
    },
    stderr(text) {
      stderr += text;
    },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/**
 * Asserts that the CLI refuses `args` as a usage error: exit 2, nothing on stdout, and on
 * stderr `error: <message>` and the hint to `power-sdk <command> --help`.
 */
export async function assertUsageError(
  args: string[],
  message: string,
  command: string,
): Promise<void> {
  const run = await runCli(args);
  assert.equal(run.code, 2, args.join(" "));
  assert.equal(run.stdout, "");
  assert.deepEqual(lines(run.stderr), [
    `error: ${message}`,
    `Run 'power-sdk ${command} --help' for usage.`,
  ]);
}

/** A command context that keeps what the command writes. */
export interface CapturedContext extends CommandContext {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
  /** Resolves with the first stdout line that matches, now or once it is written. */
  waitFor(pattern: RegExp): Promise<string>;
}

/** A context for calling a command in-process, with its output captured. */
export function captureContext(): CapturedContext {
  let out = "";
  let err = "";
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      const line = lines(out).find((l) => waiter.pattern.test(l));
      if (line === undefined) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  };
  return {
    io: {
      stdout(text) {
        out += text;
        check();
      },
      stderr: (text) => err += text,
    },
    ...pluginContext(),
    out: () => out,
    err: () => err,
    waitFor(pattern) {
      return new Promise((resolve) => {
        waiters.push({ pattern, resolve });
        check();
      });
    },
  };
}

/** Test doubles of {@linkcode testSources}. */
export interface TestSourcesOptions {
  /** The environment. @default {empty} */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** What the person types at the prompt (null: Ctrl-C). @default {no terminal} */
  readonly typed?: string | null | undefined;
}

/** Real files, the environment given, a terminal that types `typed`; counts the prompts. */
export function testSources(
  options: TestSourcesOptions = {},
): CredentialSources & { asked(): number } {
  let asked = 0;
  return {
    readFile: (path) => Deno.readFile(path),
    env: (name) => options.env?.[name],
    terminal: {
      isTerminal: () => options.typed !== undefined,
      readSecret(prompt, write) {
        asked++;
        write(prompt);
        return Promise.resolve(options.typed ?? null);
      },
    },
    asked: () => asked,
  };
}

/** Stop signals a test sends itself. */
export interface TestStopSignals extends StopSignals {
  /** Whether the command listens now. */
  listening(): boolean;
  /** Send a signal to the command; the command must be listening. */
  fire(signal: string): void;
}

/** Stop signals that come only from {@linkcode TestStopSignals.fire}. */
export function testStopSignals(): TestStopSignals {
  let onStop: ((signal: string) => void) | undefined;
  let listening = false;
  return {
    listen(callback) {
      onStop = callback;
      listening = true;
      return () => listening = false;
    },
    listening: () => listening,
    fire(signal) {
      assert.ok(onStop !== undefined && listening, "not listening for signals");
      onStop(signal);
    },
  };
}

/** A runtime.yaml in a new temporary folder; removed with the returned disposable. */
export async function runtimeConfigFile(text: string): Promise<{ path: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-runtime-" });
  const path = `${dir}/runtime.yaml`;
  await Deno.writeTextFile(path, text);
  return { path, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

/**
 * A runtime.yaml for devices on a plain broker on this machine: pipeline `lan`; `devices` are
 * YAML flow mappings, the first on line 9; `extra` is appended (sinks, defaults...).
 */
export function localRuntimeConfig(port: number, devices: readonly string[], extra = ""): string {
  return `version: 1
pipelines:
  lan:
    transport: mqtt
    vendor: ${DEFAULT_PLUGIN.vendor}
    protocol: ${DEFAULT_PLUGIN.protocol}
    transport_opts: { broker: "mqtt://127.0.0.1", port: ${port}, allow_insecure: true }
devices:
${devices.map((device) => `  - ${device}`).join("\n")}
${extra}`;
}

/** What {@linkcode startRuntime} gives the command. */
export interface StartRuntimeOptions {
  /** The environment. @default {empty} */
  readonly env?: Record<string, string>;
  /** What the person types at the prompt (null: Ctrl-C). @default {no terminal} */
  readonly typed?: string | null;
  /** Whether a permission is granted. @default {every one} */
  readonly permitted?: RuntimeSystem["permitted"];
}

/**
 * `runtime` in-process: captured output, the environment and terminal given, stop signals the
 * test fires; `waitFor(pattern)` resolves with the first stdout line that matches.
 */
export function startRuntime(args: string[], options: StartRuntimeOptions = {}) {
  const ctx = captureContext();
  const sources = testSources({ env: options.env, typed: options.typed });
  const stopSignals = testStopSignals();
  const done = runtimeCommand(args, ctx, {
    ...sources,
    stopSignals,
    permitted: options.permitted ?? (() => true),
  });
  return {
    done,
    out: ctx.out,
    err: ctx.err,
    asked: sources.asked,
    listening: stopSignals.listening,
    signal: stopSignals.fire,
    waitFor: ctx.waitFor,
  };
}

/** A loopback port nothing listens on (it was free a moment ago). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** An embedded broker and a simulated station on it; disposing stops both. */
export interface StationOnBroker extends AsyncDisposable {
  /** The broker. */
  readonly broker: EmbeddedBroker;
  /** The station. */
  readonly station: SimulatedStation;
}

/** Starts an embedded broker and a simulated station on it. */
export async function stationOnBroker(
  options: Omit<SimulatedStationOptions, "brokerUrl">,
): Promise<StationOnBroker> {
  const broker = await EmbeddedBroker.start();
  let station: SimulatedStation;
  try {
    station = await SimulatedStation.start({ ...options, brokerUrl: broker.url });
  } catch (error) {
    await broker.close();
    throw error;
  }
  return {
    broker,
    station,
    async [Symbol.asyncDispose]() {
      try {
        await station[Symbol.asyncDispose]();
      } finally {
        await broker[Symbol.asyncDispose]();
      }
    },
  };
}

/** The keys of a record as `decode --json` and `read --json` print it, in order. */
export const RECORD_JSON_KEYS: readonly string[] = [
  "blockId",
  "name",
  "values",
  "units",
  "warnings",
  "missing",
  "labels",
];

const registry = new SchemaRegistry(DEFAULT_PLUGIN.blocks);

/** The plugin part of a command context: the default plugin and its schemas. */
export function pluginContext(): Pick<CommandContext, "plugin" | "registry"> {
  return { plugin: DEFAULT_PLUGIN, registry };
}

/** The built-in schema of a block. */
export function schemaOf(id: number): BlockSchema {
  return registry.require(id);
}

/** The lines of a text, without the empty one after the final newline. */
export function lines(text: string): string[] {
  const all = text.split("\n");
  if (all.at(-1) === "") all.pop();
  return all;
}
