import { readRegisterMapSource } from "../../parser/register_map_read.ts";
import { configFromYaml, type LoadRuntimeConfigOptions, readEnv } from "./_config_from_yaml.ts";
import { provideMapReader } from "./_profile_files.ts";
import { readYaml } from "./_yaml.ts";
import type { RuntimeConfig } from "./runtime_config.ts";

export type { LoadRuntimeConfigOptions } from "./_config_from_yaml.ts";
export { readRuntimeConfig } from "./_read_config.ts";

// A library user's profile files are read with the reader this module loads; the CLI's
// path (_read_config.ts) loads it only when a configuration names a profile file.
provideMapReader(readRegisterMapSource);

/**
 * Parse, interpolate and validate a `runtime.yaml` text. Every problem is collected and thrown
 * at once; each names the file, line, column and path of the value and what was expected.
 *
 * In order: YAML parsing (syntax errors stop here: `CONFIG_SYNTAX`, all of them listed);
 * duplicate keys; `${VAR}` interpolation of string values (never keys); coercion of
 * **interpolated** strings where the key wants a number (`"18760"` -> 18760, decimal notation
 * only) or a boolean (`"true"`/`"false"`, any case), and of an interpolated empty string to
 * null where null is allowed (`cert_file`, `ca_file`) - a quoted `"18760"` written in the file
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
  return configFromYaml(readYaml(text, options.file, options.env ?? readEnv), options);
}
