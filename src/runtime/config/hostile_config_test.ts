// Configuration files written to hurt: alias bombs, huge values, deep `${` nesting, secrets
// from the environment in values that fail a check.
import assert from "node:assert/strict";
import { ConfigError } from "../../errors/errors.ts";
import { envOf, minimal, problems } from "./_test_utils.ts";
import { loadRuntimeConfig } from "./load_config.ts";
import { MAX_INTERPOLATION_DEPTH } from "./_interpolate.ts";
import { MAX_DOCUMENT_LENGTH, MAX_EXPANDED_NODES, MAX_STRING_LENGTH } from "./_yaml.ts";

const FILE = "runtime.yaml";

/** `levels` anchors, each a list of ten aliases of the one before: 10^levels values. */
function aliasBomb(levels: number): string {
  const lines = [`a0: &a0 [x, x, x, x, x, x, x, x, x, x]`];
  for (let i = 1; i <= levels; i++) {
    const previous = `*a${i - 1}`;
    lines.push(`a${i}: &a${i} [${Array(10).fill(previous).join(", ")}]`);
  }
  return `version: 1\n${lines.join("\n")}\n`;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("loadRuntimeConfig() stops an alias bomb at its budget, with CONFIG_INVALID at file:line:column", () => {
  // 10^6 values once expanded (a 9-level bomb of 440 bytes would be 10^9).
  const text = aliasBomb(6);
  assert.ok(text.length < 600);
  const error = configError(() => loadRuntimeConfig(text, { file: FILE, env: envOf({}) }));
  assert.equal(error.code, "CONFIG_INVALID");
  assert.match(
    error.message,
    new RegExp(
      `^runtime\\.yaml:\\d+:\\d+: a\\d\\[\\d+\\].*: the document expands to more than ${MAX_EXPANDED_NODES} values`,
    ),
  );
});

Deno.test("loadRuntimeConfig() refuses a document longer than its limit before parsing it", () => {
  const text = `version: 1\n# ${"x".repeat(MAX_DOCUMENT_LENGTH)}\n`;
  const error = configError(() => loadRuntimeConfig(text, { file: FILE, env: envOf({}) }));
  assert.equal(error.code, "CONFIG_INVALID");
  assert.match(error.message, /^Cannot read runtime\.yaml: \d+ characters, more than the \d+ /);
  assert.ok(error.message.length < 200);
});

Deno.test("loadRuntimeConfig() caps string lengths and quotes at most a short piece of a value", () => {
  const long = "Q".repeat(MAX_STRING_LENGTH + 1);
  const lines = problems(() =>
    loadRuntimeConfig(
      minimal(
        `  - { id: a, pipeline: p, profile_id: ${long}, transport: { opts: { device_sn: "1" } } }`,
      ),
      { file: FILE, env: envOf({}) },
    )
  );
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(
    lines[0]!,
    new RegExp(
      `^runtime\\.yaml:5:\\d+: devices\\[0\\]\\.profile_id: expected a string of at most ${MAX_STRING_LENGTH} characters, got ${
        MAX_STRING_LENGTH + 1
      } characters$`,
    ),
  );
  // Under the cap, an unknown value is quoted cut short, not whole.
  const unknown = "Z".repeat(MAX_STRING_LENGTH);
  const [line] = problems(() =>
    loadRuntimeConfig(
      minimal(
        `  - { id: a, pipeline: p, profile_id: ${unknown}, transport: { opts: { device_sn: "1" } } }`,
      ),
      { file: FILE, env: envOf({}) },
    )
  );
  assert.match(line!, /unknown profile 'Z{57}\.\.\.'/);
  assert.ok(line!.length < 400, line!);
});

Deno.test("loadRuntimeConfig() bounds `${` nesting with CONFIG_INVALID at file:line:column", () => {
  const device = (sn: string) =>
    minimal(
      `  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "${sn}" } } }`,
    );
  const nest = (depth: number) => "${X:-".repeat(depth) + "1" + "}".repeat(depth);
  for (const depth of [MAX_INTERPOLATION_DEPTH + 1, 600]) {
    const lines = problems(() =>
      loadRuntimeConfig(device(nest(depth)), { file: FILE, env: envOf({}) })
    );
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0]!,
      new RegExp(
        `^runtime\\.yaml:5:\\d+: devices\\[0\\]\\.transport\\.opts\\.device_sn: Cannot interpolate: '\\$\\{' nested more than ${MAX_INTERPOLATION_DEPTH} deep at column \\d+$`,
      ),
    );
  }
  // 3,000 deep (a stack overflow once): the string is over the length cap before anything else.
  const [line] = problems(() =>
    loadRuntimeConfig(device(nest(3_000)), { file: FILE, env: envOf({}) })
  );
  assert.match(
    line!,
    /^runtime\.yaml:5:\d+: devices\[0\]\.transport\.opts\.device_sn: expected a string of at most/,
  );
  // At the limit it still works.
  const nested = "${X:-".repeat(MAX_INTERPOLATION_DEPTH) + "1" +
    "}".repeat(MAX_INTERPOLATION_DEPTH);
  const config = loadRuntimeConfig(
    minimal(
      `  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "${nested}" } } }`,
    ),
    { file: FILE, env: envOf({}) },
  );
  assert.equal(config.devices[0]?.transport?.opts?.device_sn, "1");
});

Deno.test("loadRuntimeConfig() shows a value from the environment as ${NAME}, never expanded", () => {
  const secret = "hunter2-Secret";
  const env = envOf({ CERT_PW: secret, PROFILE: secret, SINK: secret, PIPE: secret });
  const text = minimal(
    `  - { id: a, pipeline: "\${PIPE}", profile_id: "\${PROFILE}", sink: "\${SINK}", transport: { opts: { device_sn: "1", port: "\${CERT_PW}" } } }`,
  );
  const lines = problems(() => loadRuntimeConfig(text, { file: FILE, env }));
  const all = lines.join("\n");
  assert.ok(!all.includes(secret), all);
  assert.ok(!all.toLowerCase().includes("hunter2"), all);
  assert.match(all, /port: expected an integer 1\.\.65535, got "\$\{CERT_PW\}"/);
  assert.match(all, /\$\{PIPE\}/);
});
