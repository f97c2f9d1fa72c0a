// The bundle `deno task compile` makes the binary from (tools/bundle_cli.ts) is the CLI: its
// offline commands print what the source prints, byte for byte and with the same exit code; the
// demo starts its broker and stations, polls them and serves Prometheus, and a certificate bundle
// opens (or is refused) as from the source: the npm packages the bundle leaves as imports (aedes,
// mqtt, prom-client, node-forge) resolve through deno.json. A stop signal that arrives while it
// loads is held for the command, and no npm package's code is inside. The bundle is built as the
// task builds it, in a folder under dist/ (deno.json is found from the entry's folder, as for
// dist/cli).
import assert from "node:assert/strict";
import { bundleCli, npmImports } from "../tools/bundle_cli.ts";
import { localRuntimeConfig } from "../src/cli/_test_utils.ts";
import { EmbeddedBroker, SimulatedStation } from "../src/testing/mod.ts";
import { CliProcess, powerSdk } from "./_support/cli.ts";
import { sigtermWhileReadingConfig } from "./_support/fifo.ts";
import { createTestPki } from "./_support/pki.ts";

const ROOT = new URL("..", import.meta.url);
const SN = "EL30V2000094";

const RUNTIME_YAML = `version: 1
pipelines:
  lan: { transport: mqtt, vendor: bluetti, protocol: v2 }
  local: { transport: modbus_tcp, vendor: bluetti, protocol: local }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }
  - { id: shed, pipeline: local, profile_id: AC500, transport: { opts: { host: 127.0.0.1 } } }
`;

/** A fresh bundle in a folder of its own under dist/, removed on dispose. */
async function freshBundle() {
  const dist = new URL("dist/", ROOT);
  await Deno.mkdir(dist, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: dist.pathname, prefix: "test_bundle_" });
  const entry = await bundleCli(dir);
  const config = `${dir}/runtime.yaml`;
  await Deno.writeTextFile(config, RUNTIME_YAML);
  return {
    dir,
    entry,
    config,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("the bundled CLI is the CLI", async (t) => {
  await using bundle = await freshBundle();

  await t.step(
    "its offline commands print what the source prints, with the same exit code",
    async () => {
      const commands: string[][] = [
        ["--version"],
        ["--help"],
        ["blocks"],
        ["blocks", "--json"],
        ["decode", "--block", "100", "14c10000005f"],
        ["decode", "--block", "100", "14c1zz"],
        ["profiles"],
        ["controls", "--profile", "EL100V2"],
        ["controls", "--json"],
        ["schema"],
        ["runtime", "--config", bundle.config, "--dry-run"],
        ["runtime", "--config", bundle.config, "--dry-run", "--json"],
        ["runtime", "--config", `${bundle.dir}/missing.yaml`, "--dry-run"],
        ["frobnicate"],
      ];
      let failures = 0;
      for (const args of commands) {
        const [source, bundled] = await Promise.all([
          powerSdk(args),
          powerSdk(args, { entry: bundle.entry }),
        ]);
        assert.deepEqual(bundled, source, `power-sdk ${args.join(" ")}`);
        if (source.code !== 0) failures++;
      }
      // The comparison covers failures too: bad hex, a missing file, an unknown command.
      assert.equal(failures, 3);
    },
  );

  await t.step("the demo polls its stations and serves them to Prometheus", async () => {
    // The embedded broker (aedes), the stations and runtime on it (mqtt), the metrics
    // (prom-client): the npm packages the bundle imports, resolved through deno.json.
    await using demo = new CliProcess(["demo", "--prometheus", "127.0.0.1:0"], {
      entry: bundle.entry,
    });
    const line = await demo.waitFor(/^Prometheus: http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await demo.waitFor(/^\d{4}-\d\d-\d\dT\S+Z garage core ok /);
    const response = await fetch(line.slice("Prometheus: ".length));
    const metrics = await response.text();
    assert.equal(response.status, 200, metrics);
    assert.match(metrics, /^power_sdk_polls_total\{device="garage",[^}]*result="ok"\} [1-9]/m);
    demo.signal("SIGINT");
    const status = await demo.exited();
    assert.equal(status.code, 0, demo.stderr);
  });

  await t.step("a certificate bundle opens as from the source (node-forge)", async () => {
    await using pki = await createTestPki();
    const yaml = `version: 1
pipelines: { cloud: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - id: living_room
    pipeline: cloud
    profile_id: EL100V2
    transport: { opts: { device_sn: "2237000012345", cert_file: ${pki.paths.clientP12}, cert_password: "\${CERT_PASSWORD}" } }
`;
    const config = `${bundle.dir}/tls.yaml`;
    await Deno.writeTextFile(config, yaml);
    const args = ["runtime", "--config", config, "--dry-run", "--json"];
    for (const password of [pki.password, "wrong-password"]) {
      const env = { CERT_PASSWORD: password };
      const [source, bundled] = await Promise.all([
        powerSdk(args, { env }),
        powerSdk(args, { env, entry: bundle.entry }),
      ]);
      assert.deepEqual(bundled, source);
      assert.doesNotMatch(bundled.stdout + bundled.stderr, new RegExp(password));
      if (password === pki.password) assert.equal(bundled.code, 0, bundled.stderr);
      else assert.match(bundled.stderr, /^error: [A-Z_]+: /m);
    }
  });

  await t.step(
    "a SIGTERM that arrives while it starts is held for the runtime: exit 0",
    async () => {
      await using broker = await EmbeddedBroker.start();
      await using _station = await SimulatedStation.start({
        profile: "EL30V2",
        sn: SN,
        brokerUrl: broker.url,
      });
      const yaml = localRuntimeConfig(
        broker.port,
        [`{ id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: ${SN} } } }`],
        "defaults: { sink: stdout }\n",
      );
      // The signal is held since the bundle's entry ran (src/cli/_early_signals.ts); without
      // that, exit 143.
      const { code, stderr } = await sigtermWhileReadingConfig(bundle.dir, yaml, {
        entry: bundle.entry,
      });
      assert.equal(code, 0, stderr);
      assert.match(stderr, /^info: stopped by SIGTERM: /m);
    },
  );

  await t.step("it holds no npm package: deno.json's npm imports stay imports", async () => {
    const kept = new Set<string>();
    let chunks = 0;
    for await (const file of Deno.readDir(bundle.dir)) {
      if (!file.name.endsWith(".js")) continue;
      chunks++;
      const text = await Deno.readTextFile(`${bundle.dir}/${file.name}`);
      assert.doesNotMatch(text, /node_modules|registry\.npmjs\.org/, file.name);
      for (const [, name] of text.matchAll(/^import .* from "([^".][^"]*)";$/gm)) {
        if (!name!.startsWith("node:")) kept.add(name!);
      }
    }
    assert.ok(chunks > 10, `${chunks} chunks: the commands are not split`);
    const npm = new Set(await npmImports());
    for (const name of kept) assert.ok(npm.has(name), `${name} is imported but not in deno.json`);
    assert.ok(kept.has("mqtt") && kept.has("aedes"), [...kept].join(", "));
  });
});

Deno.test("the bundle is only written to a folder under dist/: it empties the folder first", async () => {
  for (const outdir of ["src", "dist", "..", "/tmp/power-sdk-bundle"]) {
    await assert.rejects(() => bundleCli(outdir), /choose a folder under .*\/dist\/$/, outdir);
  }
  await Deno.stat(new URL("src/cli/main.ts", ROOT)); // still there
});
