// The mqtt and homeassistant sinks against a real mosquitto (started here on 127.0.0.1, random
// port) with simulated stations on the same broker and a subscriber that checks what arrives.
import "../mod.ts"; // defines the built-in plugins
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { basename } from "node:path";
import { loadRuntimeConfig, type MqttSink, resolveRuntime, Runtime } from "../src/runtime/mod.ts";
import { EmbeddedBroker } from "../testing.ts";
import { mosquittoAvailable } from "./_support/mosquitto.ts";
import { MqttCollector, type Received } from "./_support/mqtt_collector.ts";
import {
  GARAGE,
  runtimeYaml,
  SHED,
  startStations,
  TWO_DEVICES,
} from "./_support/output_stations.ts";
import { withMosquitto } from "./_support/with_mosquitto.ts";
import { checkDiscoveryKeys } from "./_support/ha_discovery_schema.ts";

function json(message: Received): Record<string, unknown> {
  return JSON.parse(message.text);
}

Deno.test({
  name: "mqtt sink republishes each device's group state, availability and runtime status",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = await withMosquitto();
    await using _stations = await startStations(broker.url);
    const yaml = runtimeYaml(
      broker.port,
      `{ type: mqtt, broker: "${broker.url}", base_topic: "home/power", qos: 1 }`,
      TWO_DEVICES,
    );
    const runtime = new Runtime(resolveRuntime(loadRuntimeConfig(yaml)));
    try {
      const snapshots = await runtime.runOnce();
      assert.equal(snapshots.length, 3);
      // A subscriber that comes later gets the retained states.
      await using sub = await MqttCollector.start(broker.url, ["home/power/#"]);
      const core = json(
        await sub.waitFor((m) => m.topic === "home/power/garage/core", "garage core"),
      );
      assert.equal(core.device, "garage");
      assert.equal(core.serial, "EL100V2042");
      assert.equal(core.group, "core");
      assert.equal(core.ok, true);
      assert.deepEqual(core.errors, []);
      const fields = core.fields as Record<string, unknown>;
      assert.equal(typeof fields.app_home_data_soc, "number");
      assert.equal(fields.app_home_data_device_model, "EL100V2");
      assert.equal((core.units as Record<string, string>).app_home_data_soc, "%");
      const battery = json(
        await sub.waitFor((m) => m.topic === "home/power/garage/battery", "garage battery"),
      );
      assert.equal(typeof (battery.fields as Record<string, unknown>).pack_main_info_soh, "number");
      const shed = json(await sub.waitFor((m) => m.topic === "home/power/shed/core", "shed core"));
      assert.equal(shed.serial, "EL30V2077");
      for (const id of ["garage", "shed"]) {
        const availability = await sub.waitFor(
          (m) => m.topic === `home/power/${id}/availability`,
          `${id} availability`,
        );
        assert.equal(availability.text, "online");
        assert.equal(availability.retained, true);
      }
      assert.equal(
        (await sub.waitFor((m) => m.topic === "home/power/status", "status")).text,
        "online",
      );
      const mark = sub.messages.length;
      await runtime.stop();
      const offline = await sub.waitFor(
        (m) => m.topic === "home/power/status" && m.text === "offline",
        "runtime offline",
        20_000,
        mark,
      );
      assert.equal(offline.text, "offline");
    } finally {
      await runtime.stop();
    }
  },
});

