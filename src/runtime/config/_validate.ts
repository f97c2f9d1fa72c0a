// The whole check of a configuration: schema, coercion of interpolated strings, then the
// precedence and cross-references on what was valid. Private to src/runtime/config.
import { copyData } from "../../_shared/copy_data.ts";
import type { DeviceProfile } from "../../device/profile.ts";
import { coerceInterpolated, flattenIssues, removeAt, toRawIssues } from "./_issues.ts";
import { type Loose, resolveLoose } from "./_resolve.ts";
import { profileNamed } from "../../device/profile.ts";
import { pluginProfileNamed } from "../../plugin/plugin.ts";
import { ProfileFiles } from "./_profile_files.ts";
import { buildRuntimeConfigSchema, type SchemaSources } from "./_schema.ts";
import { framingNames } from "../../protocol/framing.ts";
import type { RuntimeRegistry } from "../runtime_registry.ts";
import { formatPath, type PathSegment, type RawIssue } from "./_source.ts";
import type { ResolvedRuntime } from "./resolve.ts";
import type { RuntimeConfig } from "./runtime_config.ts";

/** What to check. */
export interface ValidateInput {
  /** Plain data: from YAML, or a configuration built in code. */
  readonly data: unknown;
  /**
   * The profiles device `profile_id`s are looked up in. @default {the profiles of the
   * registry's plugins, plugin by plugin: a plugin's profiles are built when a lookup reaches
   * them}
   */
  readonly profiles?: readonly DeviceProfile[];
  /** The plugins and transports that vendor, protocol, transport and opts are checked against. */
  readonly registry: RuntimeRegistry;
  /** Issues found while reading the text (duplicate keys, variables). */
  readonly preIssues?: readonly RawIssue[];
  /** Paths of the interpolated strings (only those are coerced). */
  readonly interpolated?: readonly (readonly PathSegment[])[];
  /**
   * The text as written of each interpolated string, by formatted path: messages show it
   * (`"${CERT_PW}"`), never the value that came from the environment.
   */
  readonly written?: ReadonlyMap<string, string>;
  /** Where `profile_file` values are read. @default {relative to the working folder} */
  readonly profileFiles?: ProfileFiles;
}

/** The outcome: the valid configuration and its resolution, or the issues. */
export interface ValidateOutput {
  readonly config: RuntimeConfig | undefined;
  readonly resolved: ResolvedRuntime | undefined;
  readonly issues: readonly RawIssue[];
}

let lastSchema:
  | {
    readonly sources: SchemaSources;
    readonly schema: ReturnType<typeof buildRuntimeConfigSchema>;
  }
  | undefined;

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/**
 * The schema for these transports, plugins and framings: the last one built when they are the
 * same (`runtime` loads a file, then resolves it: building it takes longer than a check).
 */
function schemaOf(sources: SchemaSources) {
  const last = lastSchema;
  if (
    last !== undefined && sameItems(last.sources.transports, sources.transports) &&
    sameItems(last.sources.plugins, sources.plugins) &&
    sameItems(last.sources.framings, sources.framings)
  ) {
    return last.schema;
  }
  const schema = buildRuntimeConfigSchema(sources);
  lastSchema = { sources, schema };
  return schema;
}

