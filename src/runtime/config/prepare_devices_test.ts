import assert from "node:assert/strict";
// The built-in plugins: runtime.yaml names their vendor, protocol and profiles.
import "../../plugins/mod.ts";
import { CredentialsError } from "../../errors/errors.ts";
import { createTestPki } from "../../../tests/_support/pki.ts";
import { loadRuntimeConfig } from "./load_config.ts";
import { prepareDevices, readConfiguredFile } from "./prepare_devices.ts";
import { resolveRuntime } from "./resolve.ts";

const pki = await createTestPki();
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(pki.dir, { recursive: true });
  } catch {
    // already gone
  }
});

const HEAD = [
  "version: 1",
  "pipelines:",
  "  p: { transport: mqtt, vendor: bluetti, protocol: v2 }",
];

function device(id: string, opts: string): string[] {
  return [
    `  - id: ${id}`,
    "    pipeline: p",
    "    profile_id: EL100V2",
    "    transport:",
    `      opts: { device_sn: SN${id}, ${opts} }`,
  ];
}

async function check(lines: string[], options: { passwordsPending?: boolean } = {}) {
  const reads: string[] = [];
  const config = loadRuntimeConfig(lines.join("\n"), { file: "runtime.yaml" });
  const result = await prepareDevices(config, resolveRuntime(config), {
    ...options,
    readFile: (path) => {
      reads.push(path);
      return readConfiguredFile(path);
    },
  });
  return { ...result, reads };
}

Deno.test("prepareDevices() reports a wrong cert_password at its line:column and lets the others run", async () => {
  const { failed, issues, prepared, error } = await check([
    ...HEAD,
    "devices:",
    ...device("good", `cert_file: ${pki.paths.clientP12}, cert_password: ${pki.password}`),
    ...device("bad", `cert_file: ${pki.paths.clientP12}, cert_password: wrong`),
  ]);
  assert.deepEqual([...prepared.keys()], ["good"]);
  assert.deepEqual([...failed.keys()], ["bad"]);
  assert.equal(issues.length, 1);
  const issue = issues[0]!;
  assert.equal(issue.path, "devices[1].transport.opts.cert_password");
  assert.equal(issue.line, 14);
  const column = device("bad", `cert_file: ${pki.paths.clientP12}, cert_password: wrong`)[4]!
    .indexOf("wrong") + 1;
  assert.equal(issue.column, column);
  assert.match(
    issue.message,
    /^TRANSPORT_CREDENTIALS: Cannot open the PKCS#12 bundle '.+': wrong passphrase/,
  );
  assert.ok(!issue.message.includes("wrong,") && !issue.message.includes(pki.password));
  const failure = failed.get("bad")!;
  assert.ok(failure.cause instanceof CredentialsError);
  assert.equal(failure.cause.problem, "wrong_password");
  assert.equal(failure.message, `runtime.yaml:14:${column}: ${issue.path}: ${issue.message}`);
  assert.ok(error !== null);
  assert.equal(error.code, "CONFIG_INVALID");
  assert.match(
    error.message,
    /^Cannot load the runtime configuration: 1 problem in runtime\.yaml\n/,
  );
});

Deno.test("prepareDevices() reports a missing and a non-PKCS#12 cert_file at the cert_file value", async () => {
  const notP12 = `${pki.dir}/not-a-bundle.p12`;
  await Deno.writeTextFile(notP12, "hello");
  const missing = `${pki.dir}/missing.p12`;
  const { failed, issues } = await check([
    ...HEAD,
    "devices:",
    ...device("gone", `cert_file: ${missing}, cert_password: x`),
    ...device("text", `cert_file: ${notP12}, cert_password: x`),
  ]);
  assert.deepEqual([...failed.keys()].sort(), ["gone", "text"]);
  const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue]));
  const gone = byPath["devices[0].transport.opts.cert_file"]!;
  assert.equal(gone.line, 9);
  assert.equal(gone.column, device("gone", `cert_file: ${missing}`)[4]!.indexOf(missing) + 1);
  assert.equal(gone.message, `Cannot read '${missing}': no such file`);
  const text = byPath["devices[1].transport.opts.cert_file"]!;
  assert.equal(text.line, 14);
  assert.match(text.message, /not DER-encoded PKCS#12|not a binary PKCS#12|corrupt/);
  assert.match(
    text.message,
    /^TRANSPORT_CREDENTIALS: Cannot open the PKCS#12 bundle '.+not-a-bundle\.p12'/,
  );
});

Deno.test("prepareDevices() opens a bundle shared through defaults once and positions its problem there", async () => {
  const expired = await check([
    ...HEAD,
    "defaults:",
    "  transport:",
    "    opts:",
    `      cert_file: ${pki.paths.expiredP12}`,
    `      cert_password: ${pki.password}`,
    "devices:",
    ...device("a", "port: 8883"),
    ...device("b", "port: 8883"),
    ...device("c", "port: 8883"),
  ]);
  assert.equal(expired.reads.length, 1, "one read for three devices");
  assert.equal(expired.failed.size, 3);
  assert.equal(expired.issues.length, 1, "one line for the one bundle");
  assert.equal(expired.issues[0]!.path, "defaults.transport.opts.cert_file");
  assert.equal(expired.issues[0]!.line, 7);
  assert.match(expired.issues[0]!.message, /expired on/);

  const good = await check([
    ...HEAD,
    "defaults:",
    "  transport:",
    "    opts:",
    `      cert_file: ${pki.paths.clientP12}`,
    `      cert_password: ${pki.password}`,
    "devices:",
    ...device("a", "port: 8883"),
    ...device("b", "port: 8883"),
  ]);
  assert.equal(good.reads.length, 1);
  assert.equal(good.error, null);
  const tls = (id: string) => (good.prepared.get(id) as { tls?: unknown }).tls;
  assert.ok(tls("a") !== undefined);
  assert.equal(tls("a"), tls("b"), "the same opened credentials");
});

Deno.test("prepareDevices() with passwords pending accepts a bundle that only lacks its password", async () => {
  const lines = [
    ...HEAD,
    "devices:",
    ...device("later", `cert_file: ${pki.paths.clientP12}`),
    ...device("gone", `cert_file: ${pki.dir}/missing.p12`),
  ];
  const pending = await check(lines, { passwordsPending: true });
  assert.deepEqual([...pending.failed.keys()], ["gone"]);
  assert.equal(pending.prepared.has("later"), false);
  const now = await check(lines);
  assert.deepEqual([...now.failed.keys()].sort(), ["gone", "later"]);
  const later = now.issues.find((issue) => issue.path.startsWith("devices[0]"))!;
  assert.equal(later.path, "devices[0].transport.opts.cert_file");
  assert.match(later.message, /password-protected and no passphrase was given/);
});
