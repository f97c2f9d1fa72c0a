// docs/service.md's container recipe runs: its ENTRYPOINT (the permission set and V8 flags) is
// taken from the Dockerfile in the doc and run here, with the container's folders mapped to
// temporary ones, against a simulated station on the embedded broker. A permission the recipe
// lacks fails this test the way it would fail the container.
import assert from "node:assert/strict";
import { EmbeddedBroker, SimulatedStation } from "../testing.ts";

const ROOT = new URL("..", import.meta.url);
const doc = await Deno.readTextFile(new URL("docs/service.md", ROOT));

function dockerfile(): string {
  const block = /```dockerfile\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, "docs/service.md has a Dockerfile");
  return block;
}

function jsonInstruction(name: string): string[] {
  const line = dockerfile().split("\n").find((l) => l.startsWith(`${name} `));
  assert.ok(line, `the Dockerfile has ${name}`);
  return JSON.parse(line.slice(name.length + 1));
}

Deno.test("service.md: the container's permission set and V8 flags run a poll and a jsonl sink", async () => {
  const entrypoint = jsonInstruction("ENTRYPOINT");
  const cmd = jsonInstruction("CMD");
  assert.equal(entrypoint[0], "deno");
  // The V8 flags the tasks and the compiled binary run with (deno.json), not others.
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks;
  const flags = /--v8-flags=\S+/.exec(tasks["power-sdk"])?.[0];
  assert.ok(flags, "the power-sdk task has --v8-flags");
  assert.ok(entrypoint.includes(flags), `the ENTRYPOINT has ${flags}`);
  assert.ok(tasks.demo.includes(`${flags} `), "the demo task has the same --v8-flags");
  assert.ok(tasks.compile.command.includes(`${flags} `), "deno compile has the same --v8-flags");
  assert.deepEqual(cmd, ["runtime", "--config", "/config/runtime.yaml"]);
  assert.match(dockerfile(), /^FROM denoland\/deno:2\.9\.6$/m);
  assert.match(dockerfile(), /^USER deno$/m);

  await using broker = await EmbeddedBroker.start();
  await using _station = await SimulatedStation.start({
    profile: "EL30V2",
    sn: "EL30V2000077",
    brokerUrl: broker.url,
  });
  const tmp = await Deno.makeTempDir({ prefix: "power_sdk_service_" });
  try {
    const config = `${tmp}/config`;
    const data = `${tmp}/data`;
    await Deno.mkdir(config);
    await Deno.mkdir(data);
    await Deno.writeTextFile(
      `${config}/runtime.yaml`,
      `version: 1
pipelines:
  lan:
    transport: mqtt
    vendor: bluetti
    protocol: v2
    transport_opts: { broker: "mqtt://127.0.0.1", port: ${broker.port}, allow_insecure: true }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: EL30V2000077 } } }
sinks:
  file: { type: jsonl, path: ${data}/snapshots.jsonl }
defaults: { sink: file }
`,
    );
    // The container's folders, here: /app is this checkout, /config and /data temporary ones.
    const map = (arg: string) =>
      arg.replaceAll("/app", ROOT.pathname.replace(/\/$/, "")).replaceAll("/config", config)
        .replaceAll("/data", data);
    const args = [...entrypoint.slice(1), ...cmd, "--once"].map(map);
    const output = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      clearEnv: true,
      env: { NO_COLOR: "1", HOME: Deno.env.get("HOME") ?? "/", ...denoDir() },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const [line] = (await Deno.readTextFile(`${data}/snapshots.jsonl`)).trim().split("\n");
    const snapshot = JSON.parse(line!);
    assert.equal(snapshot.deviceId, "garage");
    assert.equal(snapshot.ok, true);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

function denoDir(): Record<string, string> {
  const dir = Deno.env.get("DENO_DIR");
  return dir === undefined ? {} : { DENO_DIR: dir };
}
