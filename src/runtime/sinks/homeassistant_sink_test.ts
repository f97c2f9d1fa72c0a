import assert from "node:assert/strict";
import mqtt from "mqtt";
import { EmbeddedBroker } from "../../testing/mod.ts";
import { makeSnapshot } from "./_test_utils.ts";
import { HomeAssistantSink } from "./homeassistant_sink.ts";
import type { DeviceController, OutputDevice } from "./output_device.ts";

const DEVICE: OutputDevice = {
  id: "garage",
  serial: "SN42",
  model: "Test station",
  modelId: "T1",
  manufacturer: "Test",
  controls: [
    { name: "ac_output", kind: "switch", description: "AC" },
    { name: "soc_ceiling", kind: "number", min: 60, max: 100, description: "limit" },
  ],
  writeEnabled: true,
};

/** A controller double: the station's registers as labels/numbers, reads counted. */
class FakeStation implements DeviceController {
  values: Record<string, string | number> = { ac_output: "on", soc_ceiling: 90 };
  reads = 0;
  /** When set, the next read waits for it. */
  gate: Promise<void> | null = null;
  readControls(_device: string, controls: readonly string[]) {
    this.reads++;
    const values = Object.fromEntries(controls.map((c) => [c, this.values[c]!]));
    const gate = this.gate;
    this.gate = null;
    return (gate ?? Promise.resolve()).then(() => values);
  }
  writeControl(_device: string, control: string, value: string | number) {
    this.values[control] = value;
    return Promise.resolve({ control, readBack: value, applied: true });
  }
}

/** Every message on `topic`, in order. */
async function watch(url: string, topic: string) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const seen: string[] = [];
  const waiters: (() => void)[] = [];
  client.on("message", (_t, payload) => {
    seen.push(new TextDecoder().decode(payload));
    for (const wake of waiters.splice(0)) wake();
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return {
    seen,
    async count(n: number): Promise<string[]> {
      const deadline = Date.now() + 10_000;
      while (seen.length < n) {
        if (Date.now() > deadline) throw new Error(`${topic}: ${seen.length} of ${n} messages`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return seen;
    },
    close: () => client.endAsync(true),
  };
}

Deno.test("homeassistant sink publishes the controls' states from the device before any command, then only changes", async () => {
  await using broker = await EmbeddedBroker.start();
  const ac = await watch(broker.url, "power-sdk/garage/control/ac_output");
  const limit = await watch(broker.url, "power-sdk/garage/control/soc_ceiling");
  const station = new FakeStation();
  const sink = new HomeAssistantSink("ha", {
    broker: broker.url,
    devices: [DEVICE],
    controller: station,
    controlRefreshMs: 0,
  });
  try {
    await sink.ready();
    // A failed poll (no data) reads nothing.
    await sink.write(makeSnapshot({ deviceId: "garage", blocks: [], ok: false }));
    assert.equal(station.reads, 0);
    await sink.write(makeSnapshot({ deviceId: "garage" }));
    assert.deepEqual(await ac.count(1), ["on"]);
    assert.deepEqual(await limit.count(1), ["90"]);
    // Unchanged values are not published again; a changed one is.
    station.values.ac_output = "off";
    await sink.write(makeSnapshot({ deviceId: "garage" }));
    assert.deepEqual(await ac.count(2), ["on", "off"]);
    // A read that a command overtakes is not published: the command's read-back stands.
    let open!: () => void;
    station.gate = new Promise((resolve) => open = resolve);
    const readsBefore = station.reads;
    await sink.write(makeSnapshot({ deviceId: "garage" })); // the read now waits at the gate
    assert.equal(station.reads, readsBefore + 1);
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await client.publishAsync("power-sdk/garage/control/soc_ceiling/set", "70", { qos: 1 });
    await client.endAsync(true);
    assert.deepEqual(await limit.count(2), ["90", "70"]);
    open(); // the read returns soc_ceiling 90, read before the command: dropped
    await sink.close();
    assert.deepEqual(limit.seen, ["90", "70"]);
    assert.deepEqual(ac.seen, ["on", "off"]);
  } finally {
    await sink.close();
    await ac.close();
    await limit.close();
  }
});

Deno.test("homeassistant sink reads no control of a device whose writes are off", async () => {
  await using broker = await EmbeddedBroker.start();
  const station = new FakeStation();
  const sink = new HomeAssistantSink("ha", {
    broker: broker.url,
    devices: [{ ...DEVICE, writeEnabled: false }],
    controller: station,
    controlRefreshMs: 0,
  });
  try {
    await sink.ready();
    await sink.write(makeSnapshot({ deviceId: "garage" }));
    await sink.close();
    assert.equal(station.reads, 0);
  } finally {
    await sink.close();
  }
});

Deno.test("homeassistant sink puts the firmware from the device's identity in the device info", async () => {
  await using broker = await EmbeddedBroker.start();
  let firmware: Record<string, number> | null = null;
  const sink = new HomeAssistantSink("ha", {
    broker: broker.url,
    devices: [{ ...DEVICE, writeEnabled: false }],
    identity: () => ({ model: null, serial: null, firmware, protocolVersion: null }),
  });
  const configs = await watch(broker.url, sink.configTopic("garage"));
  try {
    await sink.ready();
    await sink.write(makeSnapshot({ deviceId: "garage" }));
    firmware = { module_1: 4031, module_2: 3022 };
    await sink.write(makeSnapshot({ deviceId: "garage" }));
    const [first, second] = (await configs.count(2)).map((text) => JSON.parse(text).device);
    assert.equal(first.sw_version, undefined, "unknown firmware is left out");
    assert.equal(second.sw_version, "module_1 4031, module_2 3022");
  } finally {
    await sink.close();
    await configs.close();
  }
});
