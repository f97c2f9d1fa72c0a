// The precedence and the cross-reference checks of runtime.yaml, on a configuration whose
// invalid values were already removed (so it may lack anything). Private to
// src/runtime/config: resolveRuntime() and loadRuntimeConfig() both run it.
import type { DeviceProfile } from "../../device/profile.ts";
import type { AnyTransportDefinition } from "../../transport/transport_definition.ts";
import type { RuntimeRegistry } from "../runtime_registry.ts";
import { flattenIssues, toRawIssues } from "./_issues.ts";
import type { AdmissionOptions } from "../executor.ts";
import type { ResolvedDevice, ResolvedGroup, ResolvedTransport } from "../types.ts";
import { didYouMean, didYouMeanSuffix } from "../../_shared/did_you_mean.ts";
import type { ProfileFiles } from "./_profile_files.ts";
import { formatPath, type PathSegment, type RawIssue } from "./_source.ts";
import type { ProtocolPlugin } from "../../plugin/plugin.ts";
import type {
  RuntimeConfig,
  RuntimeDeviceConfig,
  RuntimePipelineConfig,
  RuntimeTransportOpts,
} from "./runtime_config.ts";
import type { ResolvedRuntime, ResolvedSinkConfig, ResolvedSinkQueue } from "./resolve.ts";

/** Any part may be missing: it was invalid (and reported) or left out. */
export type Loose<T> = T extends readonly (infer U)[] ? readonly (Loose<U> | undefined)[]
  : T extends object ? { readonly [K in keyof T]?: Loose<T[K]> }
  : T;

/** The sink every device without one writes to. */
export const DEFAULT_SINK = "stdout";

/** Built-in sink names: they always exist. */
export const BUILTIN_SINKS: readonly ("stdout" | "memory")[] = ["stdout", "memory"];

const QUEUE_DEFAULT: ResolvedSinkQueue = { size: 1000, drop: "oldest" };
const MEMORY_SIZE_DEFAULT = 100;

/** What resolution needs besides the configuration. */
export interface ResolveContext {
  /** Every profile a `profile_id` may name, in lookup order (for messages). */
  readonly profiles: readonly DeviceProfile[];
  /** The first of `profiles` that `nameOrAlias` names; may build fewer of them. */
  readonly findProfile: (nameOrAlias: string) => DeviceProfile | undefined;
  readonly registry: RuntimeRegistry;
  /** True when the value at the path (or an ancestor) was invalid and removed. */
  readonly isPruned: (segments: readonly PathSegment[]) => boolean;
  /** Where `profile_file` values are read. */
  readonly profileFiles: ProfileFiles;
}

