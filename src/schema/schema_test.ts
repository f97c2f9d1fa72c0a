import assert from "node:assert/strict";
import { s, type SchemaIssue, toJsonSchema } from "./schema.ts";

function issuesOf(result: { success: boolean; error?: { issues: SchemaIssue[] } }) {
  assert.equal(result.success, false, "expected the value to be refused");
  return result.error!.issues;
}

function brief(issues: readonly SchemaIssue[]) {
  return issues.map((issue) => [issue.code, issue.path.join("."), issue.message]);
}

Deno.test("strictObject: a copy of the known keys; absent optional keys stay absent", () => {
  const schema = s.strictObject({
    name: s.string("a name"),
    port: s.int("a port").optional(),
  }, "a mapping");
  const input = { name: "a" };
  const result = schema.safeParse(input);
  assert.deepEqual(result, { success: true, data: { name: "a" } });
  assert.ok(result.success && result.data !== input);
  assert.ok(result.success && !("port" in result.data));
});

Deno.test("strictObject: each key's issue at its path, then the unknown keys in one issue", () => {
  const schema = s.strictObject({
    name: s.string("a name"),
    port: s.int("a port").optional(),
  }, "a mapping");
  const issues = issuesOf(schema.safeParse({ port: "x", extra: 1, other: 2 }));
  assert.deepEqual(brief(issues), [
    ["invalid_type", "name", "a name"],
    ["invalid_type", "port", "a port"],
    ["unrecognized_keys", "", "a mapping"],
  ]);
  assert.deepEqual(issues[2]!.code === "unrecognized_keys" && issues[2]!.keys, ["extra", "other"]);
  assert.equal(issues[0]!.code === "invalid_type" && issues[0]!.expected, "string");
  assert.deepEqual(brief(issuesOf(schema.safeParse([]))), [["invalid_type", "", "a mapping"]]);
  assert.deepEqual(brief(issuesOf(schema.safeParse(null))), [["invalid_type", "", "a mapping"]]);
});

Deno.test("a check's own text wins over its schema's, which wins over the generic sentence", () => {
  const own = s.string("a name").min(2, "two letters at least").regex(/^[a-z]+$/);
  assert.deepEqual(brief(issuesOf(own.safeParse("A"))), [
    ["too_small", "", "two letters at least"],
    ["invalid_format", "", "a name"],
  ]);
  const generic = s.string().min(2);
  assert.deepEqual(brief(issuesOf(generic.safeParse("a"))), [
    ["too_small", "", "Too small: expected string to have >=2 characters"],
  ]);
  assert.deepEqual(brief(issuesOf(s.string().safeParse(5))), [
    ["invalid_type", "", "Invalid input: expected string, received number"],
  ]);
  assert.deepEqual(brief(issuesOf(s.strictObject({}).safeParse({ a: 1 }))), [
    ["unrecognized_keys", "", 'Unrecognized key: "a"'],
  ]);
  assert.deepEqual(brief(issuesOf(s.enum(["a", "b"]).safeParse("c"))), [
    ["invalid_value", "", 'Invalid option: expected one of "a"|"b"'],
  ]);
  // A string's length counts code points.
  assert.ok(s.string().max(1).safeParse("\u{1F600}").success);
});

Deno.test("int: a fraction is an int type issue and stops the bounds; NaN and strings are not numbers", () => {
  const port = s.int("a port 1..65535").min(1).max(65535);
  const fraction = issuesOf(port.safeParse(0.5));
  assert.deepEqual(brief(fraction), [["invalid_type", "", "a port 1..65535"]]);
  assert.equal(fraction[0]!.code === "invalid_type" && fraction[0]!.expected, "int");
  assert.deepEqual(brief(issuesOf(port.safeParse(0))), [["too_small", "", "a port 1..65535"]]);
  assert.deepEqual(brief(issuesOf(port.safeParse(70_000))), [["too_big", "", "a port 1..65535"]]);
  for (const value of ["80", Number.NaN, Infinity, null]) {
    const issues = issuesOf(port.safeParse(value));
    assert.deepEqual(issues.map((i) => i.code === "invalid_type" && i.expected), ["number"]);
  }
  assert.deepEqual(brief(issuesOf(s.int().safeParse(2 ** 60))), [
    ["too_big", "", "Too big: expected int to be <=9007199254740991"],
  ]);
  assert.ok(s.number().min(0.1).safeParse(0.1).success);
  assert.ok(!s.number().min(0.1).safeParse(0.05).success);
});

