/**
 * A small schema builder for plain data (what YAML or JSON gives): strict objects, strings,
 * numbers, booleans, literals, enums, arrays, records, unions, optional and nullable values.
 * A schema checks a value (`safeParse`), says what it expected in each issue (its own words,
 * given as `error`), and describes itself as JSON Schema (draft 2020-12, `toJsonSchema`).
 * Transports declare their runtime.yaml options with it, and the runtime checks runtime.yaml
 * with it.
 *
 * Issues follow zod's shapes (`code`, `path`, `message`, `expected`, `values`, `keys`,
 * `errors`): `invalid_type`, `invalid_value`, `too_small`, `too_big`, `invalid_format`,
 * `unrecognized_keys`, `invalid_union`, `invalid_key` and `custom`. A schema built with an
 * `error` text reports that text as the message of every issue it raises (a check's own text
 * first); without one, a generic message ("Invalid input: expected string, received number").
 *
 * @example Options of a transport
 * ```ts
 * import { s } from "@power-sdk/sdk/schema";
 * import assert from "node:assert/strict";
 *
 * const options = s.strictObject({
 *   host: s.string("a host name").min(1, "a host name").describe("The host.").optional(),
 *   port: s.int("a port 1..65535").min(1).max(65535).optional(),
 * }, "a mapping of options");
 * assert.deepEqual(options.safeParse({ host: "h", port: 502 }), {
 *   success: true,
 *   data: { host: "h", port: 502 },
 * });
 * const result = options.safeParse({ port: 0, hots: "h" });
 * assert.ok(!result.success);
 * assert.deepEqual(result.error.issues.map((i) => [i.code, i.path, i.message]), [
 *   ["too_small", ["port"], "a port 1..65535"],
 *   ["unrecognized_keys", [], "a mapping of options"],
 * ]);
 * ```
 *
 * @module
 */
import { copyData } from "../_shared/copy_data.ts";

/** A step of an issue's path: a key of a mapping or an index of a list. */
export type SchemaPathSegment = string | number;

/** What every issue has. */
export interface SchemaIssueBase {
  /** Where, from the checked value. */
  readonly path: SchemaPathSegment[];
  /** The schema's own text for what it expected, or a generic sentence. */
  readonly message: string;
}

/**
 * A problem found by {@linkcode Schema.safeParse}: one member per code.
 *
 * @example
 * ```ts
 * import { s, type SchemaIssue } from "@power-sdk/sdk/schema";
 * import assert from "node:assert/strict";
 *
 * const result = s.boolean("true or false").safeParse("yes");
 * const issue: SchemaIssue | undefined = result.success ? undefined : result.error.issues[0];
 * assert.equal(issue?.code, "invalid_type");
 * assert.equal(issue?.message, "true or false");
 * ```
 */
export type SchemaIssue =
  | SchemaIssueBase & {
    /** The value is not of the type (`expected`: string, number, int, boolean, object, ...). */
    readonly code: "invalid_type";
    readonly expected: string;
  }
  | SchemaIssueBase & {
    /** Not one of the literal or enum values. */
    readonly code: "invalid_value";
    readonly values: readonly unknown[];
  }
  | SchemaIssueBase & {
    /** Below a minimum (of a number, or of a string's or list's length). */
    readonly code: "too_small";
    readonly origin: string;
    readonly minimum: number;
    readonly inclusive: boolean;
  }
  | SchemaIssueBase & {
    /** Above a maximum (of a number, or of a string's or list's length). */
    readonly code: "too_big";
    readonly origin: string;
    readonly maximum: number;
    readonly inclusive: boolean;
  }
  | SchemaIssueBase & {
    /** A string that does not match its pattern. */
    readonly code: "invalid_format";
    readonly format: "regex";
    readonly pattern: string;
  }
  | SchemaIssueBase & {
    /** Keys a strict object does not know. */
    readonly code: "unrecognized_keys";
    readonly keys: readonly string[];
  }
  | SchemaIssueBase & {
    /**
     * No branch of a union fits: `errors` holds each branch's issues. A discriminated union
     * whose `discriminator` names no branch has no errors and lists its `options`.
     */
    readonly code: "invalid_union";
    readonly errors: readonly (readonly SchemaIssue[])[];
    readonly discriminator?: string;
    readonly options?: readonly unknown[];
  }
  | SchemaIssueBase & {
    /** A record's key that its key schema refuses (`issues`: the key schema's). */
    readonly code: "invalid_key";
    readonly origin: "record";
    readonly issues: readonly SchemaIssue[];
  }
  | SchemaIssueBase & {
    /** A custom check ({@linkcode Schema.check}) refused the value. */
    readonly code: "custom";
  };

/**
 * What {@linkcode Schema.safeParse} returns: the checked data (a copy of objects, lists and
 * records, with their known keys), or the issues.
 */
export type SafeParseResult<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: { readonly issues: SchemaIssue[] } };