Deno.test({
  name:
    "homeassistant sink: retained discovery for two stations, a switch turns AC off, a refused write, HA restart, a removed device cleared",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = await withMosquitto();
    await using stations = await startStations(broker.url);
    const garage = stations.get(GARAGE.sn);
    const shed = stations.get(SHED.sn);
    const sink = `{ type: homeassistant, broker: "${broker.url}", base_topic: "pw" }`;
    const errors: string[] = [];
    let runtime = new Runtime(
      resolveRuntime(loadRuntimeConfig(runtimeYaml(broker.port, sink, TWO_DEVICES))),
      { onSinkError: (_name, error) => errors.push(String(error)) },
    );
    try {
      await runtime.runOnce();
      await using sub = await MqttCollector.start(broker.url, ["homeassistant/#", "pw/#"]);
      const garageTopic = "homeassistant/device/power_sdk_el100v2042/config";
      const shedTopic = "homeassistant/device/power_sdk_el30v2077/config";
      const garageConfig = json(
        await sub.waitFor((m) => m.topic === garageTopic && m.text !== "", "garage config"),
      );
      const shedConfigMessage = await sub.waitFor(
        (m) => m.topic === shedTopic && m.text !== "",
        "shed config",
      );
      assert.equal(shedConfigMessage.retained, true);
      const shedConfig = json(shedConfigMessage);
      checkDiscoveryKeys(garageConfig, "garage");
      checkDiscoveryKeys(shedConfig, "shed");

      // Device info and availability with the runtime's Last Will topic.
      assert.deepEqual(garageConfig.device, {
        identifiers: ["power_sdk_el100v2042"],
        name: "garage",
        manufacturer: "BLUETTI",
        model: "Elite 100 V2",
        model_id: "EL100V2",
        serial_number: "EL100V2042",
      });
      assert.deepEqual(garageConfig.availability, [
        { topic: "pw/status" },
        { topic: "pw/garage/availability" },
      ]);
      const components = garageConfig.components as Record<string, Record<string, unknown>>;
      const soc = components.el100v2042_app_home_data_soc!;
      assert.deepEqual(
        [soc.device_class, soc.state_class, soc.unit_of_measurement, soc.state_topic],
        ["battery", "measurement", "%", "pw/garage/core"],
      );
      assert.equal(soc.value_template, "{{ value_json.fields.app_home_data_soc }}");
      const energy = components.el100v2042_app_home_data_total_ac_energy!;
      assert.deepEqual(
        [energy.device_class, energy.state_class, energy.unit_of_measurement],
        ["energy", "total_increasing", "kWh"],
      );
      const power = components.el100v2042_app_home_data_total_ac_power!;
      assert.deepEqual([power.device_class, power.unit_of_measurement], ["power", "W"]);
      const temperature = components.el100v2042_pack_main_info_temp_avg!;
      assert.deepEqual(
        [temperature.device_class, temperature.unit_of_measurement, temperature.state_topic],
        ["temperature", "°C", "pw/garage/battery"],
      );
      // Controls only where writes are enabled; dangerous registers never.
      const ac = components.el100v2042_control_ac_output!;
      assert.equal(ac.platform, "switch");
      assert.equal(ac.command_topic, "pw/garage/control/ac_output/set");
      assert.equal(components.el100v2042_control_charging_mode?.platform, "select");
      assert.deepEqual(components.el100v2042_control_charging_mode?.options, [
        "standard",
        "silent",
        "turbo",
        "custom",
      ]);
      assert.equal(components.el100v2042_control_soc_ceiling?.platform, "number");
      assert.equal(components.el100v2042_control_system_power_off, undefined);
      assert.equal(components.el100v2042_control_factory_reset, undefined);
      const shedComponents = Object.values(
        shedConfig.components as Record<string, Record<string, unknown>>,
      );
      assert.ok(shedComponents.length > 5);
      assert.ok(shedComponents.every((c) => c.platform === "sensor"));

      // States are retained, availability online.
      const state = json(await sub.waitFor((m) => m.topic === "pw/garage/core", "garage state"));
      const fields = state.fields as Record<string, number | null>;
      assert.ok(fields.app_home_data_total_ac_power! > 0, "AC output is on before the command");
      assert.equal(
        (await sub.waitFor((m) => m.topic === "pw/garage/availability", "availability")).text,
        "online",
      );

      // Before any command, the controls' states come from the station's registers.
      const before = await sub.waitFor(
        (m) => m.topic === "pw/garage/control/ac_output",
        "AC state before any command",
      );
      assert.equal(before.text, "on");

      // A switch command goes through the write gates to the station and is read back.
      assert.equal(garage.model.register(2011), 1);
      let mark = sub.messages.length;
      await sub.publish("pw/garage/control/ac_output/set", "off");
      const readBack = await sub.waitFor(
        (m) => m.topic === "pw/garage/control/ac_output",
        "AC read-back",
        20_000,
        mark,
      );
      assert.equal(readBack.text, "off");
      assert.equal(garage.model.register(2011), 0);
      mark = sub.messages.length;
      await runtime.runOnce();
      const after = json(
        await sub.waitFor((m) => m.topic === "pw/garage/core", "state after", 20_000, mark),
      );
      assert.equal((after.fields as Record<string, number>).app_home_data_total_ac_power, 0);

      // The shed's writes are not enabled: the same command is refused by the gate.
      mark = sub.messages.length;
      await sub.publish("pw/shed/control/ac_output/set", "off");
      const refused = await sub.waitFor(
        (m) => m.topic === "pw/shed/control/ac_output/error",
        "refusal",
        20_000,
        mark,
      );
      assert.match(refused.text, /^WRITE_REFUSED: /);
      assert.equal(shed.model.register(2011), 1);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, /writes are disabled for this device/);

      // Home Assistant restarts: its birth message brings every config again.
      mark = sub.messages.length;
      await sub.publish("homeassistant/status", "online");
      const again = await sub.waitFor(
        (m) => m.topic === garageTopic && !m.retained && m.text !== "",
        "republished config",
        20_000,
        mark,
      );
      assert.deepEqual(json(again).device, garageConfig.device);

      // The shed leaves the configuration: a new runtime clears its retained config and state.
      await runtime.stop();
      const onlyGarage = TWO_DEVICES.split("  - id: shed")[0]!;
      mark = sub.messages.length;
      runtime = new Runtime(
        resolveRuntime(loadRuntimeConfig(runtimeYaml(broker.port, sink, onlyGarage))),
      );
      await runtime.runOnce();
      const cleared = await sub.waitFor(
        (m) => m.topic === shedTopic && m.text === "",
        "cleared shed config",
        20_000,
        mark,
      );
      assert.equal(cleared.text, "");
      await sub.waitFor(
        (m) => m.topic === "pw/shed/core" && m.text === "",
        "cleared shed state",
        20_000,
        mark,
      );
      // The garage's config stays.
      assert.ok(
        !sub.messages.slice(mark).some((m) => m.topic === garageTopic && m.text === ""),
      );
    } finally {
      await runtime.stop();
    }
  },
});

