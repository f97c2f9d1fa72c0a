/**
 * How a transport plugs into configuration: it registers a name, the schema of its options,
 * which of them must be set, which hold file paths, and how to build it. runtime.yaml's
 * `transport: <name>` and its `opts` are checked by that schema; the runtime never knows a
 * transport's options itself.
 *
 * @module
 */
import type { ObjectSchema } from "../schema/schema.ts";
import type { ConnectSlots } from "./connect_limiter.ts";
import type { TransportLogger } from "./mqtt_transport.ts";
import type { Transport } from "./types.ts";

/**
 * The schema of a transport's options: a strict object of the in-house schema builder
 * (`s.strictObject({...})` from `@power-sdk/sdk/schema`, every key optional). Each key's
 * schema says what it expects in its own words (`s.int("an integer 1..65535")`): runtime.yaml
 * errors print "expected <that>, got <value>".
 *
 * @example
 * ```ts
 * import type { OptionSchema } from "@power-sdk/sdk/transport";
 * import { s } from "@power-sdk/sdk/schema";
 * import assert from "node:assert/strict";
 *
 * const schema: OptionSchema = s.strictObject({ host: s.string("a host name").optional() });
 * assert.ok(schema.safeParse({ host: "h" }).success);
 * assert.deepEqual(Object.keys(schema.shape), ["host"]);
 * ```
 */
export type OptionSchema = ObjectSchema;

/** What a transport's factory may use besides its options. */
export interface TransportContext {
  /** Reads a file given in the configuration (a certificate bundle, a CA). */
  readFile(path: string): Promise<Uint8Array>;
  /** The transport's log sink. */
  readonly logger: TransportLogger;
  /** The station's model (its profile id), for templates that name it. */
  readonly model: string;
  /**
   * What the definition's {@linkcode TransportDefinition.prepare} returned for this device
   * (checked credentials, ...), when it has a `prepare`: files are opened once, not at every
   * connect.
   */
  readonly prepared?: unknown;
  /**
   * Bounds the handshakes of every device of one runtime (concurrency and a reconnect budget;
   * a device's connection made again after a failure spends the budget); absent, each
   * transport connects at once.
   */
  readonly connectLimiter?: ConnectSlots;
  /**
   * State shared by the transports of one runtime, by key (a definition keeps its pool of
   * shared connections there); absent, nothing is shared.
   */
  readonly shared?: Map<string, unknown>;
}

/** What a transport definition's {@linkcode TransportDefinition.prepare} may use. */
export interface PrepareContext {
  /** Reads a file given in the configuration (a certificate bundle, a CA). */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Shared by every device prepared together: devices that name the same files get the same
   * promise (one bundle used by a thousand devices is opened once).
   */
  readonly cache: Map<string, Promise<unknown>>;
}

/**
 * A transport as configuration sees it. `options` is a strict object schema whose keys are all
 * optional: runtime.yaml gives them at three levels (device > pipeline > defaults), then the
 * plugin's `transportDefaults` and the definition's own `defaults` fill the rest, key by key
 * (nested mappings merge key by key too). After that, every key of `required` must be set,
 * and `create` receives what `options` parses them to.
 *
 * @example A transport of one's own (see {@linkcode defineTransport})
 * ```ts
 * import { LoopbackTransport, type TransportDefinition } from "@power-sdk/sdk";
 * import { s } from "@power-sdk/sdk/schema";
 * import assert from "node:assert/strict";
 *
 * const LOOP: TransportDefinition<{ name?: string }> = {
 *   name: "doc_loop",
 *   description: "An in-memory transport.",
 *   options: s.strictObject({ name: s.string("a name").optional() }),
 *   defaults: {},
 *   required: ["name"],
 *   pathOptions: [],
 *   describe: (o) => ({ endpoint: `loop:${o.name}`, details: [] }),
 *   create: () => Promise.resolve(new LoopbackTransport(() => null)),
 * };
 * assert.equal(LOOP.describe({ name: "a" }).endpoint, "loop:a");
 * ```
 */
