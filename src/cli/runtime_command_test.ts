import assert from "node:assert/strict";
import { CredentialsError, type Snapshot } from "../../mod.ts";
import { EmbeddedBroker, SimulatedStation } from "../testing/mod.ts";
import { createTestPki } from "../../tests/_support/pki.ts";
import type { CommandContext } from "./_context.ts";
import { PASSWORD_ENV } from "./_credentials.ts";
import { runtimeLogger, runUntilStopped } from "./runtime_command.ts";
import {
  lines,
  localRuntimeConfig as localConfig,
  pluginContext,
  runCli,
  runtimeConfigFile as configFile,
  startRuntime as start,
  stationOnBroker,
} from "./_test_utils.ts";

const SN = "EL30V2000051";

Deno.test("runtime returns 2 for a wrong command line", async () => {
  const cases: [string[], string][] = [
    [["runtime"], "missing option '--config <file>'"],
    [["runtime", "runtime.yaml"], "unexpected argument 'runtime.yaml' for 'runtime'"],
    [["runtime", "--config", "a.yaml", "--dry-run", "--once"], "give '--dry-run' or '--once'"],
    [["runtime", "--config", "a.yaml", "--json"], "option '--json' needs '--dry-run' or '--once'"],
    [["runtime", "--config", "a.yaml", "--dryrun"], "did you mean '--dry-run'?"],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, 2, args.join(" "));
    assert.equal(run.stdout, "");
    assert.ok(lines(run.stderr)[0]!.includes(message), run.stderr);
    assert.equal(lines(run.stderr)[1], "Run 'power-sdk runtime --help' for usage.");
  }
});

Deno.test("runtime --dry-run prints one row per device, ids whole, no password", async () => {
  const id = "a_device_id_that_is_much_longer_than_any_column_would_ever_be.kitchen";
  await using file = await configFile(`version: 1
pipelines: { cloud: { transport: mqtt, vendor: bluetti, protocol: v2 } }
defaults: { poll_interval: 30 }
devices:
  - id: ${id}
    pipeline: cloud
    profile_id: Elite 30 V2
    groups: { core: 10, battery: 60 }
    transport: { opts: { device_sn: "\${SN}", cert_password: "\${PW}" } }
  - { id: shed, pipeline: cloud, profile_id: EL100V2, options: { write_enabled: true }, transport: { opts: { device_sn: "2" } } }
`);
  const env = { SN: "2237000012345", PW: "hunter2-secret" };
  const run = start(["--config", file.path, "--dry-run"], { env });
  assert.equal(await run.done, 0);
  assert.equal(run.err(), "");
  const rows = lines(run.out());
  assert.equal(rows.length, 3);
  assert.match(
    rows[0]!,
    /^DEVICE +VENDOR +PROTOCOL +PROFILE +TRANSPORT +BROKER +INTERVAL +GROUPS +SINK +WRITE-ENABLED$/,
  );
  assert.ok(rows[1]!.startsWith(`${id}  bluetti  v2        EL30V2   mqtt pull, framing rtu, sn `));
  assert.match(
    rows[1]!,
    /iot\.bluettipower\.com:18760 +10-60 s +core 10 s, battery 60 s +stdout +no$/,
  );
  assert.match(rows[1]!, /, password set {2}/);
  assert.match(rows[2]!, /^shed +bluetti +v2 +EL100V2 .* yes$/);
  assert.ok(!run.out().includes(env.PW));

  const json = start(["--config", file.path, "--dry-run", "--json"], { env });
  assert.equal(await json.done, 0);
  const parsed = JSON.parse(json.out());
  assert.deepEqual(parsed.map((row: { device: string }) => row.device), [id, "shed"]);
  assert.equal(parsed[1].writeEnabled, true);
  // Fields, not sentences: the transport and the intervals as values a script can use.
  assert.equal(parsed[0].mode, "pull");
  assert.equal(parsed[0].transport.type, "mqtt");
  assert.equal(parsed[0].transport.endpoint, "iot.bluettipower.com:18760");
  assert.equal(parsed[0].transport.options.broker, "iot.bluettipower.com");
  assert.equal(parsed[0].transport.options.port, 18760);
  assert.equal(parsed[0].transport.framing, "rtu");
  assert.equal(parsed[0].transport.options.cert_password, "[redacted]");
  assert.deepEqual(parsed[0].intervalS, { min: 10, max: 60 });
  assert.deepEqual(parsed[0].groups, [
    { name: "core", intervalS: 10 },
    { name: "battery", intervalS: 60 },
  ]);
  assert.ok(!json.out().includes(env.PW));
});