Deno.test("length checks also measure a value of the wrong type that has a length", () => {
  // As zod does: a list given as "" is both not a list and too short.
  const devices = s.array(s.string(), "a list").min(1, "at least one");
  assert.deepEqual(brief(issuesOf(devices.safeParse(""))), [
    ["invalid_type", "", "a list"],
    ["too_small", "", "at least one"],
  ]);
  assert.deepEqual(brief(issuesOf(devices.safeParse(5))), [["invalid_type", "", "a list"]]);
  assert.deepEqual(brief(issuesOf(devices.safeParse([]))), [["too_small", "", "at least one"]]);
  assert.deepEqual(brief(issuesOf(devices.safeParse(["a", 2]))), [
    ["invalid_type", "1", "Invalid input: expected string, received number"],
  ]);
  // Other checks do not run on a value of the wrong type.
  const named = s.string("a name").regex(/^a/, "starting with a");
  assert.deepEqual(brief(issuesOf(named.safeParse(["b"]))), [["invalid_type", "", "a name"]]);
});

Deno.test("literal and enum: invalid_value with the values", () => {
  const version = s.literal(1, "1 (the only version)");
  assert.ok(version.safeParse(1).success);
  const issues = issuesOf(version.safeParse("1"));
  assert.deepEqual(issues, [{
    code: "invalid_value",
    values: [1],
    path: [],
    message: "1 (the only version)",
  }]);
  const drop = s.enum(["oldest", "newest"], "one of oldest, newest");
  assert.deepEqual(drop.values, ["oldest", "newest"]);
  assert.ok(drop.safeParse("newest").success);
  assert.deepEqual(brief(issuesOf(drop.safeParse("old"))), [
    ["invalid_value", "", "one of oldest, newest"],
  ]);
});

Deno.test("union: the first branch that fits; one branch going on gives its issues; else invalid_union", () => {
  const groups = s.union([
    s.array(s.string("a group"), "groups").min(1, "at least one group"),
    s.record(s.string(), s.number("seconds").min(1, "seconds")),
  ], "groups");
  assert.deepEqual(groups.safeParse({ a: 2 }), { success: true, data: { a: 2 } });
  // An empty list: the list branch's bound goes on, the record branch stops.
  assert.deepEqual(brief(issuesOf(groups.safeParse([]))), [
    ["too_small", "", "at least one group"],
  ]);
  const union = issuesOf(groups.safeParse([1]));
  assert.deepEqual(brief(union), [["invalid_union", "", "groups"]]);
  const errors = union[0]!.code === "invalid_union" ? union[0]!.errors : [];
  assert.deepEqual(errors.map(brief), [
    [["invalid_type", "0", "a group"]],
    [["invalid_type", "", "Invalid input: expected record, received array"]],
  ]);
  assert.deepEqual(brief(issuesOf(groups.safeParse("a"))), [["invalid_union", "", "groups"]]);
});

