// `power-sdk schema`: the JSON Schema of runtime.yaml on stdout, for editors.
// The schema is generated from the runtime's schema and the built-in plugins and transports
// (`deno task gen:schema`, checked by a test that fails when it is stale) and printed from that
// file: the command starts without building the schemas, the runtime or a transport.
import RUNTIME_SCHEMA from "./_runtime_schema.json" with { type: "json" };
import { parseCommandArgs } from "./_args.ts";
import { type CommandContext, printedHelpOrVersion, printJson } from "./_context.ts";
import { UsageError } from "./_usage_error.ts";

/**
 * Help of `power-sdk schema`.
 *
 * @example Print it
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["schema", "--help"], io), 0);
 * assert.match(out, /^Usage: power-sdk schema\n/);
 * ```
 */
export const SCHEMA_HELP = `Usage: power-sdk schema

Print the JSON Schema (draft 2020-12) of runtime.yaml on stdout: every key with its
description and default, for editors with the YAML language server. Save it next to the file
and name it on the file's first line:

  power-sdk schema > runtime.schema.json
  # yaml-language-server: $schema=./runtime.schema.json

Cross-references (a device's pipeline exists, its groups belong to its profile...) are beyond
JSON Schema: 'power-sdk runtime --config runtime.yaml --dry-run' checks them.

Options:
  -h, --help                Show this help

Exit codes: 0 printed, 2 usage error.
`;

/**
 * Run `schema`: print the JSON Schema of runtime.yaml.
 *
 * @param args The arguments after `schema`.
 * @param ctx Output and registry.
 * @returns 0.
 * @throws {UsageError} for an argument or an unknown option.
 *
 * @example The schema describes the devices list
 * ```ts
 * import { type CliIo, main } from "@power-sdk/sdk/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const io: CliIo = { stdout: (text) => out += text, stderr: () => {} };
 * assert.equal(await main(["schema"], io), 0);
 * const schema = JSON.parse(out);
 * assert.equal(schema.title, "Power SDK runtime.yaml");
 * assert.equal(schema.properties.devices.type, "array");
 * ```
 */
export function schemaCommand(args: readonly string[], ctx: CommandContext): number {
  const parsed = parseCommandArgs(args, {}, "schema");
  if (printedHelpOrVersion(ctx, parsed, SCHEMA_HELP)) return 0;
  const extra = parsed.positionals[0];
  if (extra !== undefined) {
    throw new UsageError(
      `unexpected argument '${extra}' for 'schema' (it prints to stdout: power-sdk schema > ${extra})`,
      "schema",
    );
  }
  printJson(ctx, RUNTIME_SCHEMA);
  return 0;
}
