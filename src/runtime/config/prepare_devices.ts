import { ConfigError, CredentialsError } from "../../errors/errors.ts";
import { RuntimeRegistry } from "../runtime_registry.ts";
import type { ResolvedDevice } from "../types.ts";
import { type PathSegment, positionIssues, sourceOf } from "./_source.ts";
import {
  type ConfigIssue,
  ConfigValidationError,
  formatConfigIssue,
} from "./config_validation_error.ts";
import type { ResolvedRuntime } from "./resolve.ts";
import type { RuntimeConfig } from "./runtime_config.ts";

/** Options of {@linkcode prepareDevices}. */
export interface PrepareDevicesOptions {
  /** Plugins and transports. @default {RuntimeRegistry.withBuiltins()} */
  readonly registry?: RuntimeRegistry;
  /** Reads a configured file. @default {readConfiguredFile} */
  readonly readFile?: (path: string) => Promise<Uint8Array>;
  /**
   * Passwords of bundles the file gives no `cert_password` will come later (from
   * `--password`, the environment or a prompt): a bundle that only fails for want of its
   * password is not a problem yet. Everything else (missing file, not PKCS#12) still is.
   *
   * @default {false}
   */
  readonly passwordsPending?: boolean;
}

/** What {@linkcode prepareDevices} found. */
export interface PreparedDevices {
  /** What each device's transport factory prepared (checked credentials), by device id. */
  readonly prepared: ReadonlyMap<string, unknown>;
  /**
   * Devices that cannot run, by id, each with its error: the message is the positioned line
   * (`runtime.yaml:9:7: devices[0].transport.opts.cert_file: ...`), the `cause` the precise
   * problem (a {@linkcode CredentialsError} for a bundle).
   */
  readonly failed: ReadonlyMap<string, ConfigError>;
  /** Every problem, one per file and option, positioned at the configuration's line:column. */
  readonly issues: readonly ConfigIssue[];
  /** All problems as one error, or `null` when there is none. */
  readonly error: ConfigValidationError | null;
}

/**
 * Open and check every file the devices of a configuration name (certificate bundles and their
 * passwords, CA files) before anything connects: a wrong `cert_password`, a missing or
 * non-PKCS#12 `cert_file`, an expired certificate is reported at the `file:line:column` of the
 * option at fault. Each distinct bundle is opened once, however many devices use it.
 *
 * @param config The configuration from {@linkcode loadRuntimeConfig} / {@linkcode readRuntimeConfig}
 * (its positions are used).
 * @param resolved The same configuration after {@linkcode resolveRuntime}, possibly with
 * passwords filled in.
 * @param options Registry, file reader, whether passwords are still to come.
 * @returns The prepared devices, the failed ones and the positioned problems.
 *
 * @example A missing bundle, reported where the file names it
 * ```ts
 * import { loadRuntimeConfig, resolveRuntime } from "@power-sdk/sdk";
 * import { prepareDevices } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const config = loadRuntimeConfig(
 *   [
 *     "version: 1",
 *     "pipelines:",
 *     "  p: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 }",
 *     "devices:",
 *     "  - id: a",
 *     "    pipeline: p",
 *     "    profile_id: EL100V2",
 *     "    transport:",
 *     "      opts: { device_sn: X1, cert_file: /nonexistent/a.p12, cert_password: pw }",
 *   ].join("\n"),
 *   { file: "runtime.yaml" },
 * );
 * const checked = await prepareDevices(config, resolveRuntime(config));
 * assert.deepEqual([...checked.failed.keys()], ["a"]);
 * assert.equal(checked.issues[0]?.path, "devices[0].transport.opts.cert_file");
 * assert.equal(checked.issues[0]?.line, 9);
 * assert.match(checked.issues[0]!.message, /Cannot read '\/nonexistent\/a.p12': no such file/);
 * ```
 */
export async function prepareDevices(
  config: RuntimeConfig,
  resolved: ResolvedRuntime,
  options: PrepareDevicesOptions = {},
): Promise<PreparedDevices> {
  const registry = options.registry ?? RuntimeRegistry.withBuiltins();
  const readFile = options.readFile ?? readConfiguredFile;
  const cache = new Map<string, Promise<unknown>>();
  const source = sourceOf(config);
  const file = source?.file === undefined ? {} : { file: source.file };
  const prepared = new Map<string, unknown>();
  const failed = new Map<string, ConfigError>();
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  await Promise.all(resolved.devices.map(async (device) => {
    const factory = registry.transport(device.transport.type);
    if (factory.prepare === undefined) return;
    try {
      prepared.set(device.id, await factory.prepare(device.transport.options, { readFile, cache }));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      if (
        options.passwordsPending === true && device.transport.options.cert_password == null &&
        error.cause instanceof CredentialsError && error.cause.problem === "wrong_password"
      ) return;
      const [issue] = positionIssues([{
        code: "CONFIG_INVALID",
        segments: optionPath(config, device, error.path ?? ""),
        message: error.message,
      }], source);
      failed.set(
        device.id,
        new ConfigError(
          "CONFIG_INVALID",
          formatConfigIssue(issue!, source?.file ?? "<config>"),
          {
            ...file,
            path: issue!.path,
            ...(issue!.line === null ? {} : { line: issue!.line }),
            ...(issue!.column === null ? {} : { column: issue!.column }),
          },
          { cause: error.cause ?? error },
        ),
      );
      const key = `${issue!.path}\0${issue!.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        issues.push(issue!);
      }
    }
  }));
  return {
    prepared,
    failed,
    issues,
    error: issues.length === 0 ? null : new ConfigValidationError(issues, file),
  };
}

/**
 * Read a file a configuration names, with an error that says which and why.
 *
 * @param path The file.
 * @returns Its bytes.
 * @throws {ConfigError} `CONFIG_INVALID`: `Cannot read '<path>': no such file` (or
 * `permission denied`, or the system's reason).
 *
 * @example A missing file
 * ```ts
 * import { readConfiguredFile } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(readConfiguredFile("/nonexistent/x.p12"), /Cannot read '\/nonexistent\/x.p12': no such file/);
 * ```
 */
export async function readConfiguredFile(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable
      ? "permission denied"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ConfigError("CONFIG_INVALID", `Cannot read '${path}': ${why}`);
  }
}

/** Where an option of a device's transport was set: device, then pipeline, then defaults. */
function optionPath(config: RuntimeConfig, device: ResolvedDevice, option: string): PathSegment[] {
  const index = (config.devices ?? []).findIndex((entry) => entry?.id === device.id);
  const layers: { opts: unknown; at: PathSegment[] }[] = [
    {
      opts: config.devices?.[index]?.transport?.opts,
      at: ["devices", index, "transport", "opts"],
    },
    {
      opts: config.pipelines?.[device.pipeline]?.transport_opts,
      at: ["pipelines", device.pipeline, "transport_opts"],
    },
    { opts: config.defaults?.transport?.opts, at: ["defaults", "transport", "opts"] },
  ];
  const candidates = option === "cert_password" ? [option, "cert_file"] : [option];
  for (const name of candidates) {
    for (const layer of layers) {
      const value = (layer.opts as Record<string, unknown> | undefined)?.[name];
      if (value !== undefined && value !== null) return [...layer.at, name];
    }
  }
  return index >= 0 ? ["devices", index] : ["devices"];
}
