import { type Schema, toJsonSchema } from "../../schema/schema.ts";
import { framingNames } from "../../protocol/framing.ts";
import { RuntimeRegistry } from "../runtime_registry.ts";
import { buildRuntimeConfigSchema, ownTransportOptsSchema } from "./_schema.ts";

/**
 * The JSON Schema (draft 2020-12) of `runtime.yaml`, for editors (`power-sdk schema >
 * runtime.schema.json`, then `# yaml-language-server: $schema=runtime.schema.json` on top of
 * the file). Every key has a description and its built-in default; unknown keys are refused.
 * A number, boolean or constrained string key also accepts any string holding `${`, since
 * interpolation happens before validation. A pipeline's `transport_opts` are checked by its
 * transport's own options (`if`/`then` on `transport`); at the device and defaults levels the
 * transport is known only through the pipeline, so there every registered transport's keys are
 * listed. Cross-references (a device's pipeline exists, its options are its transport's, ...)
 * are beyond JSON Schema: `--dry-run` checks them.
 *
 * @param registry The plugins and transports whose names and options it lists. @default {RuntimeRegistry.withBuiltins()}
 * @returns A fresh JSON-serializable object.
 *
 * @example The schema knows the devices list
 * ```ts
 * import { runtimeConfigJsonSchema } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const schema = runtimeConfigJsonSchema();
 * assert.equal(schema.title, "Power SDK runtime.yaml");
 * const properties = schema.properties as Record<string, unknown>;
 * assert.ok("devices" in properties);
 * assert.ok(JSON.stringify(schema).length > 1000);
 * ```
 */
export function runtimeConfigJsonSchema(
  registry: RuntimeRegistry = RuntimeRegistry.withBuiltins(),
): Record<string, unknown> {
  const sources = {
    transports: registry.transports(),
    plugins: registry.plugins(),
    framings: framingNames(),
  };
  const toJson = (schema: Schema) => toJsonSchema(schema);
  const generated = toJson(buildRuntimeConfigSchema(sources, true));
  // A pipeline's transport_opts are its own transport's: if transport is X, then X's options.
  const pipeline = (generated.properties as Record<string, Record<string, unknown>>).pipelines
    ?.additionalProperties as Record<string, unknown> | undefined;
  if (pipeline !== undefined && sources.transports.length > 0) {
    pipeline.allOf = sources.transports.map((transport) => {
      const { $schema: _, ...opts } = toJson(ownTransportOptsSchema(transport, sources.framings));
      const description = `With transport ${transport.name}: ${transport.description}.`;
      return {
        if: {
          properties: { transport: { const: transport.name, description } },
          required: ["transport"],
        },
        then: {
          properties: {
            transport_opts: { ...opts, description: `Options of transport ${transport.name}.` },
          },
        },
      };
    });
  }
  const { $schema: _, ...rest } = generated;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Power SDK runtime.yaml",
    description:
      "The Power SDK runtime configuration: pipelines, defaults, devices and sinks. Strings may hold ${VAR}, ${VAR:-default}, ${VAR:?message} and $$.",
    ...(allowInterpolation(rest) as Record<string, unknown>),
  };
}

const INTERPOLATED = { type: "string", pattern: "\\$\\{" } as const;

/**
 * Let every number, integer or boolean node, and every string with a pattern, enum or length,
 * also be a string holding `${`: its value is only known after interpolation.
 */
function allowInterpolation(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowInterpolation);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = allowInterpolation(value);
  const type = out.type;
  const constrainedString = type === "string" &&
    ("pattern" in out || "enum" in out || "const" in out || "minLength" in out);
  if (type === "number" || type === "integer" || type === "boolean" || constrainedString) {
    const { description, default: fallback, ...constraints } = out;
    return {
      ...(description === undefined ? {} : { description }),
      ...(fallback === undefined ? {} : { default: fallback }),
      anyOf: [constraints, { ...INTERPOLATED }],
    };
  }
  return out;
}
