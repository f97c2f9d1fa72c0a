// `runtime` with bundles named in runtime.yaml: every bundle is opened before anything
// connects, a bad one is reported at the file's line:column (with --dry-run too), and its
// device fails once without retries while the others run.
import assert from "node:assert/strict";
import { createTestPki } from "../../tests/_support/pki.ts";
import {
  lines,
  localRuntimeConfig,
  runCli,
  runtimeConfigFile,
  startRuntime,
  stationOnBroker,
} from "./_test_utils.ts";

const SN = "EL30V2000071";

Deno.test("runtime --dry-run reports a wrong cert_password and a missing bundle at file:line:column, exit 1", async () => {
  await using pki = await createTestPki();
  const missing = `${pki.dir}/missing.p12`;
  await using file = await runtimeConfigFile(localRuntimeConfig(1883, [
    `{ id: a, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: A1, cert_file: ${pki.paths.clientP12}, cert_password: nope } } }`,
    `{ id: b, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: B1, cert_file: ${missing}, cert_password: x } } }`,
    `{ id: c, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: C1, cert_file: ${pki.paths.clientP12}, cert_password: ${pki.password} } } }`,
  ]));
  const run = await runCli(["runtime", "--config", file.path, "--dry-run"]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(lines(run.stdout).length, 4, "the table is printed: header and 3 rows");
  const text = await Deno.readTextFile(file.path);
  const at = (line: number, needle: string) =>
    `${file.path}:${line}:${text.split("\n")[line - 1]!.indexOf(needle) + 1}`;
  assert.deepEqual(lines(run.stderr), [
    `error: CONFIG_INVALID: Cannot load the runtime configuration: 2 problems in ${file.path}`,
    `${
      at(9, "nope")
    }: devices[0].transport.opts.cert_password: TRANSPORT_CREDENTIALS: Cannot open the PKCS#12 bundle '${pki.paths.clientP12}': wrong passphrase (the bundle's integrity check failed)`,
    `${
      at(10, missing)
    }: devices[1].transport.opts.cert_file: Cannot read '${missing}': no such file`,
  ]);
  assert.ok(!run.stderr.includes(pki.password));
});

Deno.test("runtime --once: a device whose bundle cannot be opened fails with one error, the others poll", async () => {
  await using pki = await createTestPki();
  await using local = await stationOnBroker({ profile: "EL30V2", sn: SN });
  await using file = await runtimeConfigFile(localRuntimeConfig(local.broker.port, [
    `{ id: garage, pipeline: lan, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: ${SN} } } }`,
    `{ id: locked, pipeline: lan, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: OTHER1, cert_file: ${pki.paths.clientP12}, cert_password: nope } } }`,
  ]));
  const ctx = startRuntime(["--config", file.path, "--once"]);
  assert.equal(await ctx.done, 1);
  assert.match(ctx.out(), /^\S+ garage core ok /m);
  const locked = lines(ctx.out()).filter((line) => line.includes(" locked "));
  assert.equal(locked.length, 1, ctx.out());
  assert.match(locked[0]!, / locked core ERROR TRANSPORT_CREDENTIALS: .*runtime\.yaml:10:\d+: /);
  const err = lines(ctx.err());
  assert.match(
    err[0]!,
    /^error: .*runtime\.yaml:10:\d+: devices\[1\]\.transport\.opts\.cert_password: /,
  );
  assert.equal(
    err[1],
    "warning: 1 of 2 devices cannot run and are not retried: locked; the others run",
  );
  assert.equal(
    err.at(-1),
    "error: RUNTIME_POLL_FAILED: 1 of 2 devices failed: locked (TRANSPORT_CREDENTIALS)",
  );
  assert.equal(err.filter((line) => line.includes("cannot connect")).length, 0);
});

Deno.test("runtime: when no device can run, every bundle problem is in the one error (exit 1)", async () => {
  await using pki = await createTestPki();
  await using file = await runtimeConfigFile(localRuntimeConfig(1883, [
    `{ id: a, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: A1, cert_file: ${pki.paths.clientP12}, cert_password: nope } } }`,
    `{ id: b, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: B1, cert_file: ${pki.paths.expiredP12}, cert_password: ${pki.password} } } }`,
  ]));
  const run = await runCli(["runtime", "--config", file.path, "--once"]);
  assert.equal(run.code, 1);
  const out = lines(run.stderr);
  assert.equal(
    out[0],
    `error: CONFIG_INVALID: Cannot load the runtime configuration: 2 problems in ${file.path}`,
  );
  assert.match(out[1]!, /:9:\d+: devices\[0\]\.transport\.opts\.cert_password: .*wrong passphrase/);
  assert.match(out[2]!, /:10:\d+: devices\[1\]\.transport\.opts\.cert_file: .*expired on/);
  assert.equal(out.length, 3, run.stderr);
});
