// A loaded configuration from its read YAML: validation, absolute paths, freezing, and what
// resolveRuntime() finds beside it. Shared by loadRuntimeConfig (load_config.ts) and
// readRuntimeConfig (_read_config.ts). Private to src/runtime/config.
import { deepFreeze } from "../../_shared/copy_data.ts";
import { isAbsolute, resolve } from "../../_shared/path.ts";
import type { DeviceProfile } from "../../device/profile.ts";
import { RuntimeRegistry } from "../runtime_registry.ts";
import { attachProfileFiles, ProfileFiles } from "./_profile_files.ts";
import { attachSource, positionIssues } from "./_source.ts";
import { validateConfig } from "./_validate.ts";
import type { YamlData } from "./_yaml_walk.ts";
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
 * Validate read YAML into a configuration (loadRuntimeConfig() after its YAML reading).
 *
 * @throws {ConfigValidationError} `CONFIG_INVALID` with every issue.
 */
export function configFromYaml(
  yaml: YamlData,
  options: LoadRuntimeConfigOptions,
): RuntimeConfig {
  const registry = options.registry ?? RuntimeRegistry.withBuiltins();
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

/** Deno.env.get: the default `env` option. */
export function readEnv(name: string): string | undefined {
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
