import assert from "node:assert/strict";
import { parse } from "yaml";
import { SEED_YAML } from "./_test_utils.ts";
import { runtimeConfigJsonSchema } from "./schema.ts";

type Schema = Record<string, unknown>;

/**
 * A small JSON Schema checker for the keywords the export uses: enough to tell whether an
 * editor would accept a document. Returns the paths that fail.
 */
function check(schema: Schema, value: unknown, path = "$"): string[] {
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    const options = (schema.anyOf ?? schema.oneOf) as Schema[];
    const passing = options.filter((option) => check(option, value, path).length === 0);
    const ok = schema.oneOf ? passing.length === 1 : passing.length > 0;
    return ok ? [] : [`${path}: no option of anyOf/oneOf matches`];
  }
  const errors: string[] = [];
  for (const part of (schema.allOf ?? []) as Schema[]) {
    if (part.if !== undefined) {
      if (check(part.if as Schema, value, path).length > 0) continue;
      errors.push(...check(part.then as Schema, value, path));
    } else errors.push(...check(part, value, path));
  }
  const types = schema.type === undefined ? [] : [schema.type].flat() as string[];
  const kind = value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : Number.isInteger(value)
    ? "integer"
    : typeof value;
  if (
    types.length > 0 && !types.includes(kind) && !(kind === "integer" && types.includes("number"))
  ) {
    return [`${path}: expected ${types.join("|")}, got ${kind}`];
  }
  if ("const" in schema && schema.const !== value) errors.push(`${path}: expected const`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: enum`);
  if (typeof value === "string" && typeof schema.pattern === "string") {
    if (!new RegExp(schema.pattern, "u").test(value)) errors.push(`${path}: pattern`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${path}: min`);
    if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${path}: max`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) {
      errors.push(`${path}: minItems`);
    }
    const items = schema.items as Schema | undefined;
    if (items) value.forEach((item, i) => errors.push(...check(items, item, `${path}[${i}]`)));
  }
  if (kind === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in object)) errors.push(`${path}.${key}: required`);
    }
    for (const [key, child] of Object.entries(object)) {
      if (key in properties) errors.push(...check(properties[key]!, child, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed`);
      else if (typeof schema.additionalProperties === "object") {
        errors.push(...check(schema.additionalProperties as Schema, child, `${path}.${key}`));
      }
    }
  }
  return errors;
}

Deno.test("runtimeConfigJsonSchema() is a titled, serializable JSON Schema of the format", () => {
  const schema = runtimeConfigJsonSchema();
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.equal(schema.title, "Power SDK runtime.yaml");
  assert.equal(schema.type, "object");
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required, ["version", "pipelines", "devices"]);
  const properties = schema.properties as Record<string, Schema>;
  assert.deepEqual(Object.keys(properties), [
    "version",
    "pipelines",
    "defaults",
    "devices",
    "sinks",
    "limits",
  ]);
  assert.equal(properties.devices?.type, "array");
  assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema);
  assert.notEqual(runtimeConfigJsonSchema(), schema); // a fresh object each time
});

Deno.test("runtimeConfigJsonSchema() accepts the seed file, interpolations included", () => {
  const schema = runtimeConfigJsonSchema();
  assert.deepEqual(check(schema, parse(SEED_YAML)), []);
  const interpolatedPort = parse(SEED_YAML.replace("port: 18760", 'port: "${PORT:-18760}"'));
  assert.deepEqual(check(schema, interpolatedPort), []);
});

Deno.test("runtimeConfigJsonSchema() refuses unknown keys and out-of-range values", () => {
  const schema = runtimeConfigJsonSchema();
  const typo = parse(SEED_YAML.replace("poll_interval: 30", "pol_interval: 30"));
  assert.deepEqual(check(schema, typo), ["$.defaults.pol_interval: not allowed"]);
  const port = parse(SEED_YAML.replace("port: 18760", "port: 70000"));
  assert.deepEqual(check(schema, port), [
    "$.defaults.transport.opts.port: no option of anyOf/oneOf matches",
  ]);
  const sink = parse(SEED_YAML + "sinks:\n  file: { type: jsonl }\n");
  assert.deepEqual(check(schema, sink), ["$.sinks.file: no option of anyOf/oneOf matches"]);
});