/** What a schema says it expected: a text, or `{ error: text }`. */
export type SchemaErrorText = string | { readonly error: string };

/** Descriptions and JSON Schema keywords (`description`, `default`, `examples`, ...). */
export type SchemaMeta = { readonly description?: string; readonly default?: unknown } & {
  readonly [key: string]: unknown;
};

/** The type a schema parses to. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

// An issue while it is being collected: `fatal` is zod's "aborted" (later checks of the same
// value are skipped, and a union does not take the branch).
type Draft = SchemaIssue & { fatal: boolean; stop?: true };

// An issue before its path and message, with the value (for the generic message).
type IssueInit =
  & (SchemaIssue extends infer I ? I extends SchemaIssue ? Omit<I, "message" | "path">
    : never
    : never)
  & { readonly input?: unknown };

function textOf(error: SchemaErrorText | undefined): string | undefined {
  return error === undefined ? undefined : typeof error === "string" ? error : error.error;
}

function hasFatal(issues: readonly Draft[], from: number): boolean {
  for (let i = from; i < issues.length; i++) if (issues[i]!.fatal) return true;
  return false;
}

function prefix(issues: Draft[], from: number, segment: SchemaPathSegment): void {
  for (let i = from; i < issues.length; i++) issues[i]!.path.unshift(segment);
}

function finalize(issues: readonly Draft[]): SchemaIssue[] {
  return issues.map(({ fatal: _, stop: __, ...issue }) => issue as SchemaIssue);
}

function received(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : "number";
  return typeof value;
}

/** zod's English sentences, for schemas built without their own text. */
function genericMessage(issue: IssueInit): string {
  switch (issue.code) {
    case "invalid_type": {
      const input = issue.input;
      const got = typeof input === "number" && !Number.isNaN(input) && !Number.isFinite(input)
        ? String(input)
        : received(input);
      return `Invalid input: expected ${issue.expected}, received ${got}`;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? `Invalid input: expected ${JSON.stringify(issue.values[0])}`
        : `Invalid option: expected one of ${issue.values.map((v) => JSON.stringify(v)).join("|")}`;
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const adj = issue.inclusive ? (small ? ">=" : "<=") : (small ? ">" : "<");
      const bound = small ? issue.minimum : issue.maximum;
      const unit = issue.origin === "string"
        ? "characters"
        : issue.origin === "array"
        ? "items"
        : "";
      return unit === ""
        ? `Too ${small ? "small" : "big"}: expected ${issue.origin} to be ${adj}${bound}`
        : `Too ${small ? "small" : "big"}: expected ${issue.origin} to have ${adj}${bound} ${unit}`;
    }
    case "invalid_format":
      return `Invalid string: must match pattern ${issue.pattern}`;
    case "unrecognized_keys":
      return `Unrecognized key${issue.keys.length > 1 ? "s" : ""}: ${
        issue.keys.map((k) => JSON.stringify(k)).join(", ")
      }`;
    case "invalid_key":
      return "Invalid key in record";
    case "invalid_union":
      return issue.options !== undefined && issue.options.length > 0
        ? `Invalid discriminator value. Expected ${issue.options.map((o) => `'${o}'`).join(" | ")}`
        : "Invalid input";
    default:
      return "Invalid input";
  }
}

/** A check of a value that already has the schema's type. */
interface Check<T> {
  /** Adds its issue to `issues` when `value` fails. */
  run(value: T, issues: Draft[], schemaError: string | undefined): void;
  /** What it adds to the JSON Schema. */
  readonly json?: (json: Record<string, unknown>) => void;
  /**
   * A length check: it runs on any value with a length, even of the wrong type, unless an
   * issue stopped the value outright (as zod's length checks do).
   */
  readonly length?: true;
}

/**
 * The base of every schema: `safeParse`, descriptions, custom checks and the wrappers
 * (`optional`, `nullable`, `default`). Schemas are immutable: every method returns a new one.
 *
 * @example
 * ```ts
 * import { s } from "@power-sdk/sdk/schema";
 * import assert from "node:assert/strict";
 *
 * const even = s.int("an even integer").check((n) => n % 2 === 0 ? undefined : "an even integer");
 * assert.ok(even.safeParse(4).success);
 * assert.ok(!even.safeParse(3).success);
 * assert.equal(even.describe("Even.").description, "Even.");
 * ```
 */
export abstract class Schema<T = unknown> {
  /** @internal The schema's own text for every issue it raises. */
  _error: string | undefined;
  /** @internal Description and JSON Schema keywords. */
  _meta: SchemaMeta | undefined;
  /** @internal Checks run when the value has the type. */
  _checks: readonly Check<T>[] = [];
  /** @internal Absent keys of an object may be left out. */
  get _optional(): boolean {
    return false;
  }

  /** @internal Use the builders of {@linkcode s}. */
  constructor(error?: SchemaErrorText) {
    this._error = textOf(error);
  }