Deno.test("discriminatedUnion: the branch of the literal; else the key and the options", () => {
  const sink = s.discriminatedUnion("type", [
    s.strictObject({ type: s.literal("stdout") }, "a sink"),
    s.strictObject({ type: s.literal("jsonl"), path: s.string("a path") }, "a sink"),
  ], "a sink");
  assert.deepEqual(sink.safeParse({ type: "jsonl", path: "p" }), {
    success: true,
    data: { type: "jsonl", path: "p" },
  });
  assert.deepEqual(brief(issuesOf(sink.safeParse({ type: "jsonl" }))), [
    ["invalid_type", "path", "a path"],
  ]);
  const missing = issuesOf(sink.safeParse({ path: "p" }));
  assert.deepEqual(missing, [{
    code: "invalid_union",
    errors: [],
    discriminator: "type",
    options: ["stdout", "jsonl"],
    path: ["type"],
    message: "a sink",
  }]);
  assert.deepEqual(brief(issuesOf(sink.safeParse("stdout"))), [["invalid_type", "", "a sink"]]);
  assert.throws(
    () => s.discriminatedUnion("type", [s.strictObject({ kind: s.literal("x") })]),
    TypeError,
  );
});

Deno.test("record: a refused key is one invalid_key issue; values at their key", () => {
  const pipelines = s.record(
    s.string("a name").regex(/^[a-z]+$/, "a name"),
    s.int("a number"),
    "a mapping of names",
  );
  assert.deepEqual(pipelines.safeParse({ a: 1 }), { success: true, data: { a: 1 } });
  const issues = issuesOf(pipelines.safeParse({ "B!": 1, c: "x" }));
  assert.deepEqual(brief(issues), [
    ["invalid_key", "B!", "a mapping of names"],
    ["invalid_type", "c", "a number"],
  ]);
  assert.deepEqual(issues[0]!.code === "invalid_key" && brief(issues[0]!.issues), [
    ["invalid_format", "", "a name"],
  ]);
  assert.deepEqual(brief(issuesOf(pipelines.safeParse([]))), [
    ["invalid_type", "", "a mapping of names"],
  ]);
});

Deno.test("optional, nullable, default, unknown and never", () => {
  const path = s.string("a path").min(1, "a path").nullable().optional();
  assert.ok(path.safeParse(undefined).success);
  assert.ok(path.safeParse(null).success);
  assert.deepEqual(brief(issuesOf(path.safeParse(""))), [["too_small", "", "a path"]]);
  const withDefault = s.strictObject({ size: s.int().default(100) });
  assert.deepEqual(withDefault.safeParse({}), { success: true, data: { size: 100 } });
  assert.deepEqual(withDefault.safeParse({ size: 5 }), { success: true, data: { size: 5 } });
  assert.ok(s.unknown().safeParse(Symbol.iterator).success);
  assert.deepEqual(brief(issuesOf(s.never("nothing").safeParse(1))), [
    ["invalid_type", "", "nothing"],
  ]);
  // A required key of a schema that takes anything must still be there.
  assert.deepEqual(s.strictObject({ a: s.unknown() }).safeParse({}), { success: true, data: {} });
});

Deno.test("describe, meta and checks return new schemas; meta merges", () => {
  const base = s.string("a name");
  const described = base.describe("The name.");
  assert.equal(base.description, undefined);
  assert.equal(described.description, "The name.");
  const withDefault = described.meta({ default: "x" });
  assert.deepEqual(toJsonSchema(withDefault), {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "string",
    description: "The name.",
    default: "x",
  });
  const short = base.max(3);
  assert.ok(base.safeParse("long name").success);
  assert.ok(!short.safeParse("long name").success);
});

Deno.test("check: a custom check runs after the type and bounds, and says what it expected", () => {
  const even = s.int("an integer").min(0).check((n) => n % 2 === 0 ? undefined : "an even number");
  assert.ok(even.safeParse(4).success);
  assert.deepEqual(brief(issuesOf(even.safeParse(3))), [["custom", "", "an even number"]]);
  assert.deepEqual(brief(issuesOf(even.safeParse("3"))), [["invalid_type", "", "an integer"]]);
});

