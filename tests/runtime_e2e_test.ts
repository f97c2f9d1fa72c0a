// The runtime end to end, as a user runs it: the real CLI as a subprocess, a real mosquitto
// with TLS and required client certificates, several simulated stations, a JSONL sink.
import assert from "node:assert/strict";
import { join } from "node:path";
import { SimulatedStation } from "../testing.ts";
import type { Snapshot } from "../src/runtime/mod.ts";
import type { TestPki } from "./_support/pki.ts";
import { type Broker, withTlsBroker } from "./_support/broker.ts";
import { CliProcess, powerSdk } from "./_support/cli.ts";

const SERIALS = ["EL30V2000101", "EL100V2000102", "ELITE200V2000103"];

function config(pki: TestPki, broker: Broker, jsonl: string, interval: number): string {
  const port = new URL(broker.url).port;
  return `version: 1
pipelines:
  cloud:
    mode: pull
    transport: mqtt
    vendor: bluetti
    protocol: v2
defaults:
  poll_interval: ${interval}
  sink: file
  transport:
    opts:
      broker: localhost
      port: ${port}
      cert_file: ${pki.paths.clientP12}
      cert_password: "\${STATION_CERT_PASSWORD}"
      ca_file: ${pki.paths.caCert}
devices:
  - id: garage
    pipeline: cloud
    profile_id: EL30V2
    groups: [core, grid]
    transport: { opts: { device_sn: ${SERIALS[0]} } }
  - id: living-room
    pipeline: cloud
    profile_id: EL100V2
    groups: [core, battery]
    transport: { opts: { device_sn: ${SERIALS[1]} } }
  - id: cabin
    pipeline: cloud
    profile_id: ELITE200V2
    groups: [core]
    transport: { opts: { device_sn: ${SERIALS[2]}, framing: iot-v2 } }
sinks:
  file:
    type: jsonl
    path: ${jsonl}
`;
}

async function stations(pki: TestPki, broker: Broker): Promise<SimulatedStation[]> {
  const profiles = ["EL30V2", "EL100V2", "ELITE200V2"];
  return await Promise.all(SERIALS.map((sn, i) =>
    SimulatedStation.start({
      profile: profiles[i]!,
      sn,
      brokerUrl: broker.url,
      tls: { cert: pki.pem.clientCert, key: pki.pem.clientKey, ca: pki.pem.caCert },
      framing: i === 2 ? "iot-v2" : "rtu",
    })
  ));
}

async function readLines(path: string): Promise<Snapshot[]> {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return [];
  }
  const lines = text.split("\n").filter((l) => l.length > 0);
  const out: Snapshot[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      out.push(JSON.parse(line));
    } catch (error) {
      // Only a last line being written right now may be incomplete.
      if (i !== lines.length - 1 || text.endsWith("\n")) throw error;
    }
  }
  return out;
}

