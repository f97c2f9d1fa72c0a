// readRuntimeConfig: the path the CLI takes. It loads neither the YAML library (only when the
// subset reader declines the text) nor the register-map reader (only when the configuration
// names a `profile_file`). load_config.ts exports it. Private to src/runtime/config.
import { dirname, resolve } from "../../_shared/path.ts";
import { ConfigError } from "../../errors/errors.ts";
import { configFromYaml, type LoadRuntimeConfigOptions, readEnv } from "./_config_from_yaml.ts";
import { loadMapReader } from "./_profile_files.ts";
import { readYamlLazily } from "./_yaml_lazy.ts";
import type { YamlData } from "./_yaml_walk.ts";
import type { RuntimeConfig } from "./runtime_config.ts";

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
  const read = await readRuntimeYaml(path, options);
  return configFromYaml(read.yaml, read.options);
}

/** A runtime.yaml file read, before its validation: what {@linkcode configFromYaml} takes. */
export interface ReadRuntimeYaml {
  /** The file's data, issues and positions. */
  readonly yaml: YamlData;
  /** The options it is validated with: the file's name and folder filled in. */
  readonly options: LoadRuntimeConfigOptions;
}

/**
 * Read a runtime.yaml file and its YAML, not yet validated: a caller that validates again (the
 * CLI, once the built-in plugins' parts a profile needs are loaded) reads the file once.
 *
 * @throws {ConfigError} as {@linkcode readRuntimeConfig}, but no validation error.
 */
export async function readRuntimeYaml(
  path: string | URL,
  options: LoadRuntimeConfigOptions = {},
): Promise<ReadRuntimeYaml> {
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
  const yaml = await readYamlLazily(text, file, options.env ?? readEnv);
  if (namesProfileFile(yaml.value, 0)) await loadMapReader();
  return {
    yaml,
    options: { ...options, file, baseDir: options.baseDir ?? dirname(resolve(filePath)) },
  };
}

/** Whether `value` holds a `profile_file` key anywhere (then its reader must be loaded). */
function namesProfileFile(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== "object" || depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => namesProfileFile(item, depth + 1));
  return Object.hasOwn(value, "profile_file") ||
    Object.values(value).some((item) => namesProfileFile(item, depth + 1));
}
