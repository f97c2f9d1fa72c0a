/**
 * The runtime configuration: `runtime.yaml` parsed with positions, `${VAR}` interpolation,
 * validation that reports every problem at once (file:line:column, path, what was expected,
 * did-you-mean), resolution of the precedence device > pipeline > defaults > built-in, the
 * `--dry-run` rows and the JSON Schema export.
 *
 * @example Load, resolve, describe
 * ```ts
 * import { describeResolution, loadRuntimeConfig, resolveRuntime } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const text = `
 * version: 1
 * pipelines: { bluetti_pull: { transport: mqtt, vendor: bluetti, protocol: v2 } }
 * devices:
 *   - { id: garage, pipeline: bluetti_pull, profile_id: EL30V2, transport: { opts: { device_sn: "\${SN}" } } }
 * `;
 * const config = loadRuntimeConfig(text, { file: "runtime.yaml", env: () => "2237000012345" });
 * const [row] = describeResolution(resolveRuntime(config));
 * assert.equal(row?.device, "garage");
 * assert.equal(row?.sink, "stdout");
 * ```
 *
 * @module
 */
export * from "./runtime_config.ts";
export * from "./interpolate.ts";
export * from "./config_validation_error.ts";
export * from "./load_config.ts";
export * from "./resolve.ts";
export * from "./schema.ts";
export * from "./prepare_devices.ts";
