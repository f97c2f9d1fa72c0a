import { LineCounter, parseDocument } from "yaml";
import { didYouMeanSuffix } from "../_shared/did_you_mean.ts";
import { ConfigError, SchemaDefinitionError } from "../errors/errors.ts";
import { compileRegisterMap, type RegisterMap, type RegisterMapDef } from "./register_map.ts";

/**
 * The subset of JSON Schema (2020-12) the register-map schema uses; the loader interprets it.
 *
 * @example
 * ```ts
 * import type { JsonSchemaNode } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const port: JsonSchemaNode = { type: "integer", minimum: 1, maximum: 65535 };
 * assert.equal(port.maximum, 65535);
 * ```
 */
export type JsonSchemaNode = {
  readonly type?: "object" | "array" | "string" | "number" | "integer" | "boolean";
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchemaNode;
  readonly items?: JsonSchemaNode;
  readonly prefixItems?: readonly JsonSchemaNode[];
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly pattern?: string;
  readonly [key: string]: unknown;
};

const ADDRESS: JsonSchemaNode = { type: "integer", minimum: 0, maximum: 65535 };

/**
 * The JSON Schema of a register-map file (YAML or JSON): the shape {@linkcode RegisterMapDef}
 * describes. The loader checks files against this very object, so the schema cannot drift
 * from what is accepted. Point your editor at it (`power-sdk schema --register-map`).
 *
 * @example Its top-level keys
 * ```ts
 * import { REGISTER_MAP_JSON_SCHEMA } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(REGISTER_MAP_JSON_SCHEMA.required, ["id", "served", "max_span", "fields", "groups"]);
 * ```
 */
export const REGISTER_MAP_JSON_SCHEMA: JsonSchemaNode = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "Power SDK register map",
  description: "A Modbus TCP device as data: served ranges, fields, groups.",
  type: "object",
  required: ["id", "served", "max_span", "fields", "groups"],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: "^[A-Za-z0-9_.-]+$", description: "Profile id" },
    name: { type: "string" },
    aliases: { type: "array", items: { type: "string" } },
    vendor: { type: "string" },
    served: {
      type: "array",
      minItems: 1,
      description: "Inclusive [first, last] register ranges the device answers",
      items: { type: "array", prefixItems: [ADDRESS, ADDRESS], minItems: 2, maxItems: 2 },
    },
    max_span: { type: "integer", minimum: 1, maximum: 125 },
    isolate_all: { type: "boolean" },
    unit_id: { type: "integer", minimum: 0, maximum: 255 },
    fields: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "address", "type"],
        additionalProperties: false,
        properties: {
          name: { type: "string", pattern: "^[a-z][a-z0-9_]*$" },
          address: ADDRESS,
          type: {
            type: "string",
            description:
              "uint16, int16, uint32, int32, uint32_lw, int32_lw, string:N, string_swapped:N, serial_u64_rev",
          },
          scale: { type: "number", exclusiveMinimum: 0 },
          unit: { type: "string" },
          isolated: { type: "boolean" },
          description: { type: "string" },
          writable: {
            type: "object",
            required: ["min", "max"],
            additionalProperties: false,
            properties: {
              min: { type: "number" },
              max: { type: "number" },
              switch: { type: "boolean" },
              echo: ADDRESS,
              dangerous: { type: "boolean" },
              verified: { type: "boolean" },
            },
          },
        },
      },
    },
    groups: {
      type: "object",
      additionalProperties: {
        type: "object",
        required: ["fields"],
        additionalProperties: false,
        properties: {
          fields: { type: "array", items: { type: "string" } },
          cadence_s: { type: "number", exclusiveMinimum: 0 },
        },
      },
    },
    identity: {
      type: "object",
      additionalProperties: false,
      properties: { model: { type: "string" }, serial: { type: "string" } },
    },
  },
};

/**
 * Reads a register-map file (YAML, or JSON which is YAML too): checks it against
 * {@linkcode REGISTER_MAP_JSON_SCHEMA}, then compiles it (datatypes, served ranges, group
 * names). Every problem is reported at `file:line:column` with its path.
 *
 * @param text The file's text.
 * @param file The file name, for messages. @default {"<register map>"}
 * @returns The compiled map.
 * @throws {ConfigError} `CONFIG_SYNTAX` for bad YAML, `CONFIG_INVALID` for a value the schema
 * or the compiler refuses (with `file`, `line`, `column`, `path`).
 *
 * @example A meter in five lines, and a mistake located
 * ```ts
 * import { parseRegisterMapFile } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const text = `id: METER
 * served: [[0, 9]]
 * max_span: 10
 * fields: [{ name: power, address: 0, type: int32, unit: W }]
 * groups: { live: { fields: [power] } }
 * `;
 * assert.equal(parseRegisterMapFile(text, "meter.yaml").field("power").registers, 2);
 * assert.throws(() => parseRegisterMapFile(text.replace("int32", "int33"), "meter.yaml"), {
 *   code: "CONFIG_INVALID",
 *   line: 4,
 *   path: "fields[0].type",
 * });
 * ```
 */