  /** The description given with {@linkcode Schema.describe} or {@linkcode Schema.meta}. */
  get description(): string | undefined {
    return this._meta?.description;
  }

  /** @internal A copy of this schema, to change. */
  _clone(): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    return Object.assign(copy, this);
  }

  /** @internal Type check: pushes an issue and returns false when `value` is not of it. */
  abstract _parse(value: unknown, issues: Draft[]): T;

  /** @internal The JSON Schema keywords of the type, before the metadata. */
  abstract _json(): Record<string, unknown>;

  /** @internal Parse, then run the checks unless an issue stopped it. */
  _run(value: unknown, issues: Draft[]): T {
    const start = issues.length;
    const out = this._parse(value, issues);
    if (this._checks.length === 0) return out;
    let aborted = hasFatal(issues, start);
    for (const check of this._checks) {
      if (check.length === true) {
        const sized = out as { length?: unknown } | null | undefined;
        if (sized === null || sized === undefined || sized.length === undefined) continue;
        if (aborted && issues.some((issue, i) => i >= start && issue.stop === true)) continue;
      } else if (aborted) continue;
      const before = issues.length;
      check.run(out, issues, this._error);
      if (!aborted) aborted = hasFatal(issues, before);
    }
    return out;
  }

  /** @internal An issue raised by the schema itself. */
  _issue(issues: Draft[], issue: IssueInit, fatal = true, stop = false): void {
    const message = this._error ?? genericMessage(issue);
    const { input: _, ...rest } = issue;
    issues.push({ ...rest, path: [], message, fatal, ...(stop ? { stop } : {}) } as Draft);
  }

  /**
   * Check a value.
   *
   * @param data The value (plain data).
   * @returns `{ success: true, data }` or `{ success: false, error: { issues } }`.
   */
  safeParse(data: unknown): SafeParseResult<T> {
    const issues: Draft[] = [];
    const out = this._run(data, issues);
    return issues.length === 0
      ? { success: true, data: out }
      : { success: false, error: { issues: finalize(issues) } };
  }

  /**
   * The same schema with a description (for JSON Schema and help).
   *
   * @param description One sentence.
   */
  describe(description: string): this {
    return this.meta({ description });
  }

  /**
   * The same schema with metadata (`description`, `default`, other JSON Schema keywords),
   * merged over what it had.
   *
   * @param meta The keywords.
   */
  meta(meta: SchemaMeta): this {
    const copy = this._clone();
    copy._meta = { ...this._meta, ...meta };
    return copy;
  }

  /**
   * The same schema with a custom check, run when the value has the type and passed the
   * other checks: it returns what was expected (the issue's message, code `custom`) when the
   * value does not fit, else undefined.
   *
   * @param test The check.
   */
  check(test: (value: T) => string | undefined): this {
    const copy = this._clone();
    copy._checks = [...this._checks, {
      run(value, issues) {
        const message = test(value);
        if (message !== undefined) issues.push({ code: "custom", path: [], message, fatal: false });
      },
    }];
    return copy;
  }

  /** @internal This schema with one more check. */
  _with(check: Check<T>): this {
    const copy = this._clone();
    copy._checks = [...this._checks, check];
    return copy;
  }

  /** The same values, or undefined; as an object's key, the key may be left out. */
  optional(): OptionalSchema<T> {
    return new OptionalSchema(this);
  }

  /** The same values, or null. */
  nullable(): NullableSchema<T> {
    return new NullableSchema(this);
  }

  /**
   * The same values; undefined (an absent key) parses to `value`.
   *
   * @param value The default.
   */
  default(value: Exclude<T, undefined>): DefaultSchema<T> {
    return new DefaultSchema(this, value);
  }

  /** @internal The JSON Schema of this schema: the type's keywords, then its metadata. */
  _jsonWithMeta(): Record<string, unknown> {
    const json = this._json();
    if (this._meta !== undefined) Object.assign(json, this._meta);
    return json;
  }
}

function bound<T extends string | number | readonly unknown[]>(
  kind: "min" | "max",
  limit: number,
  error: string | undefined,
  keyword: string,
): Check<T> {
  const length = keyword !== "minimum" && keyword !== "maximum";
  return {
    run(value, issues, schemaError) {
      // Strings count code points, as zod does.
      const size = typeof value === "number"
        ? value
        : typeof value === "string" && /[\uD800-\uDBFF]/.test(value)
        ? [...value].length
        : (value as { length: number }).length;
      if (kind === "min" ? size >= limit : size <= limit) return;
      const origin = typeof value === "number"
        ? "number"
        : typeof value === "string"
        ? "string"
        : Array.isArray(value)
        ? "array"
        : "unknown";
      const issue = kind === "min"
        ? { code: "too_small" as const, origin, minimum: limit, inclusive: true }
        : { code: "too_big" as const, origin, maximum: limit, inclusive: true };
      issues.push({
        ...issue,
        path: [],
        message: error ?? schemaError ?? genericMessage(issue),
        fatal: false,
      });
    },
    json: (json) => {
      json[keyword] = limit;
    },
    ...(length ? { length: true as const } : {}),
  };
}

