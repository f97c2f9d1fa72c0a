import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import { type CliIo, main } from "./main.ts";
import { lines, runCli } from "./_test_utils.ts";

Deno.test("main() prints the version from deno.json", async () => {
  for (const args of [["--version"], ["-V"], ["blocks", "--version"]]) {
    const run = await runCli(args);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `power-sdk ${config.version}\n`);
    assert.equal(run.stderr, "");
  }
});

Deno.test("main() prints the global help for --help, -h and no arguments", async () => {
  for (const args of [["--help"], ["-h"], [], ["help"]]) {
    const run = await runCli(args);
    assert.equal(run.code, 0, args.join(" "));
    assert.match(run.stdout, /^power-sdk \d+\.\d+\.\d+: /);
    assert.match(run.stdout, /Usage: power-sdk <command> \[options\]/);
    for (const command of ["blocks", "decode", "profiles"]) {
      assert.match(run.stdout, new RegExp(command));
    }
    assert.equal(run.stderr, "");
  }
});

Deno.test("main() prints a command's help for --help after it, before it, or via help", async () => {
  const expected = (await runCli(["decode", "--help"])).stdout;
  assert.match(expected, /^Usage: power-sdk decode --block <id\|name>/);
  assert.match(expected, /--framing <name>/);
  assert.equal((await runCli(["--help", "decode"])).stdout, expected);
  assert.equal((await runCli(["help", "decode"])).stdout, expected);
  assert.match((await runCli(["help", "blocks", "show"])).stdout, /^Usage: power-sdk blocks show/);
  assert.match((await runCli(["profiles", "-h"])).stdout, /^Usage: power-sdk profiles/);
});

Deno.test("main() returns 2 and suggests the command for a mistyped one", async () => {
  const run = await runCli(["blcoks"]);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, "");
  assert.deepEqual(lines(run.stderr), [
    "error: unknown command 'blcoks'; did you mean 'blocks'?",
    "Run 'power-sdk --help' for usage.",
  ]);
  assert.match((await runCli(["decod"])).stderr, /did you mean 'decode'\?/);
  assert.match((await runCli(["profile"])).stderr, /did you mean 'profiles'\?/);
});

Deno.test("main() returns 2 without a suggestion when no command is close", async () => {
  const run = await runCli(["frobnicate"]);
  assert.equal(run.code, 2);
  assert.deepEqual(lines(run.stderr), [
    "error: unknown command 'frobnicate'",
    "Run 'power-sdk --help' for usage.",
  ]);
});

Deno.test("main() returns 2 for an unknown option before or after the command", async () => {
  const before = await runCli(["--jsn", "blocks"]);
  assert.equal(before.code, 2);
  assert.match(before.stderr, /^error: unknown option '--jsn'/);
  const after = await runCli(["blocks", "--jsn"]);
  assert.equal(after.code, 2);
  assert.deepEqual(lines(after.stderr), [
    "error: unknown option '--jsn' for 'blocks'; did you mean '--json'?",
    "Run 'power-sdk blocks --help' for usage.",
  ]);
  const short = await runCli(["blocks", "-x"]);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /^error: unknown option '-x' for 'blocks'\n/);
});

Deno.test("main() returns 2 for a flag with a value, a missing value or a repeated option", async () => {
  const cases: [string[], RegExp][] = [
    [["blocks", "--json=yes"], /option '--json' takes no value, got 'yes'/],
    [["decode", "14c1", "--block"], /option '--block' needs a value/],
    [["decode", "--block", "--json", "14c1"], /option '--block' needs a value/],
    [["decode", "--block", "100", "--block", "1300", "14c1"], /option '--block' is given twice/],
    [["help", "blcoks"], /no help for 'blcoks'; did you mean 'blocks'\?/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, 2, args.join(" "));
    assert.match(run.stderr, message);
    assert.match(run.stderr, /Run 'power-sdk [a-z ]*--help' for usage\.\n$/);
  }
});

Deno.test("main() prints one line for a library error and its stack only with --debug", async () => {
  const plain = await runCli(["decode", "--block", "100", "--framing", "rtu", "0103"]);
  assert.equal(plain.code, 1);
  assert.deepEqual(lines(plain.stderr), [
    "error: PROTOCOL_TRUNCATED: Cannot parse reply: a Modbus RTU reply has at least 5 bytes, got 2",
  ]);
  for (const args of [["--debug", "decode"], ["decode", "--debug"]]) {
    const debug = await runCli([...args, "--block", "100", "--framing", "rtu", "0103"]);
    assert.equal(debug.code, 1);
    const [first, ...stack] = lines(debug.stderr);
    assert.equal(first, lines(plain.stderr)[0]);
    assert.match(stack.join("\n"), /^ProtocolError: Cannot parse reply/);
    assert.match(stack.join("\n"), /\n {4}at /);
  }
});

Deno.test("main() reports an unexpected error as 'error: INTERNAL: message', exit 1, no stack", async () => {
  let stderr = "";
  const failing: CliIo = {
    stdout() {
      throw new Error("Cannot write: disk full");
    },
    stderr(text) {
      stderr += text;
    },
  };
  assert.equal(await main(["blocks"], failing), 1);
  assert.equal(stderr, "error: INTERNAL: Cannot write: disk full\n");

  stderr = "";
  assert.equal(await main(["--debug", "blocks"], failing), 1);
  assert.match(
    stderr,
    /^error: INTERNAL: Cannot write: disk full\nError: Cannot write: disk full\n {4}at /,
  );
});

Deno.test("main() reports a thrown non-Error value on one line", async () => {
  let stderr = "";
  const io: CliIo = {
    stdout() {
      throw "boom";
    },
    stderr(text) {
      stderr += text;
    },
  };
  assert.equal(await main(["profiles"], io), 1);
  assert.equal(stderr, "error: INTERNAL: boom\n");
});

Deno.test("main() reports a missing permission as PERMISSION_DENIED, exit 1", async () => {
  let stderr = "";
  const io: CliIo = {
    stdout() {
      throw new Deno.errors.NotCapable('Requires net access to "example.com:1883"');
    },
    stderr(text) {
      stderr += text;
    },
  };
  assert.equal(await main(["profiles"], io), 1);
  assert.equal(stderr, 'error: PERMISSION_DENIED: Requires net access to "example.com:1883"\n');
});
