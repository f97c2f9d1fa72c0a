// The precedence and the cross-reference checks of runtime.yaml, on a configuration whose
// invalid values were already removed (so it may lack anything). Private to
// src/runtime/config: resolveRuntime() and loadRuntimeConfig() both run it.
import { type DeviceProfile, findProfile } from "../../device/profile.ts";
import { knownPlugins } from "../../plugin/plugin.ts";
import type { ResolvedDevice, ResolvedGroup, ResolvedTransport } from "../types.ts";
import { didYouMean, didYouMeanSuffix } from "./_did_you_mean.ts";
import type { PathSegment, RawIssue } from "./_source.ts";
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

/** Built-in defaults of the transport options. */
export const BUILTIN_TRANSPORT = {
  broker: "iot.bluettipower.com",
  port: 18760,
  keepalive: 60,
  request: "SUB/{sn}",
  response: "PUB/{sn}",
} as const;

/** The sink every device without one writes to. */
export const DEFAULT_SINK = "stdout";

/** Built-in sink names: they always exist. */
export const BUILTIN_SINKS: readonly ("stdout" | "memory")[] = ["stdout", "memory"];

const QUEUE_DEFAULT: ResolvedSinkQueue = { size: 1000, drop: "oldest" };
const MEMORY_SIZE_DEFAULT = 100;

/** What resolution needs besides the configuration. */
export interface ResolveContext {
  readonly profiles: readonly DeviceProfile[];
  /** True when the value at the path (or an ancestor) was invalid and removed. */
  readonly isPruned: (segments: readonly PathSegment[]) => boolean;
}

interface Picked<T> {
  readonly value: T;
  readonly at: readonly PathSegment[];
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
  for (const [name, pipeline] of Object.entries(pipelines)) {
    checkSink(pipeline?.sink, ["pipelines", name, "sink"]);
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
    const transport = resolved.transport?.resolved;
    if (transport !== undefined) {
      // Serials are compared even for devices with other problems: every issue at once.
      const key = `${transport.broker}\u0000${transport.port}\u0000${transport.deviceSn}`;
      const name = device.id ?? `devices[${index}]`;
      const other = serials.get(key);
      if (other !== undefined) {
        issues.push({
          code: "CONFIG_INVALID",
          segments: resolved.transport!.snAt,
          message: `device_sn '${transport.deviceSn}' of device '${name}' is also the serial ` +
            `of device '${other.id}' (devices[${other.index}]) on the same broker`,
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
  return { runtime: { devices, sinks }, issues };
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
        if (sink.path === undefined) break;
        sinks[name] = { name, type: "jsonl", builtin: false, path: sink.path, queue };
        break;
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
      message: `sink cycle: ${cycle.names.join(" → ")}`,
    });
  }
  return sinks;
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

interface DeviceResolution {
  readonly device: ResolvedDevice | undefined;
  readonly profile: DeviceProfile | undefined;
  readonly transport:
    | { readonly resolved: ResolvedTransport; readonly snAt: readonly PathSegment[] }
    | undefined;
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

  let profile: DeviceProfile | undefined;
  if (device.profile_id !== undefined) {
    profile = lookupProfile(device.profile_id, context.profiles);
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
  } else ok = false;

  if (profile !== undefined && pipeline?.vendor !== undefined && pipeline.protocol !== undefined) {
    const plugin = knownPlugins().find((p) =>
      p.profiles.includes(profile!) || p.id === profile!.protocol
    );
    if (plugin?.vendor !== pipeline.vendor || plugin.protocol !== pipeline.protocol) {
      issue(
        [...base, "profile_id"],
        `profile ${profile.id} is a ${profile.vendor} ${profile.protocol} station, but pipeline '${pipelineName}' speaks ${pipeline.vendor}/${pipeline.protocol}`,
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
    },
  };
}

function lookupProfile(
  nameOrAlias: string,
  profiles: readonly DeviceProfile[],
): DeviceProfile | undefined {
  try {
    return findProfile(profiles, nameOrAlias);
  } catch {
    return undefined;
  }
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
): { resolved: ResolvedTransport; snAt: readonly PathSegment[] } | undefined {
  const layers: { opts: Loose<RuntimeTransportOpts> | undefined; at: PathSegment[] }[] = [
    { opts: device.transport?.opts, at: [...base, "transport", "opts"] },
    { opts: pipeline.transport_opts, at: ["pipelines", pipelineName, "transport_opts"] },
    { opts: config.defaults?.transport?.opts, at: ["defaults", "transport", "opts"] },
  ];
  function pick<K extends keyof RuntimeTransportOpts>(
    key: K,
  ): Picked<NonNullable<Loose<RuntimeTransportOpts>[K]> | null> | undefined {
    for (const layer of layers) {
      const value = layer.opts?.[key];
      if (value !== undefined) return { value, at: [...layer.at, key] };
    }
    return undefined;
  }
  function pickTopic(key: "request" | "response"): string | undefined {
    for (const layer of layers) {
      const value = layer.opts?.topics?.[key];
      if (value !== undefined) return value;
    }
    return undefined;
  }
  const sn = pick("device_sn");
  if (sn === undefined || sn.value === null) {
    const reported = layers.some((layer) => context.isPruned([...layer.at, "device_sn"]));
    if (!reported) {
      issue(
        [...base, "transport", "opts", "device_sn"],
        "missing device_sn: set it here, in the pipeline's transport_opts or in defaults.transport.opts",
        { expected: "a serial number" },
      );
    }
    return undefined;
  }
  const text = (value: unknown): string | null =>
    typeof value === "string" && value !== "" ? value : null;
  return {
    snAt: sn.at,
    resolved: {
      type: pipeline.transport ?? "mqtt",
      broker: text(pick("broker")?.value) ?? BUILTIN_TRANSPORT.broker,
      port: (pick("port")?.value as number | undefined) ?? BUILTIN_TRANSPORT.port,
      deviceSn: sn.value as string,
      certFile: text(pick("cert_file")?.value),
      certPassword: (pick("cert_password")?.value as string | null | undefined) ?? null,
      caFile: text(pick("ca_file")?.value),
      framing: (pick("framing")?.value as ResolvedTransport["framing"] | undefined) ??
        profile.defaultFraming,
      topics: {
        request: pickTopic("request") ?? BUILTIN_TRANSPORT.request,
        response: pickTopic("response") ?? BUILTIN_TRANSPORT.response,
      },
      keepalive: (pick("keepalive")?.value as number | undefined) ?? BUILTIN_TRANSPORT.keepalive,
      allowInsecure: (pick("allow_insecure")?.value as boolean | undefined) ?? false,
    },
  };
}
