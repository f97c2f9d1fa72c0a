// The README's commands are claims: each `deno task power-sdk ...` line in it must run and
// exit 0 with the project's permission set.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const readme = await Deno.readTextFile(new URL("README.md", root));
const commands = readme.split("\n").filter((line) => line.startsWith("deno task power-sdk "));

Deno.test("README has runnable power-sdk commands", () => {
  assert.ok(commands.length > 0);
});

for (const line of commands) {
  Deno.test(`README command runs: ${line.slice(0, 70)}`, async () => {
    const args = line.replace("deno task power-sdk ", "").split(/\s+/);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "-P=cli", "cli.ts", ...args],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    assert.ok(output.stdout.length > 0);
  });
}