Deno.test("runtime prints every problem of a configuration on its own line, exit 1", async () => {
  await using file = await configFile(`version: 1
pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }
defaults:
  pol_interval: 10
devices:
  - id: a
    pipeline: q
    profile_id: EL100V2
    transport: { opts: { device_sn: "\${MISSING_SN}", port: 70000 } }
`);
  const run = await runCli(["runtime", "--config", file.path, "--dry-run"]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.deepEqual(lines(run.stderr), [
    `error: CONFIG_INVALID: Cannot load the runtime configuration: 4 problems in ${file.path}`,
    `${file.path}:4:3: defaults.pol_interval: unknown key 'pol_interval'; did you mean 'poll_interval'?`,
    `${file.path}:7:15: devices[0].pipeline: unknown pipeline 'q' (known pipelines: p)`,
    `${file.path}:9:37: devices[0].transport.opts.device_sn: Environment variable MISSING_SN is not set`,
    `${file.path}:9:60: devices[0].transport.opts.port: expected an integer 1..65535, got 70000`,
  ]);

  const debug = await runCli(["runtime", "--config", file.path, "--once", "--debug"]);
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /\n {4}at /);
});

Deno.test("runtime lists every YAML syntax error, and names a missing file on one line", async () => {
  await using file = await configFile("version: 1\ndevices: [\n  - a: b\n");
  const run = await runCli(["runtime", "--config", file.path, "--dry-run"]);
  assert.equal(run.code, 1);
  const [header, ...problems] = lines(run.stderr);
  assert.match(header!, /^error: CONFIG_SYNTAX: Cannot parse .*: \d+ YAML syntax errors?$/);
  assert.ok(problems.length >= 1);
  for (const problem of problems) assert.ok(problem.startsWith(`${file.path}:`), problem);

  const missing = await runCli(["runtime", "--config", `${file.path}.missing`, "--dry-run"]);
  assert.equal(missing.code, 1);
  assert.deepEqual(lines(missing.stderr), [
    `error: CONFIG_INVALID: Cannot read the runtime configuration: no such file: ${file.path}.missing`,
  ]);
});

Deno.test("runtime --once polls every group once through the sinks, as text or JSON", async () => {
  await using local = await stationOnBroker({ profile: "EL30V2", sn: SN });
  await using file = await configFile(
    localConfig(local.broker.port, [
      `{ id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: ${SN} } } }`,
    ]),
  );

  const text = start(["--config", file.path, "--once"]);
  assert.equal(await text.done, 0, text.err());
  const rows = lines(text.out());
  assert.deepEqual(rows.map((row) => row.split(" ").slice(1, 4).join(" ")), [
    "garage core ok",
    "garage grid ok",
    "garage battery ok",
  ]);
  // Quiet: the insecure connection is the one warning.
  assert.deepEqual(lines(text.err()).map((line) => line.replace(/ to mqtt:.*/, "")), [
    "warning: garage: allow_insecure: connecting",
  ]);

  const json = start(["--config", file.path, "--once", "--json", "--verbose"]);
  assert.equal(await json.done, 0);
  const snapshots: Snapshot[] = JSON.parse(json.out());
  assert.deepEqual(snapshots.map((s) => [s.group, s.ok, s.blocks.map((b) => b.blockId)]), [
    ["core", true, [100]],
    ["grid", true, [1300]],
    ["battery", true, [6000]],
  ]);
  assert.match(json.err(), /^info: garage: connected$/m);
});

Deno.test("runtime --once exits 1 with one line naming the devices that failed", async () => {
  await using local = await stationOnBroker({ profile: "EL30V2", sn: SN });
  await using file = await configFile(
    localConfig(local.broker.port, [
      `{ id: garage, pipeline: lan, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: ${SN} } } }`,
      `{ id: ghost, pipeline: lan, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: other, port: 1 } } }`,
    ]),
  );
  const run = start(["--config", file.path, "--once"]);
  assert.equal(await run.done, 1);
  assert.match(run.out(), /^\S+ garage core ok /m);
  assert.match(run.out(), /^\S+ ghost core ERROR TRANSPORT_CONNECT_FAILED: /m);
  assert.equal(
    lines(run.err()).at(-1),
    "error: RUNTIME_POLL_FAILED: 1 of 2 devices failed: ghost (TRANSPORT_CONNECT_FAILED)",
  );
});