/** Apply the precedence and check every cross-reference. */
export function resolveLoose(
  config: Loose<RuntimeConfig>,
  context: ResolveContext,
): { runtime: ResolvedRuntime; issues: RawIssue[] } {
  const issues: RawIssue[] = [];
  const sinks = resolveSinks(config, issues);
  // Declared sinks count as known even when invalid: their own issues were reported.
  const known = [...new Set([...BUILTIN_SINKS, ...Object.keys(config.sinks ?? {})])];
  const checkSink = (name: string | undefined, at: readonly PathSegment[]) => {
    if (name === undefined || known.includes(name)) return;
    issues.push({
      code: "CONFIG_INVALID",
      segments: at,
      message: `unknown sink '${name}' (known sinks: ${known.join(", ")})${
        didYouMeanSuffix(name, known)
      }`,
      expected: `one of ${known.join(", ")}`,
    });
  };
  checkSink(config.defaults?.sink, ["defaults", "sink"]);
  const pipelines = config.pipelines ?? {};
  const plugins = context.registry.plugins();
  for (const [name, pipeline] of Object.entries(pipelines)) {
    checkSink(pipeline?.sink, ["pipelines", name, "sink"]);
    const { vendor, protocol } = pipeline ?? {};
    if (vendor === undefined || protocol === undefined) continue;
    if (plugins.some((p) => p.vendor === vendor && p.protocol === protocol)) continue;
    const known = plugins.map((p) => `${p.vendor}/${p.protocol}`);
    issues.push({
      code: "CONFIG_INVALID",
      segments: ["pipelines", name, "protocol"],
      message: `no plugin is vendor '${vendor}' with protocol '${protocol}' (registered: ${
        known.join(", ")
      })`,
      expected: `one of ${
        plugins.filter((p) => p.vendor === vendor).map((p) => p.protocol).join(", ")
      }`,
    });
  }

  const devices: ResolvedDevice[] = [];
  const ids = new Map<string, number>();
  const serials = new Map<string, { index: number; id: string }>();
  const usedProfiles = new Set<DeviceProfile>();
  (config.devices ?? []).forEach((device, index) => {
    if (device === undefined) return;
    const resolved = resolveDevice(device, index, config, context, issues, ids);
    checkSink(device.sink, ["devices", index, "sink"]);
    if (resolved.profile !== undefined) usedProfiles.add(resolved.profile);
    const unique = resolved.transport?.unique;
    if (unique !== undefined) {
      // Endpoints are compared even for devices with other problems: every issue at once.
      const key = `${resolved.transport!.resolved.type}\u0000${unique.key}`;
      const name = device.id ?? `devices[${index}]`;
      const other = serials.get(key);
      if (other !== undefined) {
        issues.push({
          code: "CONFIG_INVALID",
          segments: unique.at,
          message: `${unique.option} '${unique.value}' of device '${name}' is also the ` +
            `${unique.noun} of device '${other.id}' (devices[${other.index}]) on the same ${unique.within}`,
        });
        return;
      }
      serials.set(key, { index, id: name });
    }
    if (resolved.device === undefined) return;
    devices.push(resolved.device);
  });

  const defaultGroups = config.defaults?.groups;
  if (defaultGroups !== undefined && usedProfiles.size > 0) {
    const all = [...new Set([...usedProfiles].flatMap((p) => p.groups.map((g) => g.name)))];
    defaultGroups.forEach((name, j) => {
      if (name === undefined || all.includes(name)) return;
      issues.push({
        code: "CONFIG_INVALID",
        segments: ["defaults", "groups", j],
        message: `unknown group '${name}': no device's profile has it (their groups: ${
          all.join(", ")
        })${didYouMeanSuffix(name, all)}`,
        expected: `one of ${all.join(", ")}`,
      });
    });
  }
  const admission = resolveAdmission(config.limits?.admission);
  return {
    runtime: admission === undefined ? { devices, sinks } : { devices, sinks, admission },
    issues,
  };
}

/** `limits.admission`: `false` off; thresholds in ms; undefined for the executor's defaults. */
function resolveAdmission(given: unknown): AdmissionOptions | false | undefined {
  if (given === false) return false;
  if (given === null || typeof given !== "object") return undefined;
  const a = given as Record<string, unknown>;
  const out: Record<string, number> = {};
  const ms = (key: string, to: string) => {
    if (typeof a[key] === "number") out[to] = Math.round(a[key] * 1000);
  };
  const plain = (key: string, to: string) => {
    if (typeof a[key] === "number") out[to] = a[key];
  };
  ms("late_after", "lateMs");
  plain("late_share", "lateShare");
  ms("window", "windowMs");
  plain("over_windows", "overWindows");
  plain("shed_step", "shedStep");
  ms("admit_after", "admitAfterMs");
  return out as AdmissionOptions;
}