/** A string, with lengths and patterns. */
export class StringSchema extends Schema<string> {
  /** @internal */
  _parse(value: unknown, issues: Draft[]): string {
    if (typeof value !== "string") {
      this._issue(issues, { code: "invalid_type", expected: "string", input: value });
    }
    return value as string;
  }
  /**
   * At least `length` characters.
   *
   * @param length The least length.
   * @param error What was expected (the schema's text otherwise).
   */
  min(length: number, error?: SchemaErrorText): StringSchema {
    return this._with(bound("min", length, textOf(error), "minLength"));
  }
  /**
   * At most `length` characters.
   *
   * @param length The greatest length.
   * @param error What was expected (the schema's text otherwise).
   */
  max(length: number, error?: SchemaErrorText): StringSchema {
    return this._with(bound("max", length, textOf(error), "maxLength"));
  }
  /**
   * Matching `pattern`.
   *
   * @param pattern The pattern (without the global flag).
   * @param error What was expected (the schema's text otherwise).
   */
  regex(pattern: RegExp, error?: SchemaErrorText): StringSchema {
    const own = textOf(error);
    return this._with({
      run(value, issues, schemaError) {
        if (pattern.test(value)) return;
        const issue = { code: "invalid_format" as const, format: "regex" as const };
        const full = { ...issue, pattern: pattern.toString() };
        issues.push({
          ...full,
          path: [],
          message: own ?? schemaError ?? genericMessage(full),
          fatal: false,
        });
      },
      json: (json) => {
        const patterns = (json["~patterns"] ??= []) as string[];
        patterns.push(pattern.source);
      },
    });
  }
  /** @internal */
  _json(): Record<string, unknown> {
    const json: Record<string, unknown> = { type: "string" };
    for (const check of this._checks) check.json?.(json);
    const patterns = json["~patterns"] as string[] | undefined;
    delete json["~patterns"];
    // The order zod writes them in: type, minLength, maxLength, pattern.
    const ordered: Record<string, unknown> = { type: "string" };
    if (json.minLength !== undefined) ordered.minLength = json.minLength;
    if (json.maxLength !== undefined) ordered.maxLength = json.maxLength;
    if (patterns?.length === 1) ordered.pattern = patterns[0];
    else if (patterns !== undefined) ordered.allOf = patterns.map((pattern) => ({ pattern }));
    return ordered;
  }
}

/** A finite number (or an integer, from {@linkcode s.int}), with bounds. */
export class NumberSchema extends Schema<number> {
  /** @internal Integers only (safe integers). */
  _integer = false;
  /** @internal */
  _parse(value: unknown, issues: Draft[]): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this._issue(issues, { code: "invalid_type", expected: "number", input: value });
      return value as number;
    }
    if (!this._integer) return value;
    if (!Number.isInteger(value)) {
      this._issue(issues, { code: "invalid_type", expected: "int", input: value }, true, true);
    } else if (!Number.isSafeInteger(value)) {
      const issue: IssueInit = value > 0
        ? { code: "too_big", origin: "int", maximum: Number.MAX_SAFE_INTEGER, inclusive: true }
        : { code: "too_small", origin: "int", minimum: Number.MIN_SAFE_INTEGER, inclusive: true };
      this._issue(issues, issue, false);
    }
    return value;
  }
  /**
   * At least `value`.
   *
   * @param value The least value.
   * @param error What was expected (the schema's text otherwise).
   */
  min(value: number, error?: SchemaErrorText): NumberSchema {
    return this._with(bound("min", value, textOf(error), "minimum"));
  }
  /**
   * At most `value`.
   *
   * @param value The greatest value.
   * @param error What was expected (the schema's text otherwise).
   */
  max(value: number, error?: SchemaErrorText): NumberSchema {
    return this._with(bound("max", value, textOf(error), "maximum"));
  }
  /** @internal */
  _json(): Record<string, unknown> {
    const json: Record<string, unknown> = { type: this._integer ? "integer" : "number" };
    if (this._integer) {
      json.minimum = Number.MIN_SAFE_INTEGER;
      json.maximum = Number.MAX_SAFE_INTEGER;
    }
    for (const check of this._checks) check.json?.(json);
    return json;
  }
}

/** true or false. */
export class BooleanSchema extends Schema<boolean> {
  /** @internal */
  _parse(value: unknown, issues: Draft[]): boolean {
    if (typeof value !== "boolean") {
      this._issue(issues, { code: "invalid_type", expected: "boolean", input: value });
    }
    return value as boolean;
  }
  /** @internal */
  _json(): Record<string, unknown> {
    return { type: "boolean" };
  }
}