Deno.test({
  name:
    "mqtt sink reaches an mqtts:// broker that wants a client certificate, from a PKCS#12 bundle",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = await withMosquitto({ tls: true });
    const pki = broker.pki!;
    await using stations = await EmbeddedBroker.start();
    await using _shed = await startStations(stations.url, [SHED]);
    const yaml = `
version: 1
pipelines:
  local: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 }
defaults:
  sink: out
  transport: { opts: { broker: "mqtt://127.0.0.1", port: ${stations.port}, allow_insecure: true } }
devices:
  - { id: shed, pipeline: local, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: EL30V2077 } } }
sinks:
  out:
    type: mqtt
    broker: "${broker.url}"
    cert_file: ${basename(pki.paths.clientP12)}
    cert_password: \${BUNDLE_PASSWORD}
    ca_file: ${basename(pki.paths.caCert)}
`;
    // Relative paths are taken from the configuration's folder.
    const config = loadRuntimeConfig(yaml, {
      baseDir: pki.dir,
      env: (name) => name === "BUNDLE_PASSWORD" ? pki.password : undefined,
    });
    const runtime = new Runtime(resolveRuntime(config));
    try {
      await (runtime.sink("out") as MqttSink).ready();
      await runtime.runOnce();
      const client = await mqtt.connectAsync(broker.url, {
        reconnectPeriod: 0,
        ca: pki.pem.caCert,
        cert: pki.pem.clientCert,
        key: pki.pem.clientKey,
      });
      try {
        const state = new Promise<string>((resolve) =>
          client.on("message", (_t, payload) => resolve(new TextDecoder().decode(payload)))
        );
        await client.subscribeAsync("power-sdk/shed/core");
        assert.equal(JSON.parse(await state).serial, "EL30V2077");
      } finally {
        await client.endAsync(true);
      }
    } finally {
      await runtime.stop();
    }
  },
});

Deno.test({
  name:
    "mqtt sink announces a device offline after offline_after failed polls, errors in its state",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = await withMosquitto();
    // No station answers for this serial: every poll times out.
    const yaml = runtimeYaml(
      broker.port,
      `{ type: mqtt, broker: "${broker.url}", offline_after: 2 }`,
      "  - { id: ghost, pipeline: local, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: EL30V2404 } } }",
    );
    const runtime = new Runtime(resolveRuntime(loadRuntimeConfig(yaml)), { timeoutMs: 200 });
    try {
      await using sub = await MqttCollector.start(broker.url, ["power-sdk/ghost/#"]);
      await runtime.runOnce();
      const first = json(await sub.waitFor((m) => m.topic === "power-sdk/ghost/core", "state"));
      assert.equal(first.ok, false);
      assert.deepEqual(first.fields, {});
      assert.equal((first.errors as { code: string }[])[0]?.code, "TRANSPORT_TIMEOUT");
      // One failed poll is not enough to say offline. The sink's messages were acknowledged
      // before runOnce() returned, so a marker published now arrives after any of them.
      await sub.publish("power-sdk/ghost/marker", "1");
      await sub.waitFor((m) => m.topic === "power-sdk/ghost/marker", "marker");
      assert.ok(!sub.messages.some((m) => m.topic === "power-sdk/ghost/availability"));
      await runtime.runOnce();
      const offline = await sub.waitFor(
        (m) => m.topic === "power-sdk/ghost/availability",
        "availability",
      );
      assert.equal(offline.text, "offline");
    } finally {
      await runtime.stop();
    }
  },
});