/** Wait until the JSONL file satisfies `done` (an event: the file growing), at most `ms`. */
async function waitFor(
  path: string,
  done: (lines: Snapshot[]) => boolean,
  what: string,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const lines = await readLines(path);
    if (done(lines)) return lines;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test("runtime end to end: --once, a continuous run through a broker restart and a silent station, SIGTERM", async (t) => {
  await using tlsBroker = await withTlsBroker();
  const { pki, broker } = tlsBroker;
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-e2e-" });
  const running = await stations(pki, broker);
  const env = { STATION_CERT_PASSWORD: pki.password };
  try {
    await t.step("--once writes one snapshot per device and group to the JSONL file", async () => {
      const jsonl = join(dir, "once", "snapshots.jsonl");
      const file = join(dir, "once.yaml");
      await Deno.writeTextFile(file, config(pki, broker, jsonl, 60));
      const out = await powerSdk(["runtime", "--config", file, "--once"], { env });
      assert.equal(out.code, 0, out.stderr);
      assert.doesNotMatch(out.stderr + out.stdout, new RegExp(pki.password));
      const lines = await readLines(jsonl);
      assert.deepEqual(
        lines.map((s) => `${s.deviceId}/${s.group}/${s.ok}`).sort(),
        [
          "cabin/core/true",
          "garage/core/true",
          "garage/grid/true",
          "living-room/battery/true",
          "living-room/core/true",
        ],
      );
      const cabin = lines.find((s) => s.deviceId === "cabin")!;
      assert.equal(cabin.blocks[0]!.blockId, 100);
      assert.equal(cabin.blocks[0]!.values.device_model, "ELITE200V2");
      assert.equal((await Deno.stat(jsonl)).mode! & 0o777, 0o600);
    });

    await t.step(
      "a continuous run survives a broker restart and a silent station, and SIGTERM flushes",
      async () => {
        const jsonl = join(dir, "run", "snapshots.jsonl");
        const file = join(dir, "run.yaml");
        await Deno.writeTextFile(file, config(pki, broker, jsonl, 0.5));
        await using runtime = new CliProcess(["runtime", "--config", file], { env });
        try {
          const okFrom = (lines: Snapshot[], id: string, after = 0) =>
            lines.slice(after).some((s) => s.deviceId === id && s.ok);
          let lines = await waitFor(
            jsonl,
            (l) => SERIALS.every((_, i) => okFrom(l, ["garage", "living-room", "cabin"][i]!)),
            "first snapshots",
          );

          // A station goes silent: error snapshots for it, the others go on; then it recovers.
          running[0]!.injectFault("silent:1");
          let mark = lines.length;
          lines = await waitFor(
            jsonl,
            (l) => l.slice(mark).some((s) => s.deviceId === "garage" && !s.ok),
            "error snapshots of the silent station",
          );
          const silent = lines.slice(mark).filter((s) => s.deviceId === "garage" && !s.ok);
          assert.ok(silent.every((s) => s.blocks.length === 0 && s.errors.length > 0));
          assert.ok(okFrom(lines, "living-room", mark), "the other stations were not delayed");
          running[0]!.clearFaults();
          mark = lines.length;
          lines = await waitFor(
            jsonl,
            (l) => okFrom(l, "garage", mark),
            "the silent station's recovery",
          );

          // The broker goes down: error snapshots for every station; back up: every station recovers.
          mark = lines.length;
          await broker.stop();
          lines = await waitFor(
            jsonl,
            (l) =>
              ["garage", "living-room", "cabin"].every((id) =>
                l.slice(mark).some((s) => s.deviceId === id && !s.ok)
              ),
            "error snapshots while the broker is down",
          );
          mark = lines.length;
          await broker.restart();
          lines = await waitFor(
            jsonl,
            (l) => ["garage", "living-room", "cabin"].every((id) => okFrom(l, id, mark)),
            "recovery after the broker restart",
            45_000,
          );
          assert.ok(lines.at(-1)!.metrics.ok > 0);
        } finally {
          runtime.signal("SIGTERM");
          const status = await runtime.exited();
          assert.equal(status.code, 0, runtime.stderr);
          assert.doesNotMatch(runtime.stderr, new RegExp(pki.password));
        }
        const text = await Deno.readTextFile(jsonl);
        assert.ok(text.endsWith("\n"), "the last line is complete after SIGTERM");
        for (const line of text.trimEnd().split("\n")) JSON.parse(line);
      },
    );

    await t.step("a config with mistakes prints every error with file:line:column", async () => {
      const file = join(dir, "broken.yaml");
      await Deno.writeTextFile(
        file,
        config(pki, broker, join(dir, "x.jsonl"), 5)
          .replace("poll_interval: 5", "pol_interval: 5")
          .replace("profile_id: EL30V2", "profile_id: EL30")
          .replace("port: ", "port: abc"),
      );
      const { code, stderr } = await powerSdk(["runtime", "--config", file, "--dry-run"], { env });
      assert.equal(code, 1);
      const lines = stderr.split("\n").filter((l) => l.includes("broken.yaml:"));
      assert.ok(lines.length >= 3, stderr);
      for (const line of lines) assert.match(line, /broken\.yaml:\d+:\d+: /);
      assert.match(stderr, /pol_interval.*did you mean 'poll_interval'/);
      assert.match(stderr, /unknown profile 'EL30'/);
      assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    });
  } finally {
    await Promise.all(running.map((s) => s.stop()));
    await broker.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
