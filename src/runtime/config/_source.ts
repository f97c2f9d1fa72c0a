// Where the values of a loaded configuration sit in its text, kept beside the configuration
// object (a WeakMap keyed by it) so that resolveRuntime() can position its issues too.
// Private to src/runtime/config.
import type { ConfigErrorCode } from "../../errors/errors.ts";
import type { ConfigIssue } from "./config_validation_error.ts";

/** One step of a path: a mapping key or a list index. */
export type PathSegment = string | number;

/** A 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** An issue before it was given its position. */
export interface RawIssue {
  readonly code: ConfigErrorCode;
  readonly segments: readonly PathSegment[];
  readonly message: string;
  readonly expected?: string;
  /** Point at the key rather than the value (unknown keys, bad names). */
  readonly at?: "key";
  /** The value stays usable for the later checks (a duplicate key: the first one counts). */
  readonly keepValue?: true;
  /** The issue is in another file (a register map): its own place, not the path's. */
  readonly located?: {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly path: string;
  };
}

/** Positions of the keys and values of a configuration text, by path. */
export class ConfigSource {
  /** The file's name, when known. */
  readonly file: string | undefined;
  #values = new Map<string, Position>();
  #keys = new Map<string, Position>();

  constructor(file: string | undefined) {
    this.file = file;
  }

  /** Record where the value at `segments` starts. */
  setValue(segments: readonly PathSegment[], position: Position): void {
    this.#values.set(formatPath(segments), position);
  }

  /** Record where the key of the value at `segments` starts. */
  setKey(segments: readonly PathSegment[], position: Position): void {
    this.#keys.set(formatPath(segments), position);
  }

  /** Every recorded position, by formatted path, in the order recorded. */
  entries(): { values: [string, Position][]; keys: [string, Position][] } {
    return { values: [...this.#values], keys: [...this.#keys] };
  }

  /**
   * Where to point for a path: its key or its value; for a path that is absent (a missing
   * key), its nearest present ancestor's value.
   */
  locate(segments: readonly PathSegment[], at?: "key"): Position | null {
    if (at === "key") {
      const key = this.#keys.get(formatPath(segments));
      if (key !== undefined) return key;
    }
    for (let n = segments.length; n >= 0; n--) {
      const value = this.#values.get(formatPath(segments.slice(0, n)));
      if (value !== undefined) return value;
    }
    return null;
  }
}

const SOURCES = new WeakMap<object, ConfigSource>();

/** Remember where `config` came from. */
export function attachSource(config: object, source: ConfigSource): void {
  SOURCES.set(config, source);
}

/** Where `config` came from, when loadRuntimeConfig() made it. */
export function sourceOf(config: object): ConfigSource | undefined {
  return SOURCES.get(config);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["devices", 1, "transport", "opts", "port"]` -> `devices[1].transport.opts.port`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Give raw issues their positions. */
export function positionIssues(
  issues: readonly RawIssue[],
  source: ConfigSource | undefined,
): ConfigIssue[] {
  return issues.map((issue) => {
    if (issue.located !== undefined) {
      const { file, line, column, path } = issue.located;
      return { code: issue.code, file, path, line, column, message: issue.message };
    }
    const position = source?.locate(issue.segments, issue.at) ?? null;
    return {
      code: issue.code,
      path: formatPath(issue.segments),
      line: position?.line ?? null,
      column: position?.column ?? null,
      message: issue.message,
      ...(issue.expected === undefined ? {} : { expected: issue.expected }),
    };
  });
}
