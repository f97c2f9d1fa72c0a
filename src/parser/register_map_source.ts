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
 * A register map as parsed data (from a YAML or JSON file), with where its values sit.
 *
 * @example A map built in code, located nowhere
 * ```ts
 * import { compileRegisterMapSource, type RegisterMapSource } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const source: RegisterMapSource = {
 *   file: "meter.json",
 *   data: { id: "M", served: [[0, 1]], max_span: 2, fields: [{ name: "p", address: 0, type: "int32" }], groups: {} },
 *   locate: () => ({ line: 1, column: 1 }),
 * };
 * assert.equal(compileRegisterMapSource(source).id, "M");
 * ```
 */
export interface RegisterMapSource {
  /** The file's name, for messages. */
  readonly file: string;
  /** The parsed data. */
  readonly data: unknown;
  /**
   * Where the value at a path (or its deepest existing ancestor) starts, 1-based.
   *
   * @param path Keys and list indexes (`["fields", 0, "type"]`).
   * @returns Line and column.
   */
  locate(path: readonly (string | number)[]): { readonly line: number; readonly column: number };
}

/**
 * Checks parsed register-map data against {@linkcode REGISTER_MAP_JSON_SCHEMA}, then compiles
 * it (datatypes, served ranges, group names). The first problem is thrown at
 * `file:line:column` with its path.
 *
 * @param source The data, its file name and positions.
 * @returns The compiled map.
 * @throws {ConfigError} `CONFIG_INVALID` for a value the schema or the compiler refuses (with
 * `file`, `line`, `column`, `path`).
 *
 * @example A mistake located
 * ```ts
 * import { compileRegisterMapSource } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const data = { id: "M", served: [[0, 1]], max_span: 2, fields: [{ name: "p", address: 0, type: "int33" }], groups: {} };
 * assert.throws(() => compileRegisterMapSource({ file: "m.json", data, locate: () => ({ line: 3, column: 7 }) }), {
 *   code: "CONFIG_INVALID",
 *   line: 3,
 *   path: "fields[0].type",
 * });
 * ```
 */
export function compileRegisterMapSource(source: RegisterMapSource): RegisterMap {
  const located = (path: (string | number)[], message: string, cause?: unknown) => {
    const { line, column } = source.locate(path);
    const shown = pathText(path);
    return new ConfigError(
      "CONFIG_INVALID",
      `${source.file}:${line}:${column}: ${shown === "" ? "" : `${shown}: `}${message}`,
      { file: source.file, line, column, path: shown },
      cause === undefined ? undefined : { cause },
    );
  };
  const problem = check(source.data, REGISTER_MAP_JSON_SCHEMA, []);
  if (problem !== null) throw located(problem.path, problem.message);
  try {
    return compileRegisterMap(source.data as RegisterMapDef);
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
        return fail(`must be \u2265 ${schema.minimum}, got ${value}`);
      }
      if (schema.maximum !== undefined && value > schema.maximum) {
        return fail(`must be \u2264 ${schema.maximum}, got ${value}`);
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