function resolveSinks(
  config: Loose<RuntimeConfig>,
  issues: RawIssue[],
): Record<string, ResolvedSinkConfig> {
  const declared = config.sinks ?? {};
  const names = [...new Set([...BUILTIN_SINKS, ...Object.keys(declared)])];
  const sinks: Record<string, ResolvedSinkConfig> = {
    stdout: { name: "stdout", type: "stdout", builtin: true, queue: QUEUE_DEFAULT },
    memory: {
      name: "memory",
      type: "memory",
      builtin: true,
      size: MEMORY_SIZE_DEFAULT,
      queue: QUEUE_DEFAULT,
    },
  };
  const edges = new Map<string, { child: string; index: number }[]>();
  for (const [name, sink] of Object.entries(declared)) {
    if (sink === undefined || sink.type === undefined) continue;
    if ((BUILTIN_SINKS as readonly string[]).includes(name) && sink.type !== name) {
      issues.push({
        code: "CONFIG_INVALID",
        segments: ["sinks", name, "type"],
        message:
          `expected ${name}, got "${sink.type}": the built-in sink name '${name}' can only be redefined with type ${name}`,
        expected: name,
      });
      continue;
    }
    const queue: ResolvedSinkQueue = {
      size: sink.queue?.size ?? QUEUE_DEFAULT.size,
      drop: sink.queue?.drop ?? QUEUE_DEFAULT.drop,
    };
    switch (sink.type) {
      case "stdout":
        sinks[name] = { name, type: "stdout", builtin: false, queue };
        break;
      case "memory":
        sinks[name] = {
          name,
          type: "memory",
          builtin: false,
          size: sink.size ?? MEMORY_SIZE_DEFAULT,
          queue,
        };
        break;
      case "jsonl":
      case "record":
        if (sink.path === undefined) break;
        sinks[name] = { name, type: sink.type, builtin: false, path: sink.path, queue };
        break;
      case "mqtt":
      case "homeassistant":
      case "prometheus":
      case "influxdb": {
        const { type, queue: _queue, ...options } = sink as Record<string, unknown>;
        sinks[name] = {
          name,
          type: type as "mqtt" | "homeassistant" | "prometheus" | "influxdb",
          builtin: false,
          options,
          queue,
        };
        if (type === "influxdb") checkInfluxDb(name, options, issues);
        break;
      }
      case "composite": {
        const children: string[] = [];
        const list: { child: string; index: number }[] = [];
        (sink.sinks ?? []).forEach((child, index) => {
          if (child === undefined) return;
          if (!names.includes(child)) {
            issues.push({
              code: "CONFIG_INVALID",
              segments: ["sinks", name, "sinks", index],
              message: `unknown sink '${child}' (known sinks: ${names.join(", ")})${
                didYouMeanSuffix(child, names)
              }`,
              expected: `one of ${names.join(", ")}`,
            });
            return;
          }
          children.push(child);
          list.push({ child, index });
        });
        edges.set(name, list);
        if (sink.sinks !== undefined) {
          sinks[name] = { name, type: "composite", builtin: false, sinks: children, queue };
        }
        break;
      }
    }
  }
  for (const cycle of findCycles(edges)) {
    issues.push({
      code: "CONFIG_INVALID",
      segments: cycle.at,
      message: `sink cycle: ${cycle.names.join(" \u2192 ")}`,
    });
  }
  return sinks;
}

/** An influxdb sink names v1 (`database`) or v2 (`org`, `bucket`, `token`), not both. */
function checkInfluxDb(
  name: string,
  options: Readonly<Record<string, unknown>>,
  issues: RawIssue[],
): void {
  const v2 = ["org", "bucket", "token"].filter((k) => options[k] !== undefined);
  const v1 = ["database", "retention_policy", "username", "password"].filter((k) =>
    options[k] !== undefined
  );
  if (v2.length > 0 && v1.length > 0) {
    issues.push({
      code: "CONFIG_INVALID",
      segments: ["sinks", name, v1[0]!],
      message:
        `an influxdb sink is either v1 (database, retention_policy, username, password) or v2 (org, bucket, token): got ${
          [...v1, ...v2].join(", ")
        }`,
    });
  } else if (v2.length > 0 && v2.length < 3) {
    const missing = ["org", "bucket", "token"].filter((k) => options[k] === undefined);
    issues.push({
      code: "CONFIG_INVALID",
      segments: ["sinks", name],
      message: `an influxdb v2 sink needs org, bucket and token: missing ${missing.join(", ")}`,
    });
  } else if (v2.length === 0 && options.database === undefined) {
    issues.push({
      code: "CONFIG_INVALID",
      segments: ["sinks", name],
      message: "an influxdb sink needs database (v1) or org, bucket and token (v2)",
    });
  }
}

/** Every cycle of composite sinks once, reported at the edge that closes it. */
function findCycles(
  edges: ReadonlyMap<string, readonly { child: string; index: number }[]>,
): { names: string[]; at: PathSegment[] }[] {
  const cycles: { names: string[]; at: PathSegment[] }[] = [];
  const seen = new Set<string>();
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (node: string) => {
    stack.push(node);
    for (const { child, index } of edges.get(node) ?? []) {
      const start = stack.indexOf(child);
      if (start >= 0) {
        const names = [...stack.slice(start), child];
        const key = canonical(names.slice(0, -1));
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push({ names, at: ["sinks", node, "sinks", index] });
        }
      } else if (!done.has(child)) {
        visit(child);
      }
    }
    stack.pop();
    done.add(node);
  };
  for (const node of edges.keys()) if (!done.has(node)) visit(node);
  return cycles;
}

