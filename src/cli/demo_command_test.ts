import assert from "node:assert/strict";
import type { Snapshot } from "../../mod.ts";
import type { CommandContext } from "./_context.ts";
import { demoCommand } from "./demo_command.ts";
import { lines, pluginContext, runCli } from "./_test_utils.ts";
import { withDeadline } from "../../tests/_support/deadline.ts";
import mqtt from "mqtt";

/** How long a wait of these tests may take before it fails the test instead of hanging it. */
const DEADLINE_MS = 30_000;

/**
 * Wait for `waited` (every wait in it has a deadline), then stop the demo with SIGINT whatever
 * `waited` did, and wait for its exit code with a deadline; a failure of `waited` is what the
 * test fails with.
 */
async function stopAfter(
  waited: Promise<unknown>,
  stop: () => void,
  done: Promise<number>,
): Promise<number> {
  const failed = await waited.then(() => null, (error: unknown) => ({ error }));
  stop();
  const code = await withDeadline(done, DEADLINE_MS, "the demo to stop after SIGINT");
  if (failed !== null) throw failed.error;
  return code;
}

/** `demo` in-process, stopped by a signal the test fires once `until` is true of stdout. */
async function demo(args: string[], until: (out: string) => boolean) {
  let out = "";
  let err = "";
  let fire: ((signal: string) => void) | undefined;
  const enough = Promise.withResolvers<void>();
  const ctx: CommandContext = {
    io: {
      stdout(text) {
        out += text;
        if (until(out)) enough.resolve();
      },
      stderr: (text) => err += text,
    },
    ...pluginContext(),
  };
  const done = demoCommand(args, ctx, { listen: (onStop) => (fire = onStop, () => {}) });
  const code = await stopAfter(
    withDeadline(
      Promise.race([enough.promise, done]),
      DEADLINE_MS,
      () => `the demo's output the test waits for; it printed:\n${out}${err}`,
    ),
    () => fire?.("SIGINT"),
    done,
  );
  return { code, out, err };
}

const DEVICES = ["garage", "living_room", "cabin", "shed"];

Deno.test("demo says what it is, prints a line per poll of each station, stops on Ctrl-C", async () => {
  const seen = (out: string) =>
    DEVICES.every((id) => new RegExp(`^\\S+ ${id} (?:core|live) `, "m").test(out));
  const run = await demo([], seen);
  assert.equal(run.code, 0, run.err);
  assert.equal(run.err, "");
  const [banner, ...rest] = lines(run.out);
  assert.match(
    banner!,
    /^Power SDK demo: 3 simulated stations on an embedded broker at mqtt:\/\/127\.0\.0\.1:\d+ and 1 on local Modbus TCP at 127\.0\.0\.1:\d+; Ctrl-C to stop$/,
  );
  assert.match(rest[0]!, /^ {2}garage +Elite 30 V2 +sn EL30V2DEMO0001 +rtu framing +no faults$/);
  assert.match(rest[1]!, /^ {2}living_room +Elite 100 V2 .* faults crc:0\.1$/);
  assert.match(rest[2]!, /^ {2}cabin +Elite 200 V2 .* iot-v2 framing +faults silent:/);
  assert.match(rest[3]!, /^ {2}shed +AC500 +modbus-tcp 127\.0\.0\.1:\d+ +mbap framing +no faults$/);
  assert.ok(seen(run.out));
  assert.match(run.out, / garage core ok pack_voltage=\d+(\.\d+)? V /);
  assert.match(lines(run.out).at(-1)!, /^Stopped by SIGINT: \d+ polls, \d+ failed$/);
});

Deno.test("demo --json prints snapshots as JSON lines, everything else on stderr", async () => {
  const run = await demo(["--json"], (out) => lines(out).length >= 3);
  assert.equal(run.code, 0, run.err);
  const snapshots: Snapshot[] = lines(run.out).map((line) => JSON.parse(line));
  assert.ok(snapshots.length >= 3);
  for (const snapshot of snapshots) {
    assert.ok(DEVICES.includes(snapshot.deviceId), snapshot.deviceId);
    assert.equal(snapshot.mode, "pull");
  }
  assert.match(run.err, /^Power SDK demo: 3 simulated stations /);
  assert.match(run.err, /\nStopped by SIGINT: \d+ polls, \d+ failed\n$/);
});

