import assert from "node:assert/strict";
import mqtt from "mqtt";
import type { MqttClient } from "mqtt";
import { quietMqttLog, randomClientSuffix } from "./mqtt_client.ts";

Deno.test("randomClientSuffix() gives two lowercase hex digits per byte, different each time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const suffix = randomClientSuffix(6);
    assert.match(suffix, /^[0-9a-f]{12}$/);
    seen.add(suffix);
  }
  assert.equal(seen.size, 100);
  assert.match(randomClientSuffix(4), /^[0-9a-f]{8}$/);
});

Deno.test("quietMqttLog() replaces npm:mqtt's logger while its debug namespace is off, and keeps one that is on", () => {
  // A real client, never connected: its logger is the `debug` package's `mqttjs:client`.
  const client = mqtt.connect("mqtt://127.0.0.1:1", { manualConnect: true, reconnectPeriod: 0 });
  const log = (client as unknown as { log: { namespace?: string; enabled?: boolean } }).log;
  assert.equal(log.namespace, "mqttjs:client");
  assert.ok(!log.enabled, "DEBUG=mqttjs* is not set for the tests");
  quietMqttLog(client);
  const quiet = (client as unknown as { log: { namespace?: string } }).log;
  assert.notEqual(quiet, log);
  assert.equal(quiet.namespace, undefined);

  const lines: unknown[][] = [];
  const on = Object.assign((...args: unknown[]) => void lines.push(args), {
    namespace: "mqttjs:client",
    enabled: true,
  });
  const fake = { log: on } as unknown as MqttClient;
  quietMqttLog(fake);
  (fake as unknown as { log: (...args: unknown[]) => void }).log("kept");
  assert.deepEqual(lines, [["kept"]]);
});
