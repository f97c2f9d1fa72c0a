import { dirname, isAbsolute, resolve } from "../../_shared/path.ts";
import { ConfigError } from "../../errors/errors.ts";
import type { DeviceProfile } from "../../device/profile.ts";
import { RuntimeRegistry } from "../runtime_registry.ts";
import { attachSource, positionIssues } from "./_source.ts";
import { validateConfig } from "./_validate.ts";
import { attachProfileFiles, ProfileFiles } from "./_profile_files.ts";
import { readYaml } from "./_yaml.ts";
import { ConfigValidationError } from "./config_validation_error.ts";
import type { RuntimeConfig, RuntimeSinkConfig, RuntimeTransportOpts } from "./runtime_config.ts";

/** Options of {@linkcode loadRuntimeConfig} and {@linkcode readRuntimeConfig}. */
export interface LoadRuntimeConfigOptions {
  /** The file's name, used in every message. @default {"<config>"} (the path, when read) */
  readonly file?: string;
  /**
   * Reads one environment variable for `${VAR}`; undefined when unset.
   *
   * @default {`Deno.env.get` (needs `--allow-env`; a permission set with `ignore` makes every variable look unset)}
   */
  readonly env?: (name: string) => string | undefined;
  /** Profiles `profile_id` is looked up in. @default {the profiles of the registry's plugins} */
  readonly profiles?: readonly DeviceProfile[];
  /**
   * The plugins and transports vendor, protocol, transport and opts are checked against.
   * @default {RuntimeRegistry.withBuiltins()}
   */
  readonly registry?: RuntimeRegistry;
  /**
   * Folder relative file options of transports (`cert_file`, `ca_file`), `profile_file` and
   * jsonl `path` values are taken from; they are made absolute. Unset: they are kept as
   * written (and register maps are read from the working folder).
   *
   * @default {the file's folder for readRuntimeConfig, none for loadRuntimeConfig}
   */
  readonly baseDir?: string;
}

/**
 * Parse, interpolate and validate a `runtime.yaml` text. Every problem is collected and thrown
 * at once; each names the file, line, column and path of the value and what was expected.
 *
 * In order: YAML parsing (syntax errors stop here: `CONFIG_SYNTAX`, all of them listed);
 * duplicate keys; `${VAR}` interpolation of string values (never keys); coercion of
 * **interpolated** strings where the key wants a number (`"18760"` → 18760, decimal notation
 * only) or a boolean (`"true"`/`"false"`, any case), and of an interpolated empty string to
 * null where null is allowed (`cert_file`, `ca_file`) — a quoted `"18760"` written in the file
 * stays a string and is an error; the schema (unknown keys with a did-you-mean, types, ranges);
 * then the cross-references and precedence of {@linkcode resolveRuntime}.
 *
 * The result is deeply frozen and remembers where its values sit, so that
 * {@linkcode resolveRuntime} can position its issues too.
 *
 * @param text The YAML text.
 * @param options File name, environment, profiles, base folder.
 * @returns The configuration, keys as written, no defaults filled in.
 * @throws {ConfigError} `CONFIG_SYNTAX` when the text is not YAML (every syntax error listed,
 * the first one's line and column on the error).
 * @throws {ConfigValidationError} `CONFIG_INVALID` with every issue; unset variables are
 * issues with code `CONFIG_ENV_UNSET`, unknown profiles `CONFIG_UNKNOWN_PROFILE`.
 *
 * @example Every mistake at once, with positions
 * ```ts
 * import { ConfigValidationError, loadRuntimeConfig } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const text = [
 *   "version: 1",
 *   "pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }",
 *   "devices:",
 *   "  - id: a",
 *   "    pipeline: p",
 *   "    profile_id: EL100V2",
 *   "    pol_interval: 10",
 *   "    transport: { opts: { device_sn: \"${SN}\", port: 70000 } }",
 * ].join("\n");
 * try {
 *   loadRuntimeConfig(text, { file: "runtime.yaml", env: () => undefined });
 *   assert.fail("expected an error");
 * } catch (error) {
 *   assert.ok(error instanceof ConfigValidationError);
 *   assert.deepEqual(error.message.split("\n").slice(1), [
 *     "runtime.yaml:7:5: devices[0].pol_interval: unknown key 'pol_interval'; did you mean 'poll_interval'?",
 *     "runtime.yaml:8:37: devices[0].transport.opts.device_sn: Environment variable SN is not set",
 *     "runtime.yaml:8:52: devices[0].transport.opts.port: expected an integer 1..65535, got 70000",
 *   ]);
 * }
 * ```
 *
 * @example Interpolated numbers become numbers
 * ```ts
 * import { loadRuntimeConfig } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const text = `
 * version: 1
 * pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }
 * defaults: { transport: { opts: { port: "\${PORT:-18760}" } } }
 * devices: [{ id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "1" } } }]
 * `;
 * const config = loadRuntimeConfig(text, { env: () => undefined });
 * assert.equal(config.defaults?.transport?.opts?.port, 18760);
 * ```
 */