/** Primitive values a literal or an enum may hold. */
export type Primitive = string | number | boolean | null;

/** One of fixed values: a literal (one) or an enum (of strings). */
export class ValuesSchema<T extends Primitive> extends Schema<T> {
  /** @internal */
  readonly _values: readonly T[];
  /** @internal Written as `enum` even when there is one value. */
  readonly _enum: boolean;
  /** @internal */
  _set: ReadonlySet<unknown> | undefined;

  /** @internal Use the builders of {@linkcode s}. */
  constructor(values: readonly T[], isEnum: boolean, error?: SchemaErrorText) {
    super(error);
    this._values = values;
    this._enum = isEnum;
  }
  /** The values. */
  get values(): readonly T[] {
    return this._values;
  }
  /** @internal */
  _parse(value: unknown, issues: Draft[]): T {
    this._set ??= new Set(this._values);
    if (!this._set.has(value)) {
      this._issue(issues, { code: "invalid_value", values: [...this._values] });
    }
    return value as T;
  }
  /** @internal */
  _json(): Record<string, unknown> {
    const values = this._values;
    if (this._enum) return { type: "string", enum: [...values] };
    if (values.length === 1) {
      const value = values[0];
      return { type: value === null ? "null" : typeof value, const: value };
    }
    const types = new Set(values.map((v) => v === null ? "null" : typeof v));
    return { ...(types.size === 1 ? { type: [...types][0] } : {}), enum: [...values] };
  }
}

/** A list of items of one schema. */
export class ArraySchema<T> extends Schema<T[]> {
  /** @internal */
  readonly _element: Schema<T>;
  /** @internal Use the builders of {@linkcode s}. */
  constructor(element: Schema<T>, error?: SchemaErrorText) {
    super(error);
    this._element = element;
  }
  /** The schema of each item. */
  get element(): Schema<T> {
    return this._element;
  }
  /** @internal */
  _parse(value: unknown, issues: Draft[]): T[] {
    if (!Array.isArray(value)) {
      this._issue(issues, { code: "invalid_type", expected: "array", input: value });
      return value as T[];
    }
    const out = new Array<T>(value.length);
    for (let i = 0; i < value.length; i++) {
      const start = issues.length;
      out[i] = this._element._run(value[i], issues);
      if (issues.length > start) prefix(issues, start, i);
    }
    return out;
  }
  /**
   * At least `length` items.
   *
   * @param length The least number of items.
   * @param error What was expected (the schema's text otherwise).
   */
  min(length: number, error?: SchemaErrorText): ArraySchema<T> {
    return this._with(bound("min", length, textOf(error), "minItems"));
  }
  /**
   * At most `length` items.
   *
   * @param length The greatest number of items.
   * @param error What was expected (the schema's text otherwise).
   */
  max(length: number, error?: SchemaErrorText): ArraySchema<T> {
    return this._with(bound("max", length, textOf(error), "maxItems"));
  }
  /** @internal */
  _json(): Record<string, unknown> {
    const json: Record<string, unknown> = {};
    for (const check of this._checks) check.json?.(json);
    json.type = "array";
    json.items = this._element._jsonWithMeta();
    return json;
  }
}

/** The schemas of an object's keys. */
export type Shape = Readonly<Record<string, Schema<unknown>>>;

/** The keys of `S` that may be left out. */
export type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends OptionalSchema<unknown> | DefaultSchema<unknown> ? K : never;
}[keyof S];

