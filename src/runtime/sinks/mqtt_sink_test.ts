import assert from "node:assert/strict";
import mqtt from "mqtt";
import { EmbeddedBroker } from "../../testing/mod.ts";
import { makeSnapshot } from "./_test_utils.ts";
import { MqttSink } from "./mqtt_sink.ts";

Deno.test("MqttSink: a write made while the first connection attempt runs waits for it", async () => {
  await using broker = await EmbeddedBroker.start();
  const subscriber = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  try {
    const received = new Promise<string>((resolve) =>
      subscriber.on("message", (_topic, payload) => resolve(new TextDecoder().decode(payload)))
    );
    await subscriber.subscribeAsync("power-sdk/garage/core", { qos: 1 });
    const sink = new MqttSink("out", { broker: broker.url, qos: 1 });
    try {
      // Not connected yet: the write waits for the connection instead of failing.
      await sink.write(makeSnapshot({ deviceId: "garage" }));
      assert.equal(JSON.parse(await received).device, "garage");
    } finally {
      await sink.close();
    }
  } finally {
    await subscriber.endAsync(true);
  }
});

Deno.test("MqttSink: after a failed first attempt, a write fails at once, naming the broker", async () => {
  // A port nothing listens on: the connection is refused.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const sink = new MqttSink("out", {
    broker: `mqtt://user:secret@127.0.0.1:${port}`,
    reconnectPeriodMs: 60_000,
  });
  try {
    await assert.rejects(sink.write(makeSnapshot()), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(
          `^Cannot publish to mqtt://127\\.0\\.0\\.1:${port} from sink 'out': not connected`,
        ),
      );
      assert.ok(!error.message.includes("secret"));
      return true;
    });
  } finally {
    await sink.close();
  }
});