/** Check everything, collecting every issue. */
export function validateConfig(input: ValidateInput): ValidateOutput {
  const pre = input.preIssues ?? [];
  const data = copyData(input.data);
  const interpolated = new Set((input.interpolated ?? []).map(formatPath));
  const written = input.written ?? new Map<string, string>();
  const RuntimeConfigSchema = schemaOf({
    transports: input.registry.transports(),
    plugins: input.registry.plugins(),
    framings: framingNames(),
  });
  let parsed = RuntimeConfigSchema.safeParse(data);
  for (let round = 0; !parsed.success && interpolated.size > 0 && round < 2; round++) {
    const leaves = flattenIssues(parsed.error.issues);
    if (!coerceInterpolated(leaves, data, interpolated, RuntimeConfigSchema)) break;
    parsed = RuntimeConfigSchema.safeParse(data);
  }
  // A value that already failed while reading (an unset variable) is not reported twice.
  const preBlocked = pre.filter((issue) => !issue.keepValue).map((issue) => issue.segments);
  const schemaIssues = parsed.success
    ? []
    : toRawIssues(flattenIssues(parsed.error.issues), data, RuntimeConfigSchema, written)
      .filter((issue) => !preBlocked.some((blocked) => startsWith(issue.segments, blocked)));

  const pruned: (readonly PathSegment[])[] = [];
  let loose: unknown;
  if (parsed.success && pre.length === 0) {
    loose = parsed.data;
  } else {
    loose = copyData(data);
    for (const issue of [...pre, ...schemaIssues]) {
      if (issue.keepValue) continue;
      if (issue.segments.length === 0) loose = undefined;
      else removeAt(loose, issue.segments);
      pruned.push(issue.segments);
    }
  }
  let resolved: ResolvedRuntime | undefined;
  const resolveIssues: RawIssue[] = [];
  if (loose !== null && typeof loose === "object" && !Array.isArray(loose)) {
    const given = input.profiles;
    let all: readonly DeviceProfile[] | undefined;
    const result = resolveLoose(loose as Loose<RuntimeConfig>, {
      get profiles() {
        return given ?? (all ??= input.registry.plugins().flatMap((p) => p.profiles));
      },
      findProfile: (nameOrAlias) =>
        given !== undefined
          ? profileNamed(given, nameOrAlias)
          : pluginProfileNamed(input.registry.plugins(), nameOrAlias),
      registry: input.registry,
      isPruned: (segments) => pruned.some((p) => startsWith(segments, p)),
      profileFiles: input.profileFiles ?? new ProfileFiles(undefined, undefined),
    });
    resolved = result.runtime;
    resolveIssues.push(...result.issues);
  }
  const issues = hideEnvironmentValues(
    [...pre, ...schemaIssues, ...resolveIssues],
    input.data,
    written,
  );
  const ok = issues.length === 0 && parsed.success;
  return {
    config: ok && parsed.success ? parsed.data as RuntimeConfig : undefined,
    resolved: ok ? resolved : undefined,
    issues,
  };
}

/**
 * Replace, in every message, a value that came from the environment by the text written in the
 * file (`${CERT_PW}`): whatever check quoted it, the value itself is never shown.
 */
function hideEnvironmentValues(
  issues: readonly RawIssue[],
  data: unknown,
  written: ReadonlyMap<string, string>,
): RawIssue[] {
  const replacements: [string, string][] = [];
  for (const [path, text] of written) {
    const value = valueAtFormatted(data, path);
    if (typeof value !== "string" || value === "" || value === text) continue;
    replacements.push([`'${value}'`, `'${text}'`], [JSON.stringify(value), JSON.stringify(text)]);
    // Unquoted too, where it cannot be a piece of an ordinary word.
    if (value.length >= 4) replacements.push([value, text]);
  }
  // The longest first, so that a value inside another is not replaced in it first.
  replacements.sort((a, b) => b[0].length - a[0].length);
  return issues.map((issue) => {
    let message = issue.message;
    for (const [value, text] of replacements) message = message.replaceAll(value, text);
    message = truncateQuoted(message);
    return message === issue.message ? issue : { ...issue, message };
  });
}

/** The longest value quoted whole in a message; a longer one is cut. */
const MAX_QUOTED_LENGTH = 60;
// A quoted word: after the start, a space or "(", without spaces (values with spaces are at
// most MAX_STRING_LENGTH long anyway).
const LONG_QUOTED = new RegExp(`(^|[\\s(])'([^'\\s]{${MAX_QUOTED_LENGTH + 1},})'`, "g");

/** Cut every long single-quoted value of a message (`'aaaa...'`, as describeValue does). */
function truncateQuoted(message: string): string {
  return message.replace(
    LONG_QUOTED,
    (_, before: string, value: string) => `${before}'${value.slice(0, MAX_QUOTED_LENGTH - 3)}...'`,
  );
}

function valueAtFormatted(data: unknown, path: string): unknown {
  return formattedPaths(data).get(path);
}

const FORMATTED = new WeakMap<object, Map<string, unknown>>();

/** Every string of `data` by its formatted path (computed once per data). */
function formattedPaths(data: unknown): Map<string, unknown> {
  if (data === null || typeof data !== "object") return new Map();
  let map = FORMATTED.get(data);
  if (map) return map;
  map = new Map();
  const visit = (value: unknown, segments: PathSegment[]) => {
    if (typeof value === "string") map!.set(formatPath(segments), value);
    else if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...segments, i]));
    else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) visit(child, [...segments, key]);
    }
  };
  visit(data, []);
  FORMATTED.set(data, map);
  return map;
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}