function canonical(ring: readonly string[]): string {
  const rotations = ring.map((_, i) => [...ring.slice(i), ...ring.slice(0, i)].join("\u0000"));
  return rotations.sort()[0] ?? "";
}

interface TransportResolution {
  readonly resolved: ResolvedTransport;
  readonly unique?: {
    readonly key: string;
    readonly value: unknown;
    readonly option: string;
    readonly noun: string;
    readonly within: string;
    readonly at: readonly PathSegment[];
  };
}

interface DeviceResolution {
  readonly device: ResolvedDevice | undefined;
  readonly profile: DeviceProfile | undefined;
  readonly transport: TransportResolution | undefined;
}

function resolveDevice(
  device: Loose<RuntimeDeviceConfig>,
  index: number,
  config: Loose<RuntimeConfig>,
  context: ResolveContext,
  issues: RawIssue[],
  ids: Map<string, number>,
): DeviceResolution {
  const base: PathSegment[] = ["devices", index];
  let ok = true;
  const issue = (segments: PathSegment[], message: string, extra: Partial<RawIssue> = {}) => {
    issues.push({ code: "CONFIG_INVALID", segments, message, ...extra });
    ok = false;
  };

  const id = device.id;
  if (id !== undefined) {
    const first = ids.get(id);
    if (first !== undefined) {
      issue([...base, "id"], `duplicate device id '${id}' (first at devices[${first}])`);
    } else ids.set(id, index);
  } else ok = false;

  const pipelines = config.pipelines ?? {};
  const pipelineName = device.pipeline;
  let pipeline: Loose<RuntimePipelineConfig> | undefined;
  if (pipelineName !== undefined) {
    if (Object.hasOwn(pipelines, pipelineName)) {
      pipeline = pipelines[pipelineName];
    } else {
      const known = Object.keys(pipelines);
      issue(
        [...base, "pipeline"],
        `unknown pipeline '${pipelineName}' (${
          known.length === 0 ? "no pipelines are defined" : `known pipelines: ${known.join(", ")}`
        })${didYouMeanSuffix(pipelineName, known)}`,
        known.length === 0 ? {} : { expected: `one of ${known.join(", ")}` },
      );
    }
  }
  if (
    pipeline === undefined || pipeline.transport === undefined || pipeline.vendor === undefined ||
    pipeline.protocol === undefined
  ) ok = false;

  const pipelinePlugin = context.registry.plugins().find((p) =>
    p.vendor === pipeline?.vendor && p.protocol === pipeline?.protocol
  );
  if (pipeline !== undefined && pipelinePlugin === undefined) ok = false; // reported at the pipeline
  let profile: DeviceProfile | undefined;
  let fromFile: { plugin: ProtocolPlugin; path: string } | undefined;
  const fileAt: PathSegment[] = device.profile_file !== undefined
    ? [...base, "profile_file"]
    : ["pipelines", pipelineName ?? "", "profile_file"];
  const profileFile = device.profile_id === undefined
    ? device.profile_file ?? pipeline?.profile_file
    : undefined;
  if (device.profile_id !== undefined && device.profile_file !== undefined) {
    issue(
      [...base, "profile_file"],
      "give profile_id or profile_file, not both (profile_file is a register map describing the device)",
    );
  } else if (device.profile_id !== undefined) {
    profile = context.findProfile(device.profile_id);
    if (profile === undefined) {
      const known = context.profiles.map((p) => p.id).join(", ") || "none";
      const candidates = context.profiles.flatMap((p) => [p.id, ...p.aliases]);
      const guess = didYouMean(device.profile_id, candidates);
      const guessId = context.profiles.find((p) =>
        p.id === guess || p.aliases.includes(guess ?? "")
      )?.id;
      issue(
        [...base, "profile_id"],
        `unknown profile '${device.profile_id}' (known profiles: ${known})${
          guessId === undefined ? "" : `; did you mean '${guessId}'?`
        }`,
        {
          code: "CONFIG_UNKNOWN_PROFILE",
          expected: `one of ${context.profiles.map((p) => p.id).join(", ")}`,
        },
      );
    }
  } else if (profileFile !== undefined) {
    if (pipelinePlugin === undefined) {
      ok = false; // the pipeline's problem is reported
    } else if (pipelinePlugin.loadProfileFile === undefined) {
      const takers = context.registry.plugins().filter((p) => p.loadProfileFile !== undefined)
        .map((p) => `${p.vendor}/${p.protocol}`);
      issue(
        fileAt,
        `plugin ${pipelinePlugin.vendor}/${pipelinePlugin.protocol} of pipeline '${pipelineName}' takes no register-map file (plugins that do: ${
          takers.join(", ") || "none"
        })`,
      );
    } else {
      const outcome = context.profileFiles.load(profileFile, pipelinePlugin);
      if ("plugin" in outcome) {
        fromFile = outcome;
        profile = outcome.plugin.profiles[0];
      } else if ("unreadable" in outcome) {
        issue(fileAt, outcome.unreadable);
      } else {
        issue(fileAt, `${outcome.message} (the register map of ${formatPath(fileAt)})`, {
          located: {
            file: outcome.file,
            line: outcome.line,
            column: outcome.column,
            path: outcome.path,
          },
        });
      }
    }
  } else if (
    !context.isPruned([...base, "profile_id"]) && !context.isPruned([...base, "profile_file"])
  ) {
    issue(
      [...base, "profile_id"],
      "missing required key 'profile_id': expected a profile id, name or alias (or a profile_file)",
      { expected: "a profile id, name or alias" },
    );
  } else ok = false;

  if (profile !== undefined && pipelinePlugin !== undefined && fromFile === undefined) {
    const plugin = context.registry.plugins().find((p) =>
      p.profiles.includes(profile!) || p.id === profile!.protocol
    );
    if (plugin !== pipelinePlugin) {
      issue(
        [...base, "profile_id"],
        `profile ${profile.id} is a ${profile.vendor} ${profile.protocol} station, but pipeline '${pipelineName}' speaks ${pipelinePlugin.vendor}/${pipelinePlugin.protocol}`,
      );
    }
  }

  const mode = pipeline?.mode ?? "pull";
  let groups: ResolvedGroup[] = [];
  if (mode === "push") {
    for (const key of ["groups", "poll_interval"] as const) {
      if (device[key] !== undefined) {
        issue(
          [...base, key],
          `a push pipeline does not poll: remove '${key}' (pipeline '${pipelineName}' has mode push)`,
        );
      }
    }
  } else if (profile !== undefined) {
    const resolvedGroups = resolveGroups(device, base, profile, pipeline, config, issue);
    if (resolvedGroups === undefined) ok = false;
    else groups = resolvedGroups;
  }

  const transport = pipeline !== undefined && pipelineName !== undefined && profile !== undefined
    ? resolveTransport(device, base, pipeline, pipelineName, profile, config, context, issue)
    : undefined;
  if (transport === undefined) ok = false;

  const sink = device.sink ?? pipeline?.sink ?? config.defaults?.sink ?? DEFAULT_SINK;
  if (
    !ok || id === undefined || pipelineName === undefined || pipeline === undefined ||
    profile === undefined || transport === undefined
  ) {
    return { device: undefined, profile, transport };
  }
  return {
    profile,
    transport,
    device: {
      id,
      pipeline: pipelineName,
      mode,
      vendor: pipeline.vendor!,
      protocol: pipeline.protocol!,
      profileId: profile.id,
      transport: transport.resolved,
      groups,
      sink,
      deviceAddress: device.options?.device_address ?? null,
      protocolVersion: device.options?.protocol_version ?? profile.protocolVersion,
      writeEnabled: device.options?.write_enabled ?? config.defaults?.write_enabled ?? false,
      ...(fromFile === undefined ? {} : { profileFile: fromFile.path, plugin: fromFile.plugin }),
    },
  };
}

