import assert from "node:assert/strict";
import { BUILTIN_PLUGINS } from "../plugins/builtin.ts";
import { runCli } from "./_test_utils.ts";

interface Row {
  readonly name: string;
  readonly register: number;
  readonly plugin: string;
  readonly allowed?: boolean;
  readonly profiles?: readonly string[];
}

Deno.test("controls lists the controls of every built-in plugin that some model allows", async () => {
  const run = await runCli(["controls", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const rows: Row[] = JSON.parse(run.stdout);
  for (const plugin of BUILTIN_PLUGINS) {
    const mine = rows.filter((row) => row.plugin === plugin.id);
    const allowed = plugin.controlRegisters.filter((c) =>
      plugin.profiles.some((p) => p.writableRegisters.includes(c.register))
    );
    assert.deepEqual(mine.map((row) => row.register), allowed.map((c) => c.register), plugin.id);
    const ids = plugin.profiles.map((p) => p.id);
    assert.ok(
      mine.every((row) =>
        row.profiles!.length > 0 && row.profiles!.every((id) => ids.includes(id))
      ),
    );
  }
});

Deno.test("controls --profile lists the controls of that profile's plugin", async () => {
  const run = await runCli(["controls", "--profile", "ac 500", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const rows: Row[] = JSON.parse(run.stdout);
  assert.ok(rows.length > 0 && rows.every((row) => row.plugin === "bluetti_local"));
  assert.equal(rows.find((row) => row.name === "ac_output")?.allowed, true);
  const text = await runCli(["controls", "--profile", "AC500"]);
  assert.match(text.stdout, /^AC500 \(AC500\): \d+ of \d+ controls allowed$/m);
});