/** What a strict object of `S` parses to. */
export type ObjectOutput<S extends Shape> =
  & { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> }
  & { -readonly [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> };

/** A mapping with known keys, each of its own schema; any other key is an issue. */
export class ObjectSchema<S extends Shape = Shape> extends Schema<ObjectOutput<S>> {
  /** @internal */
  readonly _shape: S;
  /** @internal */
  _keys: ReadonlySet<string> | undefined;
  /** @internal Use the builders of {@linkcode s}. */
  constructor(shape: S, error?: SchemaErrorText) {
    super(error);
    this._shape = shape;
  }
  /** Key -> its schema. */
  get shape(): S {
    return this._shape;
  }
  /** @internal */
  _parse(value: unknown, issues: Draft[]): ObjectOutput<S> {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this._issue(issues, { code: "invalid_type", expected: "object", input: value });
      return value as ObjectOutput<S>;
    }
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const shape = this._shape;
    for (const key in shape) {
      const schema = shape[key]!;
      const present = Object.hasOwn(input, key);
      if (!present && schema._optional) {
        if (schema instanceof DefaultSchema) out[key] = schema._value();
        continue;
      }
      const start = issues.length;
      const result = schema._run(present ? input[key] : undefined, issues);
      if (issues.length > start) prefix(issues, start, key);
      if (present || result !== undefined) {
        Object.defineProperty(out, key, {
          value: result,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    this._keys ??= new Set(Object.keys(shape));
    let unknown: string[] | undefined;
    for (const key in input) {
      if (!this._keys.has(key)) (unknown ??= []).push(key);
    }
    if (unknown !== undefined) {
      this._issue(issues, { code: "unrecognized_keys", keys: unknown }, false);
    }
    return out as ObjectOutput<S>;
  }
  /**
   * A strict object with more keys (or other schemas for some keys), and this one's `error`.
   *
   * @param shape The keys to add or replace.
   */
  extend<E extends Shape>(shape: E): ObjectSchema<Omit<S, keyof E> & E> {
    const extended = new ObjectSchema({ ...this._shape, ...shape } as Omit<S, keyof E> & E);
    extended._error = this._error;
    return extended;
  }
  /** @internal */
  _json(): Record<string, unknown> {
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const [key, schema] of Object.entries(this._shape)) {
      properties[key] = schema._jsonWithMeta();
      if (!schema._optional) required.push(key);
    }
    return {
      type: "object",
      properties,
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
    };
  }
}

/** A mapping of any keys (each checked by a key schema) to values of one schema. */
export class RecordSchema<V> extends Schema<Record<string, V>> {
  /** @internal */
  readonly _key: Schema<string>;
  /** @internal */
  readonly _value: Schema<V>;
  /** @internal Use the builders of {@linkcode s}. */
  constructor(key: Schema<string>, value: Schema<V>, error?: SchemaErrorText) {
    super(error);
    this._key = key;
    this._value = value;
  }
  /** The schema of each key. */
  get keyType(): Schema<string> {
    return this._key;
  }
  /** The schema of each value. */
  get valueType(): Schema<V> {
    return this._value;
  }
  /** @internal */
  _parse(value: unknown, issues: Draft[]): Record<string, V> {
    if (!isPlainObject(value)) {
      this._issue(issues, { code: "invalid_type", expected: "record", input: value });
      return value as Record<string, V>;
    }
    const out: Record<string, V> = {};
    for (const key of Object.keys(value)) {
      if (key === "__proto__") continue;
      const keyIssues: Draft[] = [];
      this._key._run(key, keyIssues);
      if (keyIssues.length > 0) {
        const issue = { code: "invalid_key" as const, origin: "record" as const };
        issues.push({
          ...issue,
          issues: finalize(keyIssues),
          path: [key],
          message: this._error ?? genericMessage({ ...issue, issues: [] }),
          fatal: true,
        });
        continue;
      }
      const start = issues.length;
      out[key] = this._value._run(value[key], issues);
      if (issues.length > start) prefix(issues, start, key);
    }
    return out;
  }
  /** @internal */
  _json(): Record<string, unknown> {
    return {
      type: "object",
      propertyNames: this._key._jsonWithMeta(),
      additionalProperties: this._value._jsonWithMeta(),
    };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** Values of one of several schemas: the first that fits. */
export class UnionSchema<T> extends Schema<T> {
  /** @internal */
  readonly _options: readonly Schema<T>[];
  /** @internal Use the builders of {@linkcode s}. */
  constructor(options: readonly Schema<T>[], error?: SchemaErrorText) {
    super(error);
    this._options = options;
  }
  /** The schemas, in order. */
  get options(): readonly Schema<T>[] {
    return this._options;
  }
  /** @internal Whether an absent key is accepted. */
  override get _optional(): boolean {
    return this._options.some((o) => o._optional);
  }
  /** @internal */
  _parse(value: unknown, issues: Draft[]): T {
    if (this._options.length === 1) return this._options[0]!._run(value, issues);
    const results: { out: T; issues: Draft[] }[] = [];
    for (const option of this._options) {
      const own: Draft[] = [];
      const out = option._run(value, own);
      if (own.length === 0) return out;
      results.push({ out, issues: own });
    }
    // One branch with issues that do not stop it (an unknown key, a bound): its issues.
    const going = results.filter((r) => !hasFatal(r.issues, 0));
    if (going.length === 1) {
      issues.push(...going[0]!.issues);
      return going[0]!.out;
    }
    this._issue(issues, {
      code: "invalid_union",
      errors: results.map((r) => finalize(r.issues)),
    });
    return value as T;
  }
  /** @internal */
  _json(): Record<string, unknown> {
    return { anyOf: this._options.map((o) => o._jsonWithMeta()) };
  }
}

/** Strict objects told apart by the literal of one key (`type: ...`). */
export class DiscriminatedUnionSchema<T> extends Schema<T> {
  /** @internal */
  readonly _discriminator: string;
  /** @internal */
  readonly _options: readonly ObjectSchema[];
  /** @internal */
  _byValue: Map<unknown, ObjectSchema> | undefined;
  /** @internal Use the builders of {@linkcode s}. */
  constructor(discriminator: string, options: readonly ObjectSchema[], error?: SchemaErrorText) {
    super(error);
    for (const [i, option] of options.entries()) {
      if (!(option._shape[discriminator] instanceof ValuesSchema)) {
        throw new TypeError(
          `Cannot build a discriminated union on '${discriminator}': option ${i} has no literal for it`,
        );
      }
    }
    this._discriminator = discriminator;
    this._options = options;
  }
  /** The key whose literal tells the objects apart. */
  get discriminator(): string {
    return this._discriminator;
  }
  /** The objects, in order. */
  get options(): readonly ObjectSchema[] {
    return this._options;
  }
  /** @internal Discriminator value -> its object. */
  _map(): Map<unknown, ObjectSchema> {
    if (this._byValue !== undefined) return this._byValue;
    const map = new Map<unknown, ObjectSchema>();
    for (const option of this._options) {
      const literal = option._shape[this._discriminator] as ValuesSchema<Primitive>;
      for (const value of literal._values) if (!map.has(value)) map.set(value, option);
    }
    return this._byValue = map;
  }
  /** @internal */
  _parse(value: unknown, issues: Draft[]): T {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this._issue(issues, { code: "invalid_type", expected: "object", input: value });
      return value as T;
    }
    const key = (value as Record<string, unknown>)[this._discriminator];
    const option = this._map().get(key);
    if (option !== undefined) return option._run(value, issues) as T;
    const start = issues.length;
    this._issue(issues, {
      code: "invalid_union",
      errors: [],
      discriminator: this._discriminator,
      options: [...this._map().keys()],
    });
    prefix(issues, start, this._discriminator);
    return value as T;
  }
  /** @internal */
  _json(): Record<string, unknown> {
    return { oneOf: this._options.map((o) => o._jsonWithMeta()) };
  }
}

/** Anything. */
export class UnknownSchema extends Schema<unknown> {
  /** @internal */
  _parse(value: unknown): unknown {
    return value;
  }
  /** @internal Whether an absent key is accepted. */
  override get _optional(): boolean {
    return true;
  }
  /** @internal */
  _json(): Record<string, unknown> {
    return {};
  }
}

/** Nothing at all (a choice among no values). */
export class NeverSchema extends Schema<never> {
  /** @internal */
  _parse(value: unknown, issues: Draft[]): never {
    this._issue(issues, { code: "invalid_type", expected: "never", input: value });
    return value as never;
  }
  /** @internal */
  _json(): Record<string, unknown> {
    return { not: {} };
  }
}

/** A wrapper's base: the wrapped schema's JSON Schema, with the wrapper's metadata over it. */
export abstract class WrapperSchema<T, I> extends Schema<T> {
  /** @internal */
  readonly _inner: Schema<I>;
  /** @internal Use the builders of {@linkcode s}. */
  constructor(inner: Schema<I>) {
    super();
    this._inner = inner;
  }
  /** The wrapped schema. */
  unwrap(): Schema<I> {
    return this._inner;
  }
}

/** A schema's values, or undefined. */
export class OptionalSchema<T> extends WrapperSchema<T | undefined, T> {
  /** @internal Whether an absent key is accepted. */
  override get _optional(): boolean {
    return true;
  }
  /** @internal */
  _parse(value: unknown, issues: Draft[]): T | undefined {
    return value === undefined ? undefined : this._inner._run(value, issues);
  }
  /** @internal */
  _json(): Record<string, unknown> {
    return this._inner._jsonWithMeta();
  }
}

/** A schema's values, or null. */
export class NullableSchema<T> extends WrapperSchema<T | null, T> {
  /** @internal Whether an absent key is accepted. */
  override get _optional(): boolean {
    return this._inner._optional;
  }
  /** @internal */
  _parse(value: unknown, issues: Draft[]): T | null {
    return value === null ? null : this._inner._run(value, issues);
  }
  /** @internal */
  _json(): Record<string, unknown> {
    return { anyOf: [this._inner._jsonWithMeta(), { type: "null" }] };
  }
  /** @internal A plain type or null is written `type: [type, "null"]`, after the metadata. */
  override _jsonWithMeta(): Record<string, unknown> {
    const json = super._jsonWithMeta();
    const inner = (json.anyOf as Record<string, unknown>[])[0]!;
    const keys = Object.keys(inner);
    if (keys.length === 1 && keys[0] === "type" && typeof inner.type === "string") {
      delete json.anyOf;
      json.type = [inner.type, "null"];
    }
    return json;
  }
}

/** A schema's values; undefined becomes the default. */
export class DefaultSchema<T> extends WrapperSchema<Exclude<T, undefined>, T> {
  /** @internal */
  readonly _default: Exclude<T, undefined>;
  /** @internal Use the builders of {@linkcode s}. */
  constructor(inner: Schema<T>, value: Exclude<T, undefined>) {
    super(inner);
    this._default = value;
  }
  /** @internal Whether an absent key is accepted. */
  override get _optional(): boolean {
    return true;
  }
  /** @internal A fresh copy of the default (objects are not shared between results). */
  _value(): Exclude<T, undefined> {
    const value = this._default;
    return copyData(value);
  }
  /** @internal */
  _parse(value: unknown, issues: Draft[]): Exclude<T, undefined> {
    if (value === undefined) return this._value();
    return this._inner._run(value, issues) as Exclude<T, undefined>;
  }
  /** @internal */
  _json(): Record<string, unknown> {
    return { ...this._inner._jsonWithMeta(), default: this._default };
  }
}

function integer(error?: SchemaErrorText): NumberSchema {
  const schema = new NumberSchema(error);
  schema._integer = true;
  return schema;
}

/**
 * The builders. Each takes, last, what it expects as a text (`"an integer 1..65535"`): the
 * message of its issues.
 *
 * @example
 * ```ts
 * import { s } from "@power-sdk/sdk/schema";
 * import assert from "node:assert/strict";
 *
 * const sink = s.discriminatedUnion("type", [
 *   s.strictObject({ type: s.literal("stdout") }),
 *   s.strictObject({ type: s.literal("jsonl"), path: s.string().min(1) }),
 * ], "a sink");
 * assert.ok(sink.safeParse({ type: "jsonl", path: "out.jsonl" }).success);
 * const result = sink.safeParse({ type: "csv" });
 * assert.ok(!result.success && result.error.issues[0]?.code === "invalid_union");
 * ```
 */
export const s = {
  /** A string. */
  string: (error?: SchemaErrorText): StringSchema => new StringSchema(error),
  /** A finite number. */
  number: (error?: SchemaErrorText): NumberSchema => new NumberSchema(error),
  /** A safe integer. */
  int: integer,
  /** true or false. */
  boolean: (error?: SchemaErrorText): BooleanSchema => new BooleanSchema(error),
  /** Exactly `value`. */
  literal: <const T extends Primitive>(value: T, error?: SchemaErrorText): ValuesSchema<T> =>
    new ValuesSchema([value], false, error),
  /** One of `values`. */
  enum: <const T extends string>(values: readonly T[], error?: SchemaErrorText): ValuesSchema<T> =>
    new ValuesSchema(values, true, error),
  /** A list of `element`s. */
  array: <T>(element: Schema<T>, error?: SchemaErrorText): ArraySchema<T> =>
    new ArraySchema(element, error),
  /** A mapping with the keys of `shape` (absent optional ones aside) and no other. */
  strictObject: <S extends Shape>(shape: S, error?: SchemaErrorText): ObjectSchema<S> =>
    new ObjectSchema(shape, error),
  /** A mapping of keys (checked by `key`) to `value`s. */
  record: <V>(key: Schema<string>, value: Schema<V>, error?: SchemaErrorText): RecordSchema<V> =>
    new RecordSchema(key, value, error),
  /** Any of `options` (the first that fits). */
  union: <const O extends readonly Schema<unknown>[]>(
    options: O,
    error?: SchemaErrorText,
  ): UnionSchema<Infer<O[number]>> =>
    new UnionSchema(options as unknown as Schema<Infer<O[number]>>[], error),
  /** Strict objects told apart by the literal at `discriminator`. */
  discriminatedUnion: <const O extends readonly ObjectSchema[]>(
    discriminator: string,
    options: O,
    error?: SchemaErrorText,
  ): DiscriminatedUnionSchema<Infer<O[number]>> =>
    new DiscriminatedUnionSchema(discriminator, options, error),
  /** Anything. */
  unknown: (): UnknownSchema => new UnknownSchema(),
  /** Nothing. */
  never: (error?: SchemaErrorText): NeverSchema => new NeverSchema(error),
} as const;

/**
 * The JSON Schema (draft 2020-12) of a schema: `$schema`, then the keywords of its type
 * (`type`, `properties`, `required`, `additionalProperties: false`, `minimum`, `pattern`,
 * `anyOf`, `oneOf` for a discriminated union, ...), then its metadata (`description`,
 * `default`). Custom checks are not represented.
 *
 * @param schema The schema.
 * @returns A fresh JSON-serializable object.
 *
 * @example
 * ```ts
 * import { s, toJsonSchema } from "@power-sdk/sdk/schema";
 * import assert from "node:assert/strict";
 *
 * const schema = s.strictObject({ port: s.int().min(1).max(65535).describe("Port.") });
 * assert.deepEqual(toJsonSchema(schema), {
 *   $schema: "https://json-schema.org/draft/2020-12/schema",
 *   type: "object",
 *   properties: { port: { type: "integer", minimum: 1, maximum: 65535, description: "Port." } },
 *   required: ["port"],
 *   additionalProperties: false,
 * });
 * ```
 */
export function toJsonSchema(schema: Schema<unknown>): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    ...copyData(schema._jsonWithMeta()),
  };
}
