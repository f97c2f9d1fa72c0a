// Schema issues -> positioned-ready RawIssues with plain-language messages; coercion of
// interpolated strings; navigation of the schema by path. Private to src/runtime/config.
import {
  ArraySchema,
  DefaultSchema,
  DiscriminatedUnionSchema,
  NullableSchema,
  ObjectSchema,
  OptionalSchema,
  RecordSchema,
  type Schema,
  type SchemaIssue,
  UnionSchema,
  ValuesSchema,
} from "../../schema/schema.ts";
import { didYouMeanSuffix } from "../../_shared/did_you_mean.ts";
import { formatPath, type PathSegment, type RawIssue } from "./_source.ts";

/** A schema issue with its absolute path, after unions were looked into. */
export interface Leaf {
  readonly issue: SchemaIssue;
  readonly path: readonly PathSegment[];
}

/** Keys whose values are never quoted in messages. */
const SECRET_KEYS: ReadonlySet<string> = new Set(["cert_password"]);

/**
 * Flatten schema issues: a union whose input matched exactly one branch's shape reports that
 * branch's issues, with absolute paths; any other union stays one issue.
 */
export function flattenIssues(
  issues: readonly SchemaIssue[],
  prefix: readonly PathSegment[] = [],
): Leaf[] {
  const leaves: Leaf[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const matching = issue.errors.filter((branch) =>
        !(branch.length === 1 && branch[0]!.code === "invalid_type" && branch[0]!.path.length === 0)
      );
      if (matching.length === 1) {
        leaves.push(...flattenIssues(matching[0]!, path));
        continue;
      }
    }
    leaves.push({ issue, path });
  }
  return leaves;
}

/**
 * Coerce, in place, the interpolated strings that a number or boolean key refused
 * (`"18760"` -> 18760, `"true"` -> true), and interpolated empty strings where null is allowed.
 *
 * @returns True when something was coerced (parse again).
 */
export function coerceInterpolated(
  leaves: readonly Leaf[],
  data: unknown,
  interpolated: ReadonlySet<string>,
  root: Schema,
): boolean {
  let changed = false;
  for (const { issue, path } of leaves) {
    if (path.length === 0 || !interpolated.has(formatPath(path))) continue;
    const { found, value } = valueAt(data, path);
    if (!found || typeof value !== "string") continue;
    let coerced: unknown = undefined;
    if (
      issue.code === "invalid_type" && (issue.expected === "number" || issue.expected === "int")
    ) {
      if (/^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/.test(value)) {
        coerced = Number(value);
      }
    } else if (issue.code === "invalid_type" && issue.expected === "boolean") {
      if (/^\s*true\s*$/i.test(value)) coerced = true;
      else if (/^\s*false\s*$/i.test(value)) coerced = false;
    } else if (issue.code === "too_small" && value === "") {
      if (schemaAt(root, path, data, false)?.safeParse(null).success) coerced = null;
    }
    if (coerced !== undefined) {
      setAt(data, path, coerced);
      changed = true;
    }
  }
  return changed;
}

/** Turn leaves into issues with messages that say what was expected and what was found. */
export function toRawIssues(
  leaves: readonly Leaf[],
  data: unknown,
  root: Schema,
  written: ReadonlyMap<string, string> = new Map(),
): RawIssue[] {
  const out: RawIssue[] = [];
  for (const { issue, path } of leaves) {
    const custom = !/^Invalid|^Unrecognized|^Too (small|big)/.test(issue.message);
    const expected = custom ? issue.message : undefined;
    const withExpected = expected === undefined ? {} : { expected };
    if (issue.code === "unrecognized_keys") {
      const allowed = allowedKeys(root, path, data);
      for (const key of issue.keys) {
        const hint = didYouMeanSuffix(key, allowed);
        out.push({
          code: "CONFIG_INVALID",
          segments: [...path, key],
          at: "key",
          message: `unknown key '${key}'${
            hint === "" && allowed.length > 0 ? `; expected one of: ${allowed.join(", ")}` : hint
          }`,
          ...(allowed.length > 0 ? { expected: `one of: ${allowed.join(", ")}` } : {}),
        });
      }
      continue;
    }
    if (issue.code === "invalid_key") {
      const nested = issue.issues[0]?.message ?? issue.message;
      out.push({
        code: "CONFIG_INVALID",
        segments: path,
        at: "key",
        message: `invalid name '${String(path.at(-1))}': expected ${nested}`,
        expected: nested,
      });
      continue;
    }
    const { found, value } = valueAt(data, path);
    const last = path.at(-1);
    if (!found && path.length > 0) {
      const what = issue.code === "invalid_union" && issue.discriminator !== undefined
        ? `one of ${discriminatorOptions(issue).join(", ")}`
        : expected;
      out.push({
        code: "CONFIG_INVALID",
        segments: path,
        message: `missing required key '${String(last)}'${
          what === undefined ? "" : `: expected ${what}`
        }`,
        ...(what === undefined ? {} : { expected: what }),
      });
      continue;
    }
    // A value from the environment is shown as written (`"${CERT_PW}"`), never expanded.
    const text = written.get(formatPath(path));
    const got = text === undefined || typeof value !== "string"
      ? describeValue(value, last)
      : describeValue(text, last);
    if (issue.code === "invalid_union" && issue.discriminator !== undefined) {
      const options = discriminatorOptions(issue);
      const hint = typeof value === "string" ? didYouMeanSuffix(value, options) : "";
      out.push({
        code: "CONFIG_INVALID",
        segments: path,
        message: `expected one of ${options.join(", ")}, got ${got}${hint}`,
        expected: `one of ${options.join(", ")}`,
      });
      continue;
    }
    if (issue.code === "invalid_value") {
      const options = issue.values.map(String);
      const hint = typeof value === "string" ? didYouMeanSuffix(value, options) : "";
      const text = expected ?? `one of ${options.join(", ")}`;
      out.push({
        code: "CONFIG_INVALID",
        segments: path,
        message: `expected ${text}, got ${got}${hint}`,
        expected: text,
      });
      continue;
    }
    out.push({
      code: "CONFIG_INVALID",
      segments: path,
      message: expected === undefined
        ? `${issue.message}, got ${got}`
        : `expected ${expected}, got ${got}`,
      ...withExpected,
    });
  }
  return out;
}

