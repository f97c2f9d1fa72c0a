// `power-sdk runtime --dry-run` on configuration files written to hurt: it answers at once with
// one clear error, never a crash, a hang or a secret.
import assert from "node:assert/strict";
import { tempConfig } from "../src/runtime/config/_test_utils.ts";
import { powerSdk } from "./_support/cli.ts";

Deno.test("power-sdk runtime rejects a 9-level YAML alias bomb with CONFIG_INVALID at file:line:column", async () => {
  const lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i <= 9; i++) {
    lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
  }
  await using tmp = await tempConfig(lines.join("\n") + "\n");
  const run = await powerSdk(["runtime", "--config", tmp.file, "--dry-run"]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, "");
  assert.match(
    run.stderr,
    /^error: CONFIG_INVALID: \S+runtime\.yaml:\d+:\d+: a\d\[\d\]\S*: the document expands to more than 100000 values \(aliases repeated inside aliases\?\)\n$/,
  );
});

Deno.test("power-sdk runtime shows a value from the environment as ${NAME} in its errors", async () => {
  await using tmp = await tempConfig(`version: 1
pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: a, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "1", port: "\${CERT_PW}" } } }
`);
  const secret = "s3cret-Horse-Battery";
  const run = await powerSdk(["runtime", "--config", tmp.file, "--dry-run"], {
    env: { CERT_PW: secret },
  });
  assert.equal(run.code, 1, run.stderr);
  assert.ok(!run.stderr.includes(secret), run.stderr);
  assert.match(
    run.stderr,
    /\n\S*runtime\.yaml:4:\d+: devices\[0\]\.transport\.opts\.port: expected an integer 1\.\.65535, got "\$\{CERT_PW\}"\n/,
  );
});