export function parseRegisterMapFile(text: string, file = "<register map>"): RegisterMap {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const { line, column } = at(first.pos[0]);
    throw new ConfigError(
      "CONFIG_SYNTAX",
      `${file}:${line}:${column}: ${first.message.split("\n")[0]}`,
      { file, line, column },
    );
  }
  const value: unknown = doc.toJS();
  const located = (path: (string | number)[], message: string, cause?: unknown) => {
    // The deepest node of the path that exists.
    let node: unknown = undefined;
    for (let n = path.length; n >= 0 && node === undefined; n--) {
      node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    }
    const offset = (node as { range?: [number, number] } | undefined)?.range?.[0] ?? 0;
    const { line, column } = at(offset);
    const shown = pathText(path);
    return new ConfigError(
      "CONFIG_INVALID",
      `${file}:${line}:${column}: ${shown === "" ? "" : `${shown}: `}${message}`,
      { file, line, column, path: shown },
      cause === undefined ? undefined : { cause },
    );
  };
  const problem = check(value, REGISTER_MAP_JSON_SCHEMA, []);
  if (problem !== null) throw located(problem.path, problem.message);
  try {
    return compileRegisterMap(value as RegisterMapDef);
  } catch (error) {
    if (!(error instanceof SchemaDefinitionError)) throw error;
    const path = parsePath(error.field ?? "");
    const message = error.message.replace(/^Invalid profile [^:]*: [^:]*: /, "");
    throw located(path, message, error);
  }
}

interface Problem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** The first place `value` breaks `schema`, or null. */
function check(value: unknown, schema: JsonSchemaNode, path: (string | number)[]): Problem | null {
  const fail = (message: string): Problem => ({ path, message });
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return fail(`must be a mapping, got ${kind(value)}`);
      }
      const record = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      for (const key of Object.keys(record)) {
        const sub = properties[key] ??
          (typeof schema.additionalProperties === "object" ? schema.additionalProperties : null);
        if (sub === null) {
          const known = Object.keys(properties);
          return {
            path: [...path, key],
            message: `unknown key '${key}'${didYouMeanSuffix(key, known)} (expected ${
              known.join(", ")
            })`,
          };
        }
      }
      for (const key of schema.required ?? []) {
        if (!(key in record)) return fail(`missing key '${key}'`);
      }
      for (const [key, v] of Object.entries(record)) {
        const sub = properties[key] ??
          (typeof schema.additionalProperties === "object" ? schema.additionalProperties : null);
        const inner = sub === null ? null : check(v, sub, [...path, key]);
        if (inner !== null) return inner;
      }
      return null;
    }
    case "array": {
      if (!Array.isArray(value)) return fail(`must be a list, got ${kind(value)}`);
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        return fail(`needs at least ${schema.minItems} item(s), got ${value.length}`);
      }
      if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        return fail(`takes at most ${schema.maxItems} items, got ${value.length}`);
      }
      for (let i = 0; i < value.length; i++) {
        const sub = schema.prefixItems?.[i] ?? schema.items;
        if (sub === undefined) continue;
        const inner = check(value[i], sub, [...path, i]);
        if (inner !== null) return inner;
      }
      return null;
    }
    case "string":
      if (typeof value !== "string") return fail(`must be a string, got ${kind(value)}`);
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
        return fail(`'${value}' does not match ${schema.pattern}`);
      }
      return null;
    case "boolean":
      return typeof value === "boolean" ? null : fail(`must be true or false, got ${kind(value)}`);
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return fail(`must be a number, got ${kind(value)}`);
      }
      if (schema.type === "integer" && !Number.isInteger(value)) {
        return fail(`must be an integer, got ${value}`);
      }
      if (schema.minimum !== undefined && value < schema.minimum) {
        return fail(`must be ≥ ${schema.minimum}, got ${value}`);
      }
      if (schema.maximum !== undefined && value > schema.maximum) {
        return fail(`must be ≤ ${schema.maximum}, got ${value}`);
      }
      if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
        return fail(`must be > ${schema.exclusiveMinimum}, got ${value}`);
      }
      return null;
    }
    default:
      return null;
  }
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function pathText(path: readonly (string | number)[]): string {
  let text = "";
  for (const segment of path) {
    text += typeof segment === "number" ? `[${segment}]` : text === "" ? segment : `.${segment}`;
  }
  return text;
}

function parsePath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    out.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  }
  return out;
}