Deno.test("runtime refuses a broker or a jsonl file it has no permission for, before connecting", async () => {
  await using file = await configFile(
    localConfig(
      1883,
      [
        `{ id: garage, pipeline: lan, profile_id: EL30V2, sink: both, transport: { opts: { device_sn: ${SN} } } }`,
      ],
      `sinks:
  file: { type: jsonl, path: data/snapshots.jsonl }
  both: { type: composite, sinks: [stdout, file] }
`,
    ),
  );
  const dir = file.path.replace(/\/runtime\.yaml$/, "");
  const asked: unknown[] = [];
  const noWrite = start(["--config", file.path, "--once"], {
    permitted: (permission) => (asked.push(permission), permission.name !== "write"),
  });
  await assert.rejects(noWrite.done, {
    name: "NotCapable",
    message:
      `Cannot use the jsonl sink 'file': no permission to write ${dir}/data/snapshots.jsonl; run with --allow-write=${dir}/data next to -P=cli`,
  });
  assert.deepEqual(asked, [
    { name: "net", host: "127.0.0.1:1883" },
    { name: "write", path: `${dir}/data/snapshots.jsonl` },
  ]);
  assert.equal(noWrite.out(), "");
  assert.equal(noWrite.err(), "");

  const noNet = start(["--config", file.path], { permitted: () => false });
  await assert.rejects(noNet.done, {
    name: "NotCapable",
    message:
      "Cannot connect device 'garage' to 127.0.0.1:1883: no permission to reach that host; run with --allow-net=127.0.0.1 next to -P=cli",
  });
  assert.ok(!noNet.listening());
});

Deno.test("runtime runs until a stop signal, then stops gracefully and returns 0", async () => {
  await using local = await stationOnBroker({ profile: "EL30V2", sn: SN });
  await using file = await configFile(
    localConfig(local.broker.port, [
      `{ id: garage, pipeline: lan, profile_id: EL30V2, poll_interval: 0.2, groups: [core], transport: { opts: { device_sn: ${SN} } } }`,
    ]),
  );
  const run = start(["--config", file.path, "--verbose"]);
  await run.waitFor(/ garage core ok /);
  run.signal("SIGTERM");
  assert.equal(await run.done, 0);
  assert.ok(!run.listening());
  assert.match(
    run.err(),
    /\ninfo: stopping after SIGTERM: running polls get 3 s, then the sinks are flushed; a second signal exits at once\ninfo: stopped by SIGTERM: \d+ polls?, 0 failed\n$/,
  );
});

Deno.test("runUntilStopped() returns 130 at once on a second signal, and stops after a duration", async () => {
  let fire = (_signal: string) => {};
  const stopping = Promise.withResolvers<void>();
  let stops = 0;
  const hanging = {
    start() {},
    stop() {
      stops++;
      return stopping.promise;
    },
  };
  const outcome = runUntilStopped(hanging, {
    signals: { listen: (onStop) => (fire = onStop, () => {}) },
  });
  fire("SIGINT");
  fire("SIGINT");
  assert.deepEqual(await outcome, { stoppedBy: "SIGINT", code: 130 });
  assert.equal(stops, 1);
  stopping.resolve();

  const timed = await runUntilStopped(
    { start() {}, stop: () => Promise.resolve() },
    { signals: { listen: () => () => {} }, durationMs: 10 },
  );
  assert.deepEqual(timed, { stoppedBy: "duration", code: 0 });
});

Deno.test("runtimeLogger() prints what its threshold lets through, on stderr", () => {
  let err = "";
  const ctx: CommandContext = {
    io: { stdout: () => assert.fail("no stdout"), stderr: (text) => err += text },
    ...pluginContext(),
  };
  const entries = [
    { level: "debug", message: "tick" },
    { level: "info", deviceId: "garage", message: "connected" },
    { level: "error", deviceId: "garage", message: "lost\nconnection" },
  ] as const;
  for (const threshold of ["none", "warn", "info", "debug"] as const) {
    err = "";
    const log = runtimeLogger(ctx, threshold);
    for (const entry of entries) log(entry);
    const expected = {
      none: [],
      warn: ["warning: garage: lost connection"],
      info: ["info: garage: connected", "warning: garage: lost connection"],
      debug: ["debug: tick", "info: garage: connected", "warning: garage: lost connection"],
    }[threshold];
    assert.deepEqual(lines(err), expected, threshold);
  }
});

