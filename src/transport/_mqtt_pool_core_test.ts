// The core of MqttConnectionPool against a real mosquitto: messages reach only the member of
// their topic (tests/mqtt_shared_connection_test.ts: through MqttTransport).
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { coreOf } from "./_mqtt_pool_core.ts";
import { MqttConnectionPool } from "./mqtt_connection_pool.ts";
import { waitUntil } from "../../tests/_support/deadline.ts";
import { mosquittoAvailable, startMosquitto } from "../../tests/_support/mosquitto.ts";

const decoder = new TextDecoder();

Deno.test({
  name: "MqttConnectionPool hands each member only the messages of its own topic",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    const pool = new MqttConnectionPool();
    const heard = new Map<string, string[]>([["PUB/A", []], ["PUB/B", []]]);
    const member = (topic: string) => ({
      topic,
      onMessage: (on: string, payload: Uint8Array) =>
        heard.get(topic)!.push(`${on}=${decoder.decode(payload)}`),
      onClose: () => {},
    });
    const open = (topic: string) =>
      mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: "power-sdk-pool" }).then(
        async (client) => {
          await client.subscribeAsync(topic, { qos: 1 });
          return client;
        },
      );
    const a = await coreOf(pool).join("key", open, member("PUB/A"));
    const b = await coreOf(pool).join("key", open, member("PUB/B"));
    assert.equal(a.client, b.client);
    const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    try {
      for (const text of ["1", "2"]) {
        await publisher.publishAsync("PUB/A", `a${text}`, { qos: 1 });
        await publisher.publishAsync("PUB/B", `b${text}`, { qos: 1 });
        await publisher.publishAsync("PUB/C", `c${text}`, { qos: 1 });
      }
      // Messages have no other event to await here.
      await waitUntil(
        () => heard.get("PUB/A")!.length >= 2 && heard.get("PUB/B")!.length >= 2,
        "both members' messages",
      );
      assert.deepEqual(heard.get("PUB/A"), ["PUB/A=a1", "PUB/A=a2"]);
      assert.deepEqual(heard.get("PUB/B"), ["PUB/B=b1", "PUB/B=b2"]);
    } finally {
      await publisher.endAsync(true);
      await a.leave();
      await b.leave();
    }
    assert.equal(pool.connections, 0);
  },
});
