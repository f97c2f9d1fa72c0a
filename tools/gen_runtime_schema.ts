// Generates src/cli/_runtime_schema.json, the JSON Schema `power-sdk schema` prints, from the
// runtime's own schema and the built-in plugins and transports: the command prints the file
// instead of building the schemas at every start. Run with `deno task gen:schema`; a test
// (src/cli/schema_command_test.ts) fails when the committed file is stale.
// The built-in plugins (profiles, framings) and transports beyond MQTT: the runtime registry
// takes every defined one, as it does in the CLI.
import "../src/plugins/builtin.ts";
import "../src/plugins/modbus_tcp/transport_definition.ts";
import { runtimeConfigJsonSchema } from "../src/runtime/config/schema.ts";

/** Where the generated schema lives. */
export const RUNTIME_SCHEMA_FILE = new URL("../src/cli/_runtime_schema.json", import.meta.url);

/** The text of the generated file: the schema of the built-in plugins and transports. */
export function renderRuntimeSchema(): string {
  return `${JSON.stringify(runtimeConfigJsonSchema(), null, 2)}\n`;
}

if (import.meta.main) {
  await Deno.writeTextFile(RUNTIME_SCHEMA_FILE, renderRuntimeSchema());
}
