// The built-in plugins and their transports: the seed configuration names the default
// plugin's vendor and profiles.
import { DEFAULT_PLUGIN } from "../../plugins/mod.ts";
// Fixtures of the configuration tests, here and under tests/ (not published).
import assert from "node:assert/strict";
import { ConfigValidationError } from "./config_validation_error.ts";
import type { YamlData } from "./_yaml_walk.ts";

const PULL = `${DEFAULT_PLUGIN.vendor}_pull`;
const CLOUD = DEFAULT_PLUGIN.transportDefaults?.mqtt?.broker;

/** The seed README's runtime.yaml: its vendor, pipeline name and broker from the default plugin. */
export const SEED_YAML: string = `version: 1

pipelines:
  ${PULL}:
    mode: pull
    transport: mqtt
    vendor: ${DEFAULT_PLUGIN.vendor}
    protocol: ${DEFAULT_PLUGIN.protocol}

defaults:
  poll_interval: 30
  transport:
    opts:
      broker: "\${MQTT_BROKER:-${CLOUD}}"
      port: 18760

devices:
  - id: living_room_battery
    pipeline: ${PULL}
    profile_id: EL100V2
    transport:
      opts:
        device_sn: "\${LIVING_ROOM_SN}"
        cert_password: "\${LIVING_ROOM_CERT_PASSWORD}"
`;

/** An environment reader over a fixed set of variables. */
export function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
}

/** The seed's two variables. */
export const SEED_ENV: Record<string, string> = {
  LIVING_ROOM_SN: "2237000012345",
  LIVING_ROOM_CERT_PASSWORD: "correct horse",
};

/** A pipeline and a device line, for small configurations. */
export function minimal(device: string, extra = ""): string {
  return [
    "version: 1",
    "pipelines:",
    `  p: { transport: mqtt, vendor: ${DEFAULT_PLUGIN.vendor}, protocol: ${DEFAULT_PLUGIN.protocol} }`,
    extra,
    "devices:",
    device,
  ].filter((line) => line !== "").join("\n");
}

/** The lines of the {@linkcode ConfigValidationError} `fn` throws, header removed. */
export function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, String(error));
    return error.message.split("\n").slice(1);
  }
  assert.fail("expected a ConfigValidationError");
}

/** A temporary folder and the path of `runtime.yaml` in it; removed on dispose. */
export interface TempConfig extends AsyncDisposable {
  /** The folder. */
  readonly dir: string;
  /** `<dir>/runtime.yaml`. */
  readonly file: string;
}

/** Makes a temporary folder and writes `text`, when given, to its `runtime.yaml`. */
export async function tempConfig(text?: string): Promise<TempConfig> {
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-config-" });
  const file = `${dir}/runtime.yaml`;
  if (text !== undefined) await Deno.writeTextFile(file, text);
  return { dir, file, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

/** Everything a YAML reading gives, as plain data two readings can be compared with. */
export function plainReading(data: YamlData): Record<string, unknown> {
  return {
    value: data.value,
    issues: data.issues,
    interpolated: data.interpolated,
    written: [...data.written],
    source: data.source.entries(),
  };
}