function resolveGroups(
  device: Loose<RuntimeDeviceConfig>,
  base: PathSegment[],
  profile: DeviceProfile,
  pipeline: Loose<RuntimePipelineConfig> | undefined,
  config: Loose<RuntimeConfig>,
  issue: (segments: PathSegment[], message: string, extra?: Partial<RawIssue>) => void,
): ResolvedGroup[] | undefined {
  const names = profile.groups.map((g) => g.name);
  const seconds = device.poll_interval ?? pipeline?.poll_interval ??
    config.defaults?.poll_interval;
  const cadence = (name: string, own?: number): ResolvedGroup => {
    const def = profile.groups.find((g) => g.name === name)!;
    const s = own ?? seconds;
    return { name, intervalMs: s === undefined ? def.pollIntervalMs : Math.round(s * 1000) };
  };
  const unknown = (name: string, segments: PathSegment[], extra: Partial<RawIssue> = {}) =>
    issue(
      segments,
      `unknown group '${name}' of profile ${profile.id} (its groups: ${names.join(", ")})${
        didYouMeanSuffix(name, names)
      }`,
      { expected: `one of ${names.join(", ")}`, ...extra },
    );
  const groups = device.groups;
  let ok = true;
  const out: ResolvedGroup[] = [];
  const seen = new Set<string>();
  if (Array.isArray(groups)) {
    (groups as readonly (string | undefined)[]).forEach((name, j) => {
      if (name === undefined) return;
      if (!names.includes(name)) {
        unknown(name, [...base, "groups", j]);
        ok = false;
      } else if (seen.has(name)) {
        issue([...base, "groups", j], `duplicate group '${name}'`);
        ok = false;
      } else {
        seen.add(name);
        out.push(cadence(name));
      }
    });
    return ok ? out : undefined;
  }
  if (groups !== undefined) {
    const entries = Object.entries(groups as Readonly<Record<string, number | undefined>>);
    if (entries.length === 0) {
      issue([...base, "groups"], "expected at least one group, got an empty mapping");
      return undefined;
    }
    for (const [name, own] of entries) {
      if (!names.includes(name)) {
        unknown(name, [...base, "groups", name], { at: "key" });
        ok = false;
      } else out.push(cadence(name, own));
    }
    return ok ? out : undefined;
  }
  const defaults = config.defaults?.groups;
  if (defaults !== undefined) {
    const listed = defaults.filter((name): name is string => name !== undefined);
    const kept = [...new Set(listed.filter((name) => names.includes(name)))];
    if (kept.length === 0) {
      if (listed.length > 0) {
        issue(
          [...base, "profile_id"],
          `none of defaults.groups (${listed.join(", ")}) is a group of profile ${profile.id}: ` +
            `list the device's own groups (its groups: ${names.join(", ")})`,
        );
      }
      return undefined;
    }
    return kept.map((name) => cadence(name));
  }
  return names.map((name) => cadence(name));
}