Deno.test("runtime gives a cert_file without cert_password the password of --password, the variable or the prompt", async (t) => {
  await using pki = await createTestPki();
  const tls = { cert: pki.pem.serverCert, key: pki.pem.serverKey, ca: pki.pem.caCert };
  await using broker = await EmbeddedBroker.start({ tls });
  const stationTls = { cert: pki.pem.clientCert, key: pki.pem.clientKey, ca: pki.pem.caCert };
  await using _a = await SimulatedStation.start({
    profile: "EL30V2",
    sn: "EL30V2000061",
    brokerUrl: broker.url,
    tls: stationTls,
  });
  await using _b = await SimulatedStation.start({
    profile: "EL30V2",
    sn: "EL30V2000062",
    brokerUrl: broker.url,
    tls: stationTls,
  });
  const device = (id: string, sn: string) =>
    `  - { id: ${id}, pipeline: cloud, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: ${sn} } } }`;
  const yaml = (password: string) =>
    `version: 1
pipelines:
  cloud:
    transport: mqtt
    vendor: bluetti
    protocol: v2
    transport_opts:
      broker: "mqtts://localhost"
      port: ${broker.port}
      cert_file: ${pki.paths.clientP12}
      ca_file: ${pki.paths.caCert}
${password}
devices:
${device("a", "EL30V2000061")}
${device("b", "EL30V2000062")}
`;
  await using file = await configFile(yaml(""));
  const args = ["--config", file.path, "--once"];
  const succeeded = (run: ReturnType<typeof start>) => {
    assert.match(run.out(), /^\S+ a core ok /m);
    assert.match(run.out(), /^\S+ b core ok /m);
  };

  await t.step("--password", async () => {
    const run = start([...args, "--password", pki.password]);
    assert.equal(await run.done, 0, run.err());
    succeeded(run);
    assert.equal(run.asked(), 0);
  });

  await t.step(`${PASSWORD_ENV}`, async () => {
    const run = start(args, { env: { [PASSWORD_ENV]: pki.password } });
    assert.equal(await run.done, 0, run.err());
    succeeded(run);
  });

  await t.step("the prompt, once for the two devices of one bundle", async () => {
    const run = start(args, { typed: pki.password });
    assert.equal(await run.done, 0, run.err());
    succeeded(run);
    assert.equal(run.asked(), 1);
    assert.ok(run.err().startsWith(`Password for ${pki.paths.clientP12}: `));
  });

  await t.step("a cancelled prompt: 130, one line, nothing polled", async () => {
    const run = start(args, { typed: null });
    assert.equal(await run.done, 130);
    assert.equal(
      run.err(),
      `Password for ${pki.paths.clientP12}: error: cancelled: no password entered for ${pki.paths.clientP12}\n`,
    );
    assert.equal(run.out(), "");
  });

  await t.step("no password and no terminal: how to pass one", async () => {
    const run = start(args);
    await assert.rejects(run.done, (error) => {
      assert.ok(error instanceof CredentialsError);
      assert.match(error.message, new RegExp(`pass --password or set ${PASSWORD_ENV}$`));
      return true;
    });
  });

  await t.step("a cert_password in the file wins over --password", async () => {
    await using withPassword = await configFile(
      yaml(`      cert_password: "\${PW}"`),
    );
    const run = start(["--config", withPassword.path, "--once", "--password", "wrong"], {
      env: { PW: pki.password },
    });
    assert.equal(await run.done, 0, run.err());
    succeeded(run);
    assert.match(
      run.err(),
      /^warning: --password is not used: no device has a cert_file without a cert_password$/m,
    );
    assert.ok(!run.err().includes(pki.password) && !run.out().includes(pki.password));
  });
});

Deno.test("runtime --help, help runtime and --help runtime print the same help", async () => {
  const expected = (await runCli(["runtime", "--help"])).stdout;
  assert.match(expected, /^Usage: power-sdk runtime --config <runtime\.yaml>/);
  assert.equal((await runCli(["help", "runtime"])).stdout, expected);
  assert.equal((await runCli(["--help", "runtime"])).stdout, expected);
});

Deno.test("runtime: limits.admission in runtime.yaml is checked at file:line:column; true, false or thresholds", async () => {
  await using bad = await configFile(`version: 1
pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: a, pipeline: p, profile_id: EL100V2, transport: { opts: { device_sn: "1" } } }
limits:
  admission: { late_share: 2, windw: 1 }
`);
  const run = await runCli(["runtime", "--config", bad.path, "--dry-run"]);
  assert.equal(run.code, 1);
  assert.deepEqual(lines(run.stderr), [
    `error: CONFIG_INVALID: Cannot load the runtime configuration: 2 problems in ${bad.path}`,
    `${bad.path}:6:28: limits.admission.late_share: expected a number from 0 to 1, got 2`,
    `${bad.path}:6:31: limits.admission.windw: unknown key 'windw'; did you mean 'window'?`,
  ]);
  await using word = await configFile(`version: 1
pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: a, pipeline: p, profile_id: EL100V2, transport: { opts: { device_sn: "1" } } }
limits: { admission: off }
`);
  const off = await runCli(["runtime", "--config", word.path, "--dry-run"]);
  assert.equal(off.code, 1);
  assert.match(
    off.stderr,
    /:5:22: limits\.admission: expected false \(off\), true \(on, the defaults\) or a mapping of thresholds, got "off"\n/,
  );
  await using good = await configFile(`version: 1
pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: a, pipeline: p, profile_id: EL100V2, transport: { opts: { device_sn: "1" } } }
limits: { admission: false }
`);
  const ok = await runCli(["runtime", "--config", good.path, "--dry-run"]);
  assert.equal(ok.code, 0, ok.stderr);
});