export interface TransportDefinition<O = Record<string, unknown>> {
  /** Name written as runtime.yaml's `transport:` (`mqtt`). */
  readonly name: string;
  /** One line for the JSON Schema and help. */
  readonly description: string;
  /** Its options: a strict object schema, every key optional, parsing to `O`. */
  readonly options: OptionSchema;
  /** Values used when neither runtime.yaml nor the plugin gives one. */
  readonly defaults: Readonly<Partial<O>>;
  /** Keys that must be set after all levels and defaults (`topics.request` for a nested one). */
  readonly required: readonly string[];
  /** Keys that hold file paths: relative ones are taken from the configuration file's folder. */
  readonly pathOptions: readonly (keyof O & string)[];
  /**
   * Two devices with the same `unique` key would fight over one station: the configuration is
   * refused at the `option` that differs least ("device_sn 'X' of device 'b' is also the
   * serial of device 'a' on the same broker": `noun` serial, `within` broker).
   * @default {no check}
   */
  readonly unique?: {
    readonly option: keyof O & string;
    readonly noun: string;
    readonly within: string;
    key(options: O): string;
  };
  /**
   * Checks across keys, on a device's resolved options (after every level and the defaults):
   * each problem names the option at fault, and the configuration is refused there
   * (`file:line:column` of the level that set it). Checks of one key belong in `options`.
   * @default {no check}
   */
  check?(options: O): readonly TransportOptionProblem[];
  /**
   * How a device's resolved options read in a table: where it connects and details (never a
   * secret: say "password set").
   */
  describe(options: O): { endpoint: string; details: string[] };
  /**
   * Build the device's transport (not connected yet).
   *
   * @throws {TransportError} for bad credentials or settings.
   */
  create(options: O, context: TransportContext): Promise<Transport>;
  /**
   * Open and check what the device's options name (certificate bundles, CA files) before
   * anything connects: the runtime calls it once per device when the configuration is loaded
   * (`--dry-run` too) and hands the result to {@linkcode TransportDefinition.create} as
   * {@linkcode TransportContext.prepared}. A failure is permanent for that device.
   * @default {none: `create` reads what it needs itself}
   *
   * @throws {ConfigError} With `path` set to the option at fault (its key in `options`) and
   * the precise problem as `cause`.
   */
  prepare?(options: O, context: PrepareContext): Promise<unknown>;
}

/**
 * A problem {@linkcode TransportDefinition.check} found: the option at fault and what is wrong.
 *
 * @example
 * ```ts
 * import type { TransportOptionProblem } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * const problem: TransportOptionProblem = { option: "unit_id", message: "unit id 2 needs allow_other_unit_id: true" };
 * assert.equal(problem.option, "unit_id");
 * ```
 */
export interface TransportOptionProblem {
  /** The option's key (`unit_id`). */
  readonly option: string;
  /** What is wrong, and how to fix it. */
  readonly message: string;
}

/** A definition of any option schema, as registries hold it. */
// deno-lint-ignore no-explicit-any
export type AnyTransportDefinition = TransportDefinition<any>;

const TRANSPORTS: AnyTransportDefinition[] = [];

/**
 * Makes a transport known by name: to the runtime's built-ins, to runtime.yaml's `transport:`
 * and to the JSON Schema of `power-sdk schema`. Defining the same value twice is a no-op.
 *
 * @param definition The transport.
 * @returns The same definition, frozen.
 * @throws {TypeError} when another transport has that name.
 *
 * @example
 * ```ts
 * import { defineTransport, LoopbackTransport } from "@power-sdk/sdk";
 * import { knownTransports } from "@power-sdk/sdk/transport";
 * import { s } from "@power-sdk/sdk/schema";
 * import assert from "node:assert/strict";
 *
 * const LOOP = defineTransport({
 *   name: "doc_loop2",
 *   description: "An in-memory transport.",
 *   options: s.strictObject({}),
 *   defaults: {},
 *   required: [],
 *   pathOptions: [],
 *   describe: () => ({ endpoint: "loop", details: [] }),
 *   create: () => Promise.resolve(new LoopbackTransport(() => null)),
 * });
 * assert.ok(knownTransports().includes(LOOP));
 * ```
 */
export function defineTransport<O>(definition: TransportDefinition<O>): TransportDefinition<O> {
  if (TRANSPORTS.includes(definition)) return definition;
  if (TRANSPORTS.some((t) => t.name === definition.name)) {
    throw new TypeError(`Cannot define transport ${definition.name}: already defined`);
  }
  Object.freeze(definition);
  TRANSPORTS.push(definition);
  return definition;
}

/**
 * Every transport defined so far, in definition order.
 *
 * @returns The definitions (a new array).
 *
 * @example
 * ```ts
 * import { knownTransports } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * assert.equal(knownTransports()[0]?.name, "mqtt");
 * ```
 */
export function knownTransports(): AnyTransportDefinition[] {
  return [...TRANSPORTS];
}