function resolveTransport(
  device: Loose<RuntimeDeviceConfig>,
  base: PathSegment[],
  pipeline: Loose<RuntimePipelineConfig>,
  pipelineName: string,
  profile: DeviceProfile,
  config: Loose<RuntimeConfig>,
  context: ResolveContext,
  issue: (segments: PathSegment[], message: string, extra?: Partial<RawIssue>) => void,
): TransportResolution | undefined {
  const definition = context.registry.transports().find((t) => t.name === pipeline.transport);
  if (definition === undefined) return undefined; // reported by the schema
  const plugin = context.registry.plugins().find((p) =>
    p.vendor === pipeline.vendor && p.protocol === pipeline.protocol
  );
  const layers: { opts: Loose<RuntimeTransportOpts> | undefined; at: PathSegment[] }[] = [
    { opts: device.transport?.opts, at: [...base, "transport", "opts"] },
    { opts: pipeline.transport_opts, at: ["pipelines", pipelineName, "transport_opts"] },
    { opts: config.defaults?.transport?.opts, at: ["defaults", "transport", "opts"] },
  ];
  let ok = checkLayers(definition, layers, issue);
  const merged = mergeLayers([
    definition.defaults,
    plugin?.transportDefaults?.[definition.name] ?? {},
    ...layers.map((layer) => withoutFraming(layer.opts)).reverse(),
  ]);
  for (const required of definition.required) {
    const path = required.split(".");
    if (valueAtPath(merged, path) !== undefined && valueAtPath(merged, path) !== null) continue;
    ok = false;
    const reported = layers.some((layer) =>
      path.some((_, i) => context.isPruned([...layer.at, ...path.slice(0, i + 1)]))
    );
    if (reported) continue;
    issue(
      [...base, "transport", "opts", ...path],
      `missing ${required}: set it here, in the pipeline's transport_opts or in defaults.transport.opts`,
      { expected: required === "device_sn" ? "a serial number" : `a value for ${required}` },
    );
  }
  if (!ok) return undefined;
  const parsed = definition.options.safeParse(merged);
  if (!parsed.success) return undefined; // each layer's values were checked above
  const options = parsed.data as Record<string, unknown>;
  const problems = definition.check?.(options) ?? [];
  for (const problem of problems) {
    // At the level that set the option; else (a default) at the device's opts.
    const at = layers.find((layer) => layer.opts?.[problem.option] !== undefined)?.at ??
      [...base, "transport", "opts"];
    issue([...at, problem.option], problem.message);
  }
  if (problems.length > 0) return undefined;
  const framing = layers.map((layer) => layer.opts?.framing).find((f) => f !== undefined);
  const unique = definition.unique;
  const uniqueAt = unique === undefined
    ? undefined
    : layers.find((layer) => layer.opts?.[unique.option] !== undefined)?.at;
  return {
    resolved: {
      type: definition.name,
      framing: typeof framing === "string" ? framing : profile.defaultFraming,
      options,
    },
    ...(unique === undefined ? {} : {
      unique: {
        key: unique.key(options),
        value: options[unique.option],
        option: unique.option,
        noun: unique.noun,
        within: unique.within,
        at: [...(uniqueAt ?? [...base, "transport", "opts"]), unique.option],
      },
    }),
  };
}

