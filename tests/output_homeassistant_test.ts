// The homeassistant sink as a user checks it with mosquitto's own client: discovery configs
// with the station's firmware (from its identity blocks) and the control entities' states read
// from the station before any command, retained, read back by `mosquitto_sub` run as a
// subprocess against a real mosquitto.
import "../mod.ts"; // defines the built-in plugins
import assert from "node:assert/strict";
import { BLUETTI_V2 } from "../src/plugins/mod.ts";
import { loadRuntimeConfig, resolveRuntime, Runtime } from "../src/runtime/mod.ts";
import { mosquittoAvailable } from "./_support/mosquitto.ts";
import { mosquittoSub, mosquittoSubPath } from "./_support/mosquitto_sub.ts";
import { MqttCollector } from "./_support/mqtt_collector.ts";
import { GARAGE, runtimeYaml, SHED, startStations } from "./_support/output_stations.ts";
import { withMosquitto } from "./_support/with_mosquitto.ts";
import { checkDiscoveryKeys } from "./_support/ha_discovery_schema.ts";

// The garage polls its inverter group too: block 1100 holds the firmware versions.
const DEVICES = `
  - id: garage
    pipeline: local
    profile_id: EL100V2
    groups: [core, inverter]
    transport: { opts: { device_sn: EL100V2042 } }
    options: { write_enabled: true }
  - id: shed
    pipeline: local
    profile_id: EL30V2
    groups: [core]
    transport: { opts: { device_sn: EL30V2077 } }
`;

Deno.test({
  name:
    "homeassistant sink: mosquitto_sub reads retained configs with the firmware and the controls' states before any command",
  ignore: !mosquittoAvailable() || mosquittoSubPath() === null,
  async fn() {
    await using broker = await withMosquitto();
    await using stations = await startStations(broker.url);
    const garage = stations.get(GARAGE.sn);
    const sink = `{ type: homeassistant, broker: "${broker.url}", base_topic: "pw" }`;
    const runtime = new Runtime(
      resolveRuntime(loadRuntimeConfig(runtimeYaml(broker.port, sink, DEVICES))),
    );
    try {
      await runtime.runOnce();
      const garageTopic = "homeassistant/device/power_sdk_el100v2042/config";
      const firmware = "module_1 4031, module_2 3022"; // the simulated station's block 1100
      // Wait until the sink has published everything (the firmware comes with the inverter
      // group, the control states after the first poll), so that mosquitto_sub, started next,
      // gets exactly the retained messages.
      let controls: string[];
      {
        await using sub = await MqttCollector.start(broker.url, ["homeassistant/#"]);
        const config = await sub.waitFor(
          (m) => m.topic === garageTopic && m.text.includes(firmware),
          "garage config with firmware",
        );
        const components = JSON.parse(config.text).components as Record<
          string,
          Record<string, unknown>
        >;
        controls = Object.values(components)
          .filter((c) => c.platform !== "sensor")
          .map((c) => c.state_topic as string);
        assert.ok(controls.length >= 10, `control entities: ${controls.join(", ")}`);
        await using states = await MqttCollector.start(broker.url, ["pw/garage/control/#"]);
        for (const topic of controls) await states.waitFor((m) => m.topic === topic, topic);
      }

      const lines = await mosquittoSub({
        port: broker.port,
        topics: ["homeassistant/#", "pw/garage/control/#"],
        count: 2 + controls.length,
        timeoutSeconds: 10,
      });
      const byTopic = new Map(lines.map((line) => [line.topic, line.payload]));
      assert.equal(byTopic.size, lines.length, "each topic once: only retained messages");

      // Firmware in the device info, from the station's identity blocks; none where unknown.
      const garageConfig = JSON.parse(byTopic.get(garageTopic)!);
      checkDiscoveryKeys(garageConfig, "garage");
      assert.deepEqual(garageConfig.device, {
        identifiers: ["power_sdk_el100v2042"],
        name: "garage",
        manufacturer: "BLUETTI",
        model: "Elite 100 V2",
        model_id: "EL100V2",
        serial_number: "EL100V2042",
        sw_version: firmware,
      });
      const shedConfig = JSON.parse(
        byTopic.get(`homeassistant/device/power_sdk_${SHED.sn.toLowerCase()}/config`)!,
      );
      checkDiscoveryKeys(shedConfig, "shed");
      assert.equal(shedConfig.device.serial_number, SHED.sn);
      assert.ok(
        !("sw_version" in shedConfig.device),
        "the shed's firmware block is not polled: no firmware is made up",
      );

      // Every control entity has its state, equal to the station's register: no command sent.
      for (const topic of controls) {
        const name = topic.split("/").at(-1)!;
        const def = BLUETTI_V2.controlRegisters.find((r) => r.name === name)!;
        const raw = garage.model.register(def.register);
        const expected = def.values
          ? Object.entries(def.values).find(([, v]) => v === raw)?.[0]
          : String(raw);
        assert.equal(byTopic.get(topic), expected, `${name} (register ${def.register} = ${raw})`);
      }
      assert.equal(byTopic.get("pw/garage/control/ac_output"), "on");
      assert.equal(byTopic.get("pw/garage/control/charging_mode"), "standard");
    } finally {
      await runtime.stop();
    }
  },
});