export function loadRuntimeConfig(
  text: string,
  options: LoadRuntimeConfigOptions = {},
): RuntimeConfig {
  const env = options.env ?? readEnv;
  const registry = options.registry ?? RuntimeRegistry.withBuiltins();
  const yaml = readYaml(text, options.file, env);
  const profileFiles = new ProfileFiles(options.baseDir, options.file);
  const result = validateConfig({
    profileFiles,
    data: yaml.value,
    ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
    registry,
    preIssues: yaml.issues,
    interpolated: yaml.interpolated,
    written: yaml.written,
  });
  if (result.issues.length > 0 || result.config === undefined) {
    throw new ConfigValidationError(
      positionIssues(result.issues, yaml.source),
      options.file === undefined ? {} : { file: options.file },
    );
  }
  const config = options.baseDir === undefined
    ? result.config
    : absolutePaths(result.config, options.baseDir, registry);
  deepFreeze(config);
  attachSource(config, yaml.source);
  attachProfileFiles(config, profileFiles);
  return config;
}

/**
 * Read a `runtime.yaml` file and load it with {@linkcode loadRuntimeConfig}. Relative
 * `cert_file`, `ca_file` and jsonl sink paths are taken from the file's folder and made
 * absolute.
 *
 * @param path The file (needs read permission).
 * @param options File name for messages (default: `path`), environment, profiles, base folder.
 * @returns The configuration.
 * @throws {ConfigError} `CONFIG_INVALID` when the file does not exist or is a folder;
 * `CONFIG_SYNTAX` when it is not YAML.
 * @throws {ConfigValidationError} with every issue.
 *
 * @example Read a file
 * ```ts
 * import { readRuntimeConfig } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const file = `${dir}/runtime.yaml`;
 * await Deno.writeTextFile(file, `
 * version: 1
 * pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }
 * devices: [{ id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "1", cert_file: a.p12 } } }]
 * `);
 * const config = await readRuntimeConfig(file, { env: () => undefined });
 * assert.equal(config.devices[0]?.transport?.opts?.cert_file, `${dir}/a.p12`);
 * await assert.rejects(readRuntimeConfig(`${dir}/missing.yaml`), { code: "CONFIG_INVALID" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readRuntimeConfig(
  path: string | URL,
  options: LoadRuntimeConfigOptions = {},
): Promise<RuntimeConfig> {
  // node:url loads a good part of the Node compatibility layer: only for a URL.
  const filePath = path instanceof URL ? (await import("node:url")).fileURLToPath(path) : path;
  const file = options.file ?? filePath;
  let text: string;
  try {
    text = await Deno.readTextFile(filePath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
      throw new ConfigError(
        "CONFIG_INVALID",
        `Cannot read the runtime configuration: ${
          error instanceof Deno.errors.NotFound ? "no such file" : "it is a folder"
        }: ${filePath}`,
        { file },
        { cause: error },
      );
    }
    throw error;
  }
  return loadRuntimeConfig(text, {
    ...options,
    file,
    baseDir: options.baseDir ?? dirname(resolve(filePath)),
  });
}

function readEnv(name: string): string | undefined {
  return Deno.env.get(name);
}

function absolutePaths(
  config: RuntimeConfig,
  baseDir: string,
  registry: RuntimeRegistry,
): RuntimeConfig {
  const pathKeys = new Set(registry.transports().flatMap((t) => t.pathOptions));
  const fix = (value: string | null | undefined) =>
    typeof value === "string" && !isAbsolute(value) ? resolve(baseDir, value) : value;
  const opts = (o: RuntimeTransportOpts | undefined): RuntimeTransportOpts | undefined => {
    if (o === undefined) return undefined;
    const out: Record<string, unknown> = { ...o };
    for (const key of pathKeys) {
      const value = o[key];
      if (typeof value === "string") out[key] = fix(value);
    }
    return out as RuntimeTransportOpts;
  };
  const mutable = config as {
    -readonly [K in keyof RuntimeConfig]: RuntimeConfig[K];
  };
  const out = { ...mutable };
  out.pipelines = Object.fromEntries(
    Object.entries(config.pipelines).map(([name, p]) => {
      let pipeline = p.transport_opts === undefined
        ? p
        : { ...p, transport_opts: opts(p.transport_opts)! };
      if (p.profile_file !== undefined) {
        pipeline = { ...pipeline, profile_file: fix(p.profile_file)! };
      }
      return [name, pipeline];
    }),
  );
  if (config.defaults?.transport?.opts !== undefined) {
    out.defaults = {
      ...config.defaults,
      transport: { ...config.defaults.transport, opts: opts(config.defaults.transport.opts)! },
    };
  }
  out.devices = config.devices.map((d) => {
    let device = d.transport?.opts === undefined
      ? d
      : { ...d, transport: { ...d.transport, opts: opts(d.transport.opts)! } };
    if (d.profile_file !== undefined) device = { ...device, profile_file: fix(d.profile_file)! };
    return device;
  });
  if (config.sinks !== undefined) {
    out.sinks = Object.fromEntries(
      Object.entries(config.sinks).map((
        [name, s],
      ) => {
        if (s.type === "jsonl" || s.type === "record") return [name, { ...s, path: fix(s.path)! }];
        if (s.type !== "mqtt" && s.type !== "homeassistant") return [name, s];
        const out: Record<string, unknown> = { ...s };
        if (typeof s.cert_file === "string") out.cert_file = fix(s.cert_file);
        if (typeof s.ca_file === "string") out.ca_file = fix(s.ca_file);
        return [name, out as RuntimeSinkConfig];
      }),
    );
  }
  return out;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
