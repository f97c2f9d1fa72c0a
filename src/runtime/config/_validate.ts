// The whole check of a configuration: schema, coercion of interpolated strings, then the
// precedence and cross-references on what was valid. Private to src/runtime/config.
import type { DeviceProfile } from "../../device/profile.ts";
import { coerceInterpolated, flattenIssues, removeAt, toRawIssues } from "./_issues.ts";
import { type Loose, resolveLoose } from "./_resolve.ts";
import { RuntimeConfigSchema } from "./_schema.ts";
import { formatPath, type PathSegment, type RawIssue } from "./_source.ts";
import type { ResolvedRuntime } from "./resolve.ts";
import type { RuntimeConfig } from "./runtime_config.ts";

/** What to check. */
export interface ValidateInput {
  /** Plain data: from YAML, or a configuration built in code. */
  readonly data: unknown;
  /** The profiles device `profile_id`s are looked up in. */
  readonly profiles: readonly DeviceProfile[];
  /** Issues found while reading the text (duplicate keys, variables). */
  readonly preIssues?: readonly RawIssue[];
  /** Paths of the interpolated strings (only those are coerced). */
  readonly interpolated?: readonly (readonly PathSegment[])[];
}

/** The outcome: the valid configuration and its resolution, or the issues. */
export interface ValidateOutput {
  readonly config: RuntimeConfig | undefined;
  readonly resolved: ResolvedRuntime | undefined;
  readonly issues: readonly RawIssue[];
}

/** Check everything, collecting every issue. */
export function validateConfig(input: ValidateInput): ValidateOutput {
  const pre = input.preIssues ?? [];
  const data = clonePlain(input.data);
  const interpolated = new Set((input.interpolated ?? []).map(formatPath));
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
    : toRawIssues(flattenIssues(parsed.error.issues), data, RuntimeConfigSchema)
      .filter((issue) => !preBlocked.some((blocked) => startsWith(issue.segments, blocked)));

  const pruned: (readonly PathSegment[])[] = [];
  let loose: unknown;
  if (parsed.success && pre.length === 0) {
    loose = parsed.data;
  } else {
    loose = clonePlain(data);
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
    const result = resolveLoose(loose as Loose<RuntimeConfig>, {
      profiles: input.profiles,
      isPruned: (segments) => pruned.some((p) => startsWith(segments, p)),
    });
    resolved = result.runtime;
    resolveIssues.push(...result.issues);
  }
  const issues = [...pre, ...schemaIssues, ...resolveIssues];
  const ok = issues.length === 0 && parsed.success;
  return {
    config: ok ? parsed.data as RuntimeConfig : undefined,
    resolved: ok ? resolved : undefined,
    issues,
  };
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}

/** A copy of plain objects and arrays; anything else (functions included) is kept as is. */
function clonePlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clonePlain);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    Object.defineProperty(out, key, {
      value: clonePlain(child),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