Deno.test("extend: more keys, the same text", () => {
  const options = s.strictObject({ host: s.string().optional() }, "options");
  const extended = options.extend({ framing: s.enum(["a"]).optional() });
  assert.deepEqual(Object.keys(extended.shape), ["host", "framing"]);
  assert.deepEqual(Object.keys(options.shape), ["host"]);
  assert.deepEqual(brief(issuesOf(extended.safeParse({ x: 1 }))), [
    ["unrecognized_keys", "", "options"],
  ]);
});

Deno.test("toJsonSchema: draft 2020-12 keywords in zod's order, then the metadata", () => {
  const schema = s.strictObject({
    name: s.string().regex(/^[a-z]+$/).describe("Name."),
    size: s.int().min(1).max(10).meta({ description: "Size.", default: 5 }).optional(),
    rate: s.number().min(0.1),
    list: s.array(s.string().min(1)).min(1).describe("List."),
    mode: s.enum(["a", "b"]),
    version: s.literal(1),
    password: s.string().nullable().meta({ default: null }).optional(),
    file: s.string().min(1).nullable().optional(),
    groups: s.union([s.array(s.string()), s.record(s.string(), s.number())]),
    sink: s.discriminatedUnion("type", [s.strictObject({ type: s.literal("x") })]),
    any: s.unknown().optional(),
    none: s.never(),
  }).describe("Root.");
  const json = toJsonSchema(schema);
  assert.equal(
    JSON.stringify(json),
    JSON.stringify({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        name: { type: "string", pattern: "^[a-z]+$", description: "Name." },
        size: { type: "integer", minimum: 1, maximum: 10, description: "Size.", default: 5 },
        rate: { type: "number", minimum: 0.1 },
        list: {
          minItems: 1,
          type: "array",
          items: { type: "string", minLength: 1 },
          description: "List.",
        },
        mode: { type: "string", enum: ["a", "b"] },
        version: { type: "number", const: 1 },
        password: { default: null, type: ["string", "null"] },
        file: { anyOf: [{ type: "string", minLength: 1 }, { type: "null" }] },
        groups: {
          anyOf: [
            { type: "array", items: { type: "string" } },
            {
              type: "object",
              propertyNames: { type: "string" },
              additionalProperties: { type: "number" },
            },
          ],
        },
        sink: {
          oneOf: [{
            type: "object",
            properties: { type: { type: "string", const: "x" } },
            required: ["type"],
            additionalProperties: false,
          }],
        },
        any: {},
        none: { not: {} },
      },
      required: ["name", "rate", "list", "mode", "version", "groups", "sink", "none"],
      additionalProperties: false,
      description: "Root.",
    }),
  );
  // A fresh object each time.
  (json.properties as Record<string, unknown>).name = 0;
  assert.notEqual((toJsonSchema(schema).properties as Record<string, unknown>).name, 0);
});

/** What `schema` makes of an empty object. */
function parsed(schema: ReturnType<typeof s.strictObject>): unknown {
  const result = schema.safeParse({});
  assert.ok(result.success);
  return result.data;
}

Deno.test("an object default is a fresh deep copy for every result, own __proto__ keys kept", () => {
  const fallback = JSON.parse('{"groups": ["core", {"name": "grid"}], "__proto__": {"x": 1}}');
  const schema = s.strictObject({ opts: s.unknown().default(fallback) });
  const a = parsed(schema) as { opts: { groups: unknown[] } };
  const b = parsed(schema) as { opts: { groups: unknown[] } };
  assert.deepEqual(a.opts, fallback);
  assert.notEqual(a.opts, b.opts);
  assert.notEqual(a.opts.groups, b.opts.groups);
  assert.notEqual(a.opts.groups[1], fallback.groups[1]);
  assert.ok(Object.hasOwn(a.opts, "__proto__"));
  assert.equal(Object.getPrototypeOf(a.opts), Object.prototype);
  // Not plain data: copied as structuredClone copies it.
  const when = new Date(0);
  const dated = parsed(s.strictObject({ at: s.unknown().default(when) })) as { at: Date };
  assert.notEqual(dated.at, when);
  assert.equal(dated.at.getTime(), 0);
});
