// The README's commands are claims: the demo runs, its runtime.yaml passes --dry-run with its
// bundle in place and the serial and password variables set, `schema` prints the JSON Schema, the offline decode
// example decodes. Each runs as a user would: the real CLI, the project's permission set.
import assert from "node:assert/strict";
import { tempConfig } from "../src/runtime/config/_test_utils.ts";
import { powerSdk } from "./_support/cli.ts";
import { createTestPki } from "./_support/pki.ts";

const root = new URL("../", import.meta.url);
const readme = await Deno.readTextFile(new URL("README.md", root));

Deno.test("README: `deno task demo` is the first command and runs", async () => {
  assert.match(readme, /^deno task demo$/m);
  // --duration ends it; the deadline (SIGTERM, exit 143) only bounds a demo that never stops.
  const out = await powerSdk(["demo", "--duration", "2"], { deadlineMs: 60_000 });
  assert.equal(
    out.code,
    0,
    `exit ${out.code} (143: still running at the deadline):\n${out.stderr}`,
  );
  assert.match(out.stdout, /^Power SDK demo: 3 simulated stations on an embedded broker/);
  assert.match(out.stdout, / ok /, "live values were printed");
});

Deno.test("README: `deno task test` is the test command", () => {
  assert.match(readme, /^deno task test$/m);
});

Deno.test("README: its runtime.yaml passes --dry-run with its bundle, the serial and password set", async () => {
  const yaml = /## Your own stations[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(yaml, "the README has a runtime.yaml example");
  assert.match(yaml, /\$\{MQTT_BROKER:-iot\.bluettipower\.com\}/);
  await using config = await tempConfig(yaml);
  const file = config.file;
  // --dry-run opens the bundle: first without it, then with a real one at the path.
  const missing = await powerSdk(["runtime", "--config", file, "--dry-run"], {
    env: { LIVING_ROOM_SN: "2237000012345", LIVING_ROOM_CERT_PASSWORD: "not-shown" },
  });
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /runtime\.yaml:\d+:\d+: devices\[0\]\.transport\.opts\.cert_file: Cannot read '.*living_room\.p12': no such file/,
  );
  await using pki = await createTestPki();
  await Deno.mkdir(`${config.dir}/certs`);
  await Deno.copyFile(pki.paths.clientP12, `${config.dir}/certs/living_room.p12`);
  const out = await powerSdk(["runtime", "--config", file, "--dry-run", "--json"], {
    env: { LIVING_ROOM_SN: "2237000012345", LIVING_ROOM_CERT_PASSWORD: pki.password },
  });
  assert.equal(out.code, 0, out.stderr);
  assert.doesNotMatch(out.stdout + out.stderr, new RegExp(pki.password));
  const rows = JSON.parse(out.stdout) as {
    device: string;
    transport: { options: { broker: string } };
  }[];
  assert.equal(rows[0]!.device, "living_room_battery");
  assert.equal(rows[0]!.transport.options.broker, "iot.bluettipower.com");
  const unset = await powerSdk(["runtime", "--config", file, "--dry-run"], {
    env: { LIVING_ROOM_CERT_PASSWORD: "x" },
  });
  assert.equal(unset.code, 1);
  assert.match(unset.stderr, /runtime\.yaml:\d+:\d+: .*LIVING_ROOM_SN/);
});

Deno.test("README: `schema` prints the JSON Schema of runtime.yaml", async () => {
  assert.match(readme, /deno task power-sdk schema/);
  const out = await powerSdk(["schema"]);
  assert.equal(out.code, 0, out.stderr);
  const schema = JSON.parse(out.stdout);
  assert.ok(schema.properties.devices);
});

Deno.test("README: the offline decode example decodes", async () => {
  const line = readme.split("\n").find((l) => l.startsWith("deno task power-sdk decode "));
  assert.ok(line);
  const out = await powerSdk(line.replace("deno task power-sdk ", "").split(/\s+/));
  assert.equal(out.code, 0, out.stderr);
  assert.equal(JSON.parse(out.stdout).values.frequency, 59.9);
});

Deno.test("README: every file it links is published with the package", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
    publish: { exclude: string[] };
  };
  const links = [...readme.matchAll(/\]\(([^)#:]+\.md)\)/g)].map((m) => m[1]!);
  assert.ok(links.includes("docs/architecture.md"), "the README links the docs");
  for (const link of links) {
    assert.ok(Deno.statSync(new URL(link, root)).isFile, `${link} exists`);
    const excluded = config.publish.exclude.find((pattern) =>
      pattern.endsWith("/") ? link.startsWith(pattern) : link === pattern
    );
    assert.equal(excluded, undefined, `${link} is left out of the package by '${excluded}'`);
  }
});
