import { ConfigError, type ConfigErrorCode } from "../../errors/errors.ts";

/**
 * One problem of a configuration, where it is and what was expected.
 *
 * @example An out-of-range port
 * ```ts
 * import type { ConfigIssue } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const issue: ConfigIssue = {
 *   code: "CONFIG_INVALID",
 *   path: "devices[1].transport.opts.port",
 *   line: 12,
 *   column: 9,
 *   message: "expected an integer 1..65535, got 70000",
 *   expected: "an integer 1..65535",
 * };
 * assert.equal(issue.line, 12);
 * ```
 */
export interface ConfigIssue {
  /**
   * What kind of problem: `CONFIG_ENV_UNSET` (a variable), `CONFIG_UNKNOWN_PROFILE`,
   * `CONFIG_SYNTAX` (YAML) or `CONFIG_INVALID` (everything else).
   */
  readonly code: ConfigErrorCode;
  /**
   * The file the issue is in when it is not the configuration itself: a register map named
   * by `profile_file` (then `path`, `line` and `column` are the map's).
   * @default {the configuration file}
   */
  readonly file?: string;
  /** The value's path (`devices[1].transport.opts.port`); "" for the whole file. */
  readonly path: string;
  /** 1-based line in the file, or null when the configuration did not come from text. */
  readonly line: number | null;
  /** 1-based column, or null. */
  readonly column: number | null;
  /** What is wrong (`expected an integer 1..65535, got "abc"`). */
  readonly message: string;
  /** What would have been valid, when the problem is a value's shape. */
  readonly expected?: string;
}

/** Options of a {@linkcode ConfigValidationError}. */
export interface ConfigValidationErrorOptions {
  /** The file the issues are in, named on every line. @default {"<config>"} */
  readonly file?: string;
}

/**
 * Every problem found in a configuration at once. The message has a header line and one line
 * per issue, in file order, as compilers print them:
 * `runtime.yaml:12:9: devices[1].transport.opts.port: expected an integer 1..65535, got "abc"`.
 * `file`, `line`, `column` and `path` are those of the first issue (the configuration's own
 * issues come first, those in register maps it names last).
 *
 * @example Two issues, one message
 * ```ts
 * import { ConfigError, ConfigValidationError } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const error = new ConfigValidationError([
 *   { code: "CONFIG_INVALID", path: "version", line: 1, column: 10, message: "expected 1, got 2" },
 *   { code: "CONFIG_ENV_UNSET", path: "devices[0].transport.opts.device_sn", line: null, column: null,
 *     message: "Environment variable SN is not set" },
 * ], { file: "runtime.yaml" });
 * assert.ok(error instanceof ConfigError);
 * assert.equal(error.code, "CONFIG_INVALID");
 * assert.equal(error.line, 1);
 * assert.equal(
 *   error.message,
 *   "Cannot load the runtime configuration: 2 problems in runtime.yaml\n" +
 *     "runtime.yaml:1:10: version: expected 1, got 2\n" +
 *     "runtime.yaml: devices[0].transport.opts.device_sn: Environment variable SN is not set",
 * );
 * ```
 */
export class ConfigValidationError extends ConfigError {
  /** Every issue, in file order (issues without a position last). */
  readonly issues: readonly ConfigIssue[];

  /**
   * Create the error.
   *
   * @param issues The issues; at least one.
   * @param options The file's name.
   * @throws {RangeError} when `issues` is empty.
   */
  constructor(issues: readonly ConfigIssue[], options: ConfigValidationErrorOptions = {}) {
    if (issues.length === 0) {
      throw new RangeError("Cannot create a ConfigValidationError: there are no issues");
    }
    const sorted = sortIssues(issues);
    const file = options.file ?? "<config>";
    const first = sorted[0]!;
    const count = sorted.length === 1 ? "1 problem" : `${sorted.length} problems`;
    const lines = sorted.map((issue) => formatConfigIssue(issue, file));
    super(
      "CONFIG_INVALID",
      [`Cannot load the runtime configuration: ${count} in ${file}`, ...lines].join("\n"),
      {
        // The first issue's place: in a register map when every issue is in one.
        file: first.file ?? file,
        ...(first.line === null ? {} : { line: first.line }),
        ...(first.column === null ? {} : { column: first.column }),
        path: first.path,
      },
    );
    this.name = "ConfigValidationError";
    this.issues = sorted;
  }
}

/**
 * One issue as a compiler-style line: `file:line:column: path: message`.
 *
 * @param issue The issue.
 * @param file The file's name.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { formatConfigIssue } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const line = formatConfigIssue(
 *   { code: "CONFIG_INVALID", path: "defaults.pol_interval", line: 3, column: 3,
 *     message: "unknown key 'pol_interval'; did you mean 'poll_interval'?" },
 *   "runtime.yaml",
 * );
 * assert.equal(line, "runtime.yaml:3:3: defaults.pol_interval: unknown key 'pol_interval'; did you mean 'poll_interval'?");
 * ```
 */
export function formatConfigIssue(issue: ConfigIssue, file: string): string {
  const name = issue.file ?? file;
  const where = issue.line === null
    ? name
    : `${name}:${issue.line}${issue.column === null ? "" : `:${issue.column}`}`;
  return `${where}: ${issue.path === "" ? "(file)" : issue.path}: ${issue.message}`;
}

function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) =>
      // Issues in other files (register maps) after the configuration's own.
      Number(a.issue.file !== undefined) - Number(b.issue.file !== undefined) ||
      (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) ||
      (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
      a.index - b.index
    )
    .map((entry) => entry.issue);
}
