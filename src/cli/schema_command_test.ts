import assert from "node:assert/strict";
import { runtimeConfigJsonSchema } from "../../mod.ts";
import { renderRuntimeSchema, RUNTIME_SCHEMA_FILE } from "../../tools/gen_runtime_schema.ts";
import { lines, runCli } from "./_test_utils.ts";

Deno.test("schema prints the JSON Schema of runtime.yaml", async () => {
  const run = await runCli(["schema"]);
  assert.equal(run.code, 0);
  assert.equal(run.stderr, "");
  assert.deepEqual(JSON.parse(run.stdout), runtimeConfigJsonSchema());
  assert.ok(run.stdout.endsWith("}\n"));
});

Deno.test("the schema 'schema' prints is the runtime's own: src/cli/_runtime_schema.json is not stale", async () => {
  const committed = await Deno.readTextFile(RUNTIME_SCHEMA_FILE);
  assert.deepEqual(
    JSON.parse(committed),
    JSON.parse(renderRuntimeSchema()),
    "src/cli/_runtime_schema.json is stale: run 'deno task gen:schema'",
  );
});

Deno.test("schema returns 2 for an argument or an option it does not have", async () => {
  const file = await runCli(["schema", "runtime.schema.json"]);
  assert.equal(file.code, 2);
  assert.deepEqual(lines(file.stderr), [
    "error: unexpected argument 'runtime.schema.json' for 'schema' (it prints to stdout: power-sdk schema > runtime.schema.json)",
    "Run 'power-sdk schema --help' for usage.",
  ]);
  const output = await runCli(["schema", "--output", "x.json"]);
  assert.equal(output.code, 2);
  assert.match(output.stderr, /^error: unknown option '--output' for 'schema'/);
});

Deno.test("schema --help and help schema print the same help", async () => {
  const expected = (await runCli(["schema", "--help"])).stdout;
  assert.match(expected, /^Usage: power-sdk schema\n/);
  assert.equal((await runCli(["help", "schema"])).stdout, expected);
});