/** The value at `path`, and whether its last key or index is present. */
export function valueAt(
  data: unknown,
  path: readonly PathSegment[],
): { found: boolean; value: unknown } {
  let value: unknown = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, segment)) {
      return { found: false, value: undefined };
    }
    value = (value as Record<PathSegment, unknown>)[segment];
  }
  return { found: true, value };
}

/** Replace the value at `path` (which must exist). */
export function setAt(data: unknown, path: readonly PathSegment[], value: unknown): void {
  const parent = valueAt(data, path.slice(0, -1)).value as Record<PathSegment, unknown>;
  parent[path.at(-1)!] = value;
}

/** Remove the value at `path`: a key is deleted, a list item becomes undefined. */
export function removeAt(data: unknown, path: readonly PathSegment[]): void {
  const { found, value: parent } = valueAt(data, path.slice(0, -1));
  const last = path.at(-1)!;
  if (!found || parent === null || typeof parent !== "object") return;
  if (Array.isArray(parent) && typeof last === "number") parent[last] = undefined;
  else delete (parent as Record<PathSegment, unknown>)[last];
}

/** The keys a mapping at `path` may hold, per the schema. */
export function allowedKeys(
  root: Schema,
  path: readonly PathSegment[],
  data: unknown,
): string[] {
  const schema = schemaAt(root, path, data, true);
  return schema instanceof ObjectSchema ? Object.keys(schema.shape) : [];
}

/** The schema of the value at `path`; `unwrapLast` strips its optional/nullable/union. */
export function schemaAt(
  root: Schema,
  path: readonly PathSegment[],
  data: unknown,
  unwrapLast: boolean,
): Schema | undefined {
  let schema: Schema | undefined = root;
  let value: unknown = data;
  for (const segment of path) {
    schema = unwrap(schema, value);
    if (schema instanceof ObjectSchema) schema = schema.shape[String(segment)];
    else if (schema instanceof ArraySchema) schema = schema.element;
    else if (schema instanceof RecordSchema) schema = schema.valueType;
    else return undefined;
    if (schema === undefined) return undefined;
    value = value !== null && typeof value === "object"
      ? (value as Record<PathSegment, unknown>)[segment]
      : undefined;
  }
  return unwrapLast ? unwrap(schema, value) : schema;
}

function unwrap(schema: Schema, value: unknown): Schema {
  for (let i = 0; i < 16; i++) {
    if (
      schema instanceof OptionalSchema || schema instanceof NullableSchema ||
      schema instanceof DefaultSchema
    ) {
      schema = schema.unwrap();
    } else if (schema instanceof DiscriminatedUnionSchema) {
      const key = schema.discriminator;
      const wanted = value !== null && typeof value === "object"
        ? (value as Record<string, unknown>)[key]
        : undefined;
      const match = schema.options.find((option) => {
        const literal = option.shape[key];
        return literal instanceof ValuesSchema && literal.values.includes(wanted as never);
      });
      if (match === undefined) return schema;
      schema = match;
    } else if (schema instanceof UnionSchema) {
      const match = schema.options.find((option) =>
        Array.isArray(value)
          ? option instanceof ArraySchema
          : value !== null && typeof value === "object" &&
            (option instanceof ObjectSchema || option instanceof RecordSchema)
      );
      if (match === undefined) return schema;
      schema = match;
    } else {
      return schema;
    }
  }
  return schema;
}

/** How a found value is quoted in a message. */
export function describeValue(value: unknown, key: PathSegment | undefined): string {
  if (typeof key === "string" && SECRET_KEYS.has(key)) return "a hidden value";
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  return String(value);
}

function discriminatorOptions(issue: SchemaIssue): string[] {
  return issue.code === "invalid_union" && issue.options !== undefined
    ? issue.options.map(String)
    : [];
}