Deno.test("demo --duration stops by itself", async () => {
  const run = await demo(["--duration", "0.3"], () => false);
  assert.equal(run.code, 0, run.err);
  assert.match(lines(run.out)[0]!, /; Ctrl-C to stop \(or after 0\.3 s\)$/);
  assert.match(lines(run.out).at(-1)!, /^Stopped after 0\.3 s: \d+ polls?, \d+ failed$/);
});

Deno.test("demo returns 2 for a wrong command line", async () => {
  const cases: [string[], string][] = [
    [["demo", "--duration", "3s"], "option '--duration' needs seconds"],
    [["demo", "--duration", "0"], "option '--duration' needs seconds"],
    [["demo", "now"], "unexpected argument 'now' for 'demo'"],
    [["demo", "--jsn"], "did you mean '--json'?"],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, 2, args.join(" "));
    assert.equal(run.stdout, "");
    assert.ok(lines(run.stderr)[0]!.includes(message), run.stderr);
    assert.equal(lines(run.stderr)[1], "Run 'power-sdk demo --help' for usage.");
  }
});

Deno.test("demo --help and help demo print the same help", async () => {
  const expected = (await runCli(["demo", "--help"])).stdout;
  assert.match(expected, /^Usage: power-sdk demo /);
  assert.equal((await runCli(["help", "demo"])).stdout, expected);
});

Deno.test("demo --prometheus --homeassistant --mqtt says where to look, and the outputs are there", async () => {
  let out = "";
  let fire: ((signal: string) => void) | undefined;
  const polled = Promise.withResolvers<void>();
  const ctx: CommandContext = {
    io: {
      stdout(text) {
        out += text;
        if (DEVICES.every((id) => new RegExp(`^\\S+ ${id} (?:core|live) ok `, "m").test(out))) {
          polled.resolve();
        }
      },
      stderr: () => {},
    },
    ...pluginContext(),
  };
  const done = demoCommand(
    ["--prometheus", "127.0.0.1:0", "--homeassistant", "--mqtt"],
    ctx,
    { listen: (onStop) => (fire = onStop, () => {}) },
  );
  const tried = (async () => {
    await withDeadline(
      Promise.race([polled.promise, done]),
      DEADLINE_MS,
      () => `a poll of each demo device; the demo printed:\n${out}`,
    );
    const metricsUrl = /^Prometheus: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(out)?.[1];
    assert.ok(metricsUrl, out);
    const text = await withDeadline(
      fetch(metricsUrl).then((response) => response.text()),
      DEADLINE_MS,
      `the metrics at ${metricsUrl}`,
    );
    assert.match(text, /power_sdk_soc_ratio\{device="cabin",serial="ELITE200V2DEMO0003",/);
    assert.match(out, /^MQTT: JSON states on mqtt:\/\/127\.0\.0\.1:\d+, topics power-sdk\//m);
    const brokerUrl = /^Home Assistant: discovery on (mqtt:\/\/127\.0\.0\.1:\d+) /m.exec(out)?.[1];
    assert.ok(brokerUrl, out);
    const client = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0 });
    try {
      const config = new Promise<string>((resolve) =>
        client.on("message", (_topic, payload) => resolve(new TextDecoder().decode(payload)))
      );
      await client.subscribeAsync("homeassistant/device/power_sdk_el30v2demo0001/config");
      const parsed = JSON.parse(
        await withDeadline(config, DEADLINE_MS, "the retained discovery config of garage"),
      );
      assert.equal(parsed.device.model, "Elite 30 V2");
      assert.equal(parsed.components.el30v2demo0001_control_ac_output.platform, "switch");
    } finally {
      await client.endAsync(true);
    }
  })();
  assert.equal(await stopAfter(tried, () => fire?.("SIGINT"), done), 0);
});

Deno.test("demo refuses a --prometheus address that is not host:port", async () => {
  const run = await runCli(["demo", "--prometheus", "9464"]);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /option '--prometheus' needs host:port, such as 127\.0\.0\.1:9464, got '9464'/,
  );
});