/**
 * Every key of every level must be one of the transport's (or `framing`) and valid by its
 * schema; a key another transport defines differently is only checked here.
 */
function checkLayers(
  definition: AnyTransportDefinition,
  layers: readonly { opts: Loose<RuntimeTransportOpts> | undefined; at: PathSegment[] }[],
  issue: (segments: PathSegment[], message: string, extra?: Partial<RawIssue>) => void,
): boolean {
  const shape = definition.options.shape as Record<string, unknown>;
  const keys = Object.keys(shape);
  let ok = true;
  for (const layer of layers) {
    const opts = layer.opts;
    if (opts === undefined || opts === null || typeof opts !== "object") continue;
    const own: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(opts)) {
      if (key === "framing" || value === undefined) continue;
      if (!Object.hasOwn(shape, key)) {
        ok = false;
        issue(
          [...layer.at, key],
          `option '${key}' is not an option of transport '${definition.name}' (its options: ${
            keys.join(", ")
          })${didYouMeanSuffix(key, keys)}`,
          { at: "key" },
        );
        continue;
      }
      own[key] = value;
    }
    const schema = definition.options;
    const parsed = schema.safeParse(own);
    if (parsed.success) continue;
    ok = false;
    for (const raw of toRawIssues(flattenIssues(parsed.error.issues), own, schema)) {
      issue([...layer.at, ...raw.segments], raw.message, {
        ...(raw.expected === undefined ? {} : { expected: raw.expected }),
      });
    }
  }
  return ok;
}

function withoutFraming(
  opts: Loose<RuntimeTransportOpts> | undefined,
): Readonly<Record<string, unknown>> {
  if (opts === undefined || opts === null || typeof opts !== "object") return {};
  const { framing: _, ...rest } = opts as Record<string, unknown>;
  return rest;
}

/** Later layers win, key by key; plain mappings merge key by key; undefined is no value. */
function mergeLayers(
  layers: readonly Readonly<Record<string, unknown>>[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const before = out[key];
      out[key] = isMapping(value) && isMapping(before)
        ? mergeLayers([before, value])
        : isMapping(value)
        ? mergeLayers([value])
        : value;
    }
  }
  return out;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function valueAtPath(data: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let value: unknown = data;
  for (const key of path) {
    if (!isMapping(value)) return undefined;
    value = value[key];
  }
  return value;
}
