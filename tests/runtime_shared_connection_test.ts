// runtime.yaml `share_connection: true`: the devices of one broker poll over one MQTT
// connection, each snapshot holding its own station's data (real mosquitto, simulated fleet).
import assert from "node:assert/strict";
import "../src/plugins/mod.ts"; // defines the built-in plugins
import { loadRuntimeConfig, resolveRuntime, Runtime } from "../src/runtime/mod.ts";
import { FleetSimulator } from "../src/testing/mod.ts";
import { mosquittoAvailable, startMosquitto } from "./_support/mosquitto.ts";

const SERIALS = ["EL100V22345000000011", "EL100V22345000000012", "EL100V22345000000013"];

Deno.test({
  name: "runtime: devices with share_connection poll over one connection, each its own station",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    await using _fleet = await FleetSimulator.start({
      brokerUrl: broker.url,
      stations: SERIALS.map((sn) => ({ profile: "EL100V2", sn })),
    });
    const yaml = [
      "version: 1",
      "pipelines: { local: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 } }",
      "defaults:",
      "  sink: memory",
      "  groups: [core]",
      `  transport: { opts: { broker: "mqtt://127.0.0.1", port: ${broker.port}, allow_insecure: true, share_connection: true } }`,
      "devices:",
      ...SERIALS.map((sn, i) =>
        `  - { id: d${i}, pipeline: local, profile_id: EL100V2, transport: { opts: { device_sn: ${sn} } } }`
      ),
    ].join("\n");
    const runtime = new Runtime(resolveRuntime(loadRuntimeConfig(yaml)));
    try {
      const snapshots = await runtime.runOnce();
      assert.equal(snapshots.length, SERIALS.length);
      for (const snapshot of snapshots) {
        assert.ok(snapshot.ok, JSON.stringify(snapshot.errors));
        const i = Number(snapshot.deviceId.slice(1));
        const core = snapshot.blocks.find((b) => b.blockId === 100)!;
        assert.equal(`EL100V2${core.values.device_serial}`, SERIALS[i]);
      }
      const runtimeClients = [
        ...broker.log.matchAll(/New client connected from \S+ as (power-sdk_\S*)/g),
      ];
      assert.equal(runtimeClients.length, 1, broker.log);
    } finally {
      await runtime.stop();
    }
  },
});
