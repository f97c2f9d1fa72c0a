import assert from "node:assert/strict";
import "../../plugins/builtin.ts"; // defines the built-in plugins the simulator looks profiles up in
import { EmbeddedBroker, FleetSimulator } from "../../testing/mod.ts";
import { framesOf } from "../capture.ts";
import { loadRuntimeConfig } from "../config/load_config.ts";
import { resolveRuntime } from "../config/resolve.ts";
import { Runtime } from "../runtime.ts";
import { RecordSink } from "./record_sink.ts";
import { makeSnapshot } from "./_test_utils.ts";

Deno.test("Runtime keeps raw frames only for the devices whose snapshots reach a record sink", async () => {
  await using broker = await EmbeddedBroker.start();
  await using _stations = await FleetSimulator.start({
    brokerUrl: broker.url,
    stations: ["EL30V2000081", "EL30V2000082"].map((sn) => ({ profile: "EL30V2", sn })),
  });
  const dir = await Deno.makeTempDir({ prefix: "power_sdk_record_" });
  try {
    const config = loadRuntimeConfig(`version: 1
pipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }
defaults:
  transport: { opts: { broker: "mqtt://127.0.0.1", port: ${broker.port}, allow_insecure: true } }
devices:
  - { id: a, pipeline: lan, profile_id: EL30V2, groups: [core], sink: capture, transport: { opts: { device_sn: EL30V2000081 } } }
  - { id: b, pipeline: lan, profile_id: EL30V2, groups: [core], sink: memory, transport: { opts: { device_sn: EL30V2000082 } } }
sinks:
  capture: { type: record, path: "${dir}/frames.jsonl" }
`);
    const runtime = new Runtime(resolveRuntime(config));
    const snapshots = await runtime.runOnce();
    await runtime.stop();
    const byDevice = new Map(snapshots.map((s) => [s.deviceId, s]));
    assert.ok(byDevice.get("a")?.ok && byDevice.get("b")?.ok, JSON.stringify(snapshots));
    // Device b writes to memory only: its polls keep no frame.
    assert.deepEqual(framesOf(byDevice.get("b")!), []);
    const aFrames = framesOf(byDevice.get("a")!);
    assert.deepEqual(aFrames.map((f) => f.block), byDevice.get("a")!.blocks.map((b) => b.blockId));
    const written = (await Deno.readTextFile(`${dir}/frames.jsonl`)).trim().split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(written, aFrames);
    assert.ok(written.every((line) => line.device === "a"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RecordSink writes nothing for a snapshot without frames, and refuses writes once closed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sink = new RecordSink("capture", { path: `${dir}/frames.jsonl` });
    await sink.write(makeSnapshot());
    await sink.flush();
    await sink.close();
    await assert.rejects(Deno.stat(`${dir}/frames.jsonl`), Deno.errors.NotFound);
    await assert.rejects(sink.write(makeSnapshot()), /sink 'capture' is closed/);
    assert.throws(() => new RecordSink("capture", { path: "" }), TypeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