Deno.test("runtimeConfigJsonSchema() describes every key and gives the built-in defaults", () => {
  const schema = runtimeConfigJsonSchema();
  const undocumented: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== "object") return;
    const properties = (node as Schema).properties as Record<string, Schema> | undefined;
    for (const [key, child] of Object.entries(properties ?? {})) {
      const described = typeof child.description === "string" ||
        ((child.anyOf ?? child.oneOf) as Schema[] | undefined)?.some((o) => o.description);
      if (!described && key !== "type") undocumented.push(`${path}.${key}`);
    }
    for (const [key, child] of Object.entries(node)) walk(child, `${path}.${key}`);
  };
  walk(schema, "$");
  assert.deepEqual(undocumented, []);
  const opts = ((((schema.properties as Record<string, Schema>).defaults!.properties as Record<
    string,
    Schema
  >).transport!.properties as Record<string, Schema>).opts!.properties) as Record<string, Schema>;
  // The broker and port of a vendor's cloud are the plugin's, not built into the schema.
  assert.equal(opts.port?.default, undefined);
  assert.match(JSON.stringify(opts.broker), /Default: the plugin's/);
  assert.equal(opts.keepalive?.default, 60);
  assert.equal(opts.allow_insecure?.default, false);
});

Deno.test("runtimeConfigJsonSchema() takes profile_file on devices and pipelines", () => {
  const schema = runtimeConfigJsonSchema();
  const doc = parse(`version: 1
pipelines:
  meters: { transport: modbus_tcp, vendor: generic, protocol: modbus, profile_file: maps/meter.yaml }
devices:
  - { id: house, pipeline: meters, profile_file: ./my-meter.yaml, transport: { opts: { host: 192.168.1.60 } } }
  - { id: shed, pipeline: meters, transport: { opts: { host: 192.168.1.61 } } }
`);
  assert.deepEqual(check(schema, doc), []);
  const device = ((schema.properties as Record<string, Schema>).devices!.items as Schema)
    .properties as Record<string, Schema>;
  assert.equal((device.profile_file?.anyOf as Schema[])[0]?.type, "string");
  assert.match(String(device.profile_file?.description), /register-map file/);
  assert.deepEqual(
    check(schema, { ...doc, devices: [{ id: "a", pipeline: "meters", profile_file: 3 }] }),
    [
      "$.devices[0].profile_file: no option of anyOf/oneOf matches",
    ],
  );
});

Deno.test("runtimeConfigJsonSchema() checks a pipeline's transport_opts by its own transport", () => {
  const schema = runtimeConfigJsonSchema();
  const doc = (pipeline: string) =>
    parse(`version: 1
pipelines:
  p: ${pipeline}
devices: [{ id: a, pipeline: p, profile_file: a.yaml }]
`);
  // (The JSON Schema does not tie a vendor to a transport: --dry-run does.)
  const local =
    "{ transport: modbus_tcp, vendor: generic, protocol: modbus, transport_opts: OPTS }";
  const cloud = "{ transport: mqtt, vendor: generic, protocol: modbus, transport_opts: OPTS }";
  assert.deepEqual(check(schema, doc(local.replace("OPTS", "{ host: h, port: 1502 }"))), []);
  assert.deepEqual(check(schema, doc(cloud.replace("OPTS", "{ broker: h, port: 8883 }"))), []);
  // An MQTT option on a Modbus TCP pipeline, and the other way round.
  assert.deepEqual(check(schema, doc(local.replace("OPTS", "{ host: h, broker: h }"))), [
    "$.pipelines.p.transport_opts.broker: not allowed",
  ]);
  assert.deepEqual(check(schema, doc(cloud.replace("OPTS", "{ unit_id: 1 }"))), [
    "$.pipelines.p.transport_opts.unit_id: not allowed",
  ]);
  // (Refused twice: by the pipeline's transport and by the keys of all transports.)
  assert.deepEqual([
    ...new Set(check(schema, doc(local.replace("OPTS", "{ host: h, port: 70000 }")))),
  ], [
    "$.pipelines.p.transport_opts.port: no option of anyOf/oneOf matches",
  ]);
});
