import { ConfigError } from "../../errors/errors.ts";
import { interpolate } from "./_interpolate.ts";

/**
 * Replace environment variable references in one string value of a configuration, the way a
 * POSIX shell expands them:
 *
 * | expression | result |
 * |---|---|
 * | `${VAR}` | the value of `VAR`; an error when `VAR` is unset (an empty value is kept) |
 * | `${VAR:-default}` | the value of `VAR`, or `default` when `VAR` is unset **or empty** |
 * | `${VAR-default}` | the value of `VAR`, or `default` only when `VAR` is unset |
 * | `${VAR:?message}` | the value of `VAR`; an error with `message` when it is unset or empty |
 * | `${VAR?message}` | the value of `VAR`; an error with `message` when it is unset |
 * | `$$` | a literal `$` |
 * | `$` not followed by `{` or `$` | itself |
 *
 * Names are `[A-Za-z_][A-Za-z0-9_]*`. A default or a message may itself hold expressions
 * (`${A:-${B:-x}}`); it is evaluated only when used. A default cannot hold a `}`.
 *
 * @param text The value as written.
 * @param env Reads one variable; returns undefined when it is unset.
 * @param path The value's path (`devices[0].transport.opts.device_sn`), named in errors.
 * @returns The value with every expression replaced.
 * @throws {ConfigError} `CONFIG_ENV_UNSET` when a variable without a default is unset
 * ("Environment variable LIVING_ROOM_SN is not set (devices[0].transport.opts.device_sn)");
 * `CONFIG_INVALID` for a malformed expression, naming the path and the column inside the value.
 *
 * @example Defaults, required values and a literal dollar
 * ```ts
 * import { interpolateEnv } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const env = (name: string) => ({ SN: "2237000012345", EMPTY: "" } as Record<string, string>)[name];
 * assert.equal(interpolateEnv("${SN}", env, "sn"), "2237000012345");
 * assert.equal(interpolateEnv("${BROKER:-iot.bluettipower.com}", env, "broker"), "iot.bluettipower.com");
 * assert.equal(interpolateEnv("${EMPTY:-x}|${EMPTY-x}", env, "v"), "x|");
 * assert.equal(interpolateEnv("pa$$word $HOME", env, "v"), "pa$word $HOME");
 * assert.throws(() => interpolateEnv("${LIVING_ROOM_SN}", env, "devices[0].transport.opts.device_sn"), {
 *   code: "CONFIG_ENV_UNSET",
 *   message: "Environment variable LIVING_ROOM_SN is not set (devices[0].transport.opts.device_sn)",
 * });
 * assert.throws(() => interpolateEnv("${PW:?set it in .env}", env, "p"), {
 *   message: "Environment variable PW is not set: set it in .env (p)",
 * });
 * ```
 */
export function interpolateEnv(
  text: string,
  env: (name: string) => string | undefined,
  path: string,
): string {
  const result = interpolate(text, env);
  if (result.ok) return result.value;
  throw new ConfigError(result.code, `${result.message} (${path})`, { path });
}
