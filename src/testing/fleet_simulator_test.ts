import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqtt from "mqtt";
import type { MqttClient } from "mqtt";
import {
  buildRequest,
  type FramingName,
  getFraming,
  parseReply,
  type ReadRequest,
  replyMatches,
} from "../protocol/mod.ts";
import { createBluettiRegistry } from "../plugins/bluetti_v2/mod.ts";
import { loadRuntimeConfig, resolveRuntime, Runtime } from "../runtime/mod.ts";
import { withDeadline } from "../../tests/_support/deadline.ts";
import { mosquittoAvailable, startMosquitto } from "../../tests/_support/mosquitto.ts";
import { EmbeddedBroker } from "./embedded_broker.ts";
import { FleetSimulator } from "./fleet_simulator.ts";

const REGISTRY = createBluettiRegistry();
const BLOCK_100: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 62 };

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A plain MQTT client that asks stations for block 100 and collects what comes back. */
async function requester(url: string): Promise<{
  client: MqttClient;
  ask(sn: string, framing: FramingName, timeoutMs?: number): Promise<Uint8Array>;
}> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
  await client.subscribeAsync("PUB/+", { qos: 1 });
  const waiting = new Map<string, (payload: Uint8Array) => void>();
  client.on("message", (topic, payload) => {
    const sn = topic.slice("PUB/".length);
    waiting.get(sn)?.(new Uint8Array(payload));
    waiting.delete(sn);
  });
  return {
    client,
    async ask(sn, framingName, timeoutMs = 5_000) {
      const framing = getFraming(framingName);
      const request = { ...BLOCK_100, address: framing.deviceAddress };
      const reply = new Promise<Uint8Array>((resolve) => waiting.set(sn, resolve));
      await client.publishAsync(
        `SUB/${sn}`,
        Buffer.from(framing.wrap(buildRequest(request), request)),
        { qos: 1 },
      );
      const payload = await withDeadline(reply, timeoutMs, `a reply from ${sn}`);
      const parsed = parseReply(framing.unwrap(payload), request);
      assert.ok(parsed.function === 0x03);
      return parsed.data;
    },
  };
}

/** Ask each EL30V2 station of `sns` for block 100 (RTU) and check it answers with its serial. */
async function assertEachAnswersItsSerial(url: string, sns: readonly string[]): Promise<void> {
  const { client, ask } = await requester(url);
  try {
    for (const sn of sns) {
      const values = REGISTRY.require(100).decode(await ask(sn, "rtu")).values;
      assert.equal(values.device_serial, sn.slice("EL30V2".length));
    }
  } finally {
    await client.endAsync();
  }
}

Deno.test("FleetSimulator.start() answers each request with the station named in the topic", async () => {
  await using broker = await EmbeddedBroker.start();
  const stations = [
    { profile: "EL30V2", sn: "EL30V22345000000001", framing: "rtu" as const },
    { profile: "EL100V2", sn: "EL100V22345000000002", framing: "iot-v2" as const },
    { profile: "ELITE200V2", sn: "ELITE200V22345000000003", framing: "v1" as const },
  ];
  await using fleet = await FleetSimulator.start({ brokerUrl: broker.url, stations });
  assert.deepEqual(fleet.serials, stations.map((s) => s.sn));
  assert.equal(fleet.connected, true);
  const { client, ask } = await requester(broker.url);
  try {
    for (const station of stations) {
      const values = REGISTRY.require(100).decode(await ask(station.sn, station.framing)).values;
      assert.equal(values.device_serial, station.sn.slice(station.profile.length));
      assert.equal(values.device_model, station.profile);
    }
  } finally {
    await client.endAsync();
  }
  assert.deepEqual(fleet.counters, {
    requests: 3,
    replies: 3,
    ignored: 0,
    unknownStation: 0,
    dropped: 0,
    reconnects: 0,
  });
  assert.equal(fleet.lastError, null);
});

Deno.test("FleetSimulator answers 300 stations asked at once", async () => {
  await using broker = await EmbeddedBroker.start();
  const stations = Array.from(
    { length: 300 },
    (_, i) => ({ profile: "EL30V2", sn: `EL30V2${2345000000000 + i}` }),
  );
  await using fleet = await FleetSimulator.start({ brokerUrl: broker.url, stations, seed: 7 });
  const { client, ask } = await requester(broker.url);
  try {
    const data = await Promise.all(stations.map((s) => ask(s.sn, "rtu", 20_000)));
    const serials = data.map((d) => REGISTRY.require(100).decode(d).values.device_serial);
    assert.deepEqual(serials, stations.map((s) => s.sn.slice("EL30V2".length)));
  } finally {
    await client.endAsync();
  }
  assert.equal(fleet.counters.requests, 300);
  assert.equal(fleet.counters.replies, 300);
});

Deno.test("FleetSimulator ignores unknown serials, retained requests and invalid payloads", async () => {
  await using broker = await EmbeddedBroker.start();
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
  const request = Buffer.from(buildRequest(BLOCK_100));
  try {
    // Retained before the fleet subscribes: delivered with the retain flag, a stale request.
    await client.publishAsync("SUB/EL30V21", request, { qos: 1, retain: true });
    await using fleet = await FleetSimulator.start({
      brokerUrl: broker.url,
      stations: [{ profile: "EL30V2", sn: "EL30V21" }],
    });
    await client.subscribeAsync("PUB/EL30V21", { qos: 1 });
    const replies: Buffer[] = [];
    let replied!: () => void;
    const firstReply = new Promise<void>((resolve) => (replied = resolve));
    client.on("message", (_topic, message) => {
      replies.push(message);
      replied();
    });
    await client.publishAsync("SUB/EL30V2999", request, { qos: 1 });
    await client.publishAsync("SUB/EL30V21", Buffer.from([1, 3, 0, 100]), { qos: 1 });
    // A barrier, not a sleep: a valid request after the others. The fleet handles requests in
    // the order the broker delivers them, so once its reply is here the others were handled.
    await client.publishAsync("SUB/EL30V21", request, { qos: 1 });
    await firstReply;
    const counters = fleet.counters;
    assert.equal(counters.requests, 3, "the retained request was not taken as a request");
    assert.equal(counters.unknownStation, 1);
    assert.equal(counters.ignored, 1);
    assert.equal(counters.replies, 1);
    assert.equal(replies.length, 1, "only the valid request was answered");
    assert.ok(replyMatches(BLOCK_100, new Uint8Array(replies[0]!)));
  } finally {
    await client.publishAsync("SUB/EL30V21", Buffer.alloc(0), { qos: 1, retain: true });
    await client.endAsync();
  }
});

Deno.test({
  name: "FleetSimulator with ownTopicsOnly receives only its own stations' requests",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    const sns = Array.from({ length: 6 }, (_, i) => `EL30V2${2345000000200 + i}`);
    const range = (from: number, to: number) =>
      sns.slice(from, to).map((sn) => ({ profile: "EL30V2", sn }));
    // Two fleets of one large one (as a bench runs them, one per process), and one on SUB/+.
    await using first = await FleetSimulator.start({
      brokerUrl: broker.url,
      stations: range(0, 3),
      ownTopicsOnly: true,
    });
    await using second = await FleetSimulator.start({
      brokerUrl: broker.url,
      stations: range(3, 6),
      ownTopicsOnly: true,
    });
    await using wildcard = await FleetSimulator.start({
      brokerUrl: broker.url,
      stations: [{ profile: "EL30V2", sn: "EL30V29" }],
    });
    await assertEachAnswersItsSerial(broker.url, sns);
    for (const fleet of [first, second]) {
      assert.deepEqual(
        { requests: fleet.counters.requests, unknownStation: fleet.counters.unknownStation },
        { requests: 3, unknownStation: 0 },
      );
    }
    // The wildcard fleet heard all six requests, none of them for its station.
    assert.equal(wildcard.counters.requests, 6);
    assert.equal(wildcard.counters.unknownStation, 6);
  },
});

Deno.test({
  name: "FleetSimulator with stationsPerConnection 2 serves 5 stations over 3 connections",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    const sns = Array.from({ length: 5 }, (_, i) => `EL30V2${2345000000300 + i}`);
    await using fleet = await FleetSimulator.start({
      brokerUrl: broker.url,
      stations: sns.map((sn) => ({ profile: "EL30V2", sn })),
      stationsPerConnection: 2,
    });
    assert.equal(fleet.connected, true);
    const clients = [
      ...broker.log.matchAll(/New client connected from \S+ as (power-sdk-fleet\S*)/g),
    ];
    assert.equal(clients.length, 3, broker.log);
    await assertEachAnswersItsSerial(broker.url, sns);
    // Each request reached one connection only.
    assert.deepEqual(
      { requests: fleet.counters.requests, unknownStation: fleet.counters.unknownStation },
      { requests: 5, unknownStation: 0 },
    );
    await fleet.stop();
    assert.equal(fleet.connected, false);
  },
});

Deno.test("FleetSimulator.start() checks its options before connecting", async () => {
  const brokerUrl = "mqtt://127.0.0.1:1";
  const one = [{ profile: "EL30V2", sn: "EL30V21" }];
  await assert.rejects(FleetSimulator.start({ brokerUrl, stations: [] }), TypeError);
  await assert.rejects(
    FleetSimulator.start({ brokerUrl, stations: [...one, ...one] }),
    (error: Error) => error instanceof TypeError && /appears twice/.test(error.message),
  );
  await assert.rejects(
    FleetSimulator.start({ brokerUrl, stations: [{ profile: "EL30V2", sn: "EL30V2/1" }] }),
    TypeError,
  );
  await assert.rejects(FleetSimulator.start({ brokerUrl: "http://x", stations: one }), TypeError);
  await assert.rejects(FleetSimulator.start({ brokerUrl, stations: one, seed: 1.5 }), RangeError);
  for (const stationsPerConnection of [0, 1.5]) {
    await assert.rejects(
      FleetSimulator.start({ brokerUrl, stations: one, stationsPerConnection }),
      RangeError,
    );
  }
  await assert.rejects(
    FleetSimulator.start({ brokerUrl, stations: [{ profile: "NOPE", sn: "X1" }] }),
    { code: "CONFIG_UNKNOWN_PROFILE" },
  );
});

Deno.test("FleetSimulator.start() fails with TRANSPORT_CONNECT_FAILED when nothing listens", async () => {
  await assert.rejects(
    FleetSimulator.start({
      brokerUrl: `mqtt://127.0.0.1:${freePort()}`,
      stations: [{ profile: "EL30V2", sn: "EL30V21" }],
      connectTimeoutMs: 2_000,
    }),
    { code: "TRANSPORT_CONNECT_FAILED" },
  );
});

Deno.test("FleetSimulator.start() honours an aborted signal", async () => {
  await using broker = await EmbeddedBroker.start();
  await assert.rejects(
    FleetSimulator.start({
      brokerUrl: broker.url,
      stations: [{ profile: "EL30V2", sn: "EL30V21" }],
      signal: AbortSignal.abort(),
    }),
    { code: "TRANSPORT_ABORTED" },
  );
});

Deno.test("FleetSimulator gives station i the seed seed + i", async () => {
  await using broker = await EmbeddedBroker.start();
  const now = () => Date.UTC(2025, 5, 1, 12);
  const stations = [
    { profile: "EL100V2", sn: "EL100V21" },
    { profile: "EL100V2", sn: "EL100V22" },
  ];
  await using a = await FleetSimulator.start({ brokerUrl: broker.url, stations, seed: 10, now });
  await using b = await FleetSimulator.start({ brokerUrl: broker.url, stations, seed: 10, now });
  assert.equal(a.model("EL100V21")?.seed, 10);
  assert.equal(a.model("EL100V22")?.seed, 11);
  assert.deepEqual(a.model("EL100V22")?.snapshot(), b.model("EL100V22")?.snapshot());
  assert.notDeepEqual(a.model("EL100V21")?.snapshot(), a.model("EL100V22")?.snapshot());
});

Deno.test("FleetSimulator.stop() is idempotent and ends the connection", async () => {
  await using broker = await EmbeddedBroker.start();
  const fleet = await FleetSimulator.start({
    brokerUrl: broker.url,
    stations: [{ profile: "EL30V2", sn: "EL30V21" }],
  });
  await Promise.all([fleet.stop(), fleet.stop()]);
  await fleet.stop();
  assert.equal(fleet.connected, false);
});

Deno.test({
  name: "FleetSimulator reconnects and subscribes again after a broker restart",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    await using fleet = await FleetSimulator.start({
      brokerUrl: broker.url,
      stations: [{ profile: "EL30V2", sn: "EL30V21" }],
    });
    await broker.restart();
    const deadline = Date.now() + 10_000;
    while (!(fleet.connected && fleet.counters.reconnects >= 1) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(fleet.counters.reconnects, 1);
    const { client, ask } = await requester(broker.url);
    try {
      // The SUBACK of the new subscription may still be on its way: ask until answered.
      let data: Uint8Array | null = null;
      for (let i = 0; i < 20 && data === null; i++) {
        data = await ask("EL30V21", "rtu", 250).catch(() => null);
      }
      assert.ok(data, "the fleet answers after the restart");
    } finally {
      await client.endAsync();
    }
  },
});

Deno.test("FleetSimulator serves a Runtime polling many devices", async () => {
  await using broker = await EmbeddedBroker.start();
  const sns = Array.from({ length: 20 }, (_, i) => `EL30V2${2345000000100 + i}`);
  await using _fleet = await FleetSimulator.start({
    brokerUrl: broker.url,
    stations: sns.map((sn) => ({ profile: "EL30V2", sn })),
  });
  const devices = sns.map((sn, i) =>
    `  - { id: d${i}, pipeline: p, profile_id: EL30V2, transport: { opts: { device_sn: "${sn}" } } }`
  );
  const yaml = [
    "version: 1",
    "pipelines: { p: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 } }",
    `defaults: { sink: memory, transport: { opts: { broker: "mqtt://127.0.0.1", port: ${broker.port}, allow_insecure: true } } }`,
    "devices:",
    ...devices,
  ].join("\n");
  await using runtime = new Runtime(resolveRuntime(loadRuntimeConfig(yaml)));
  const snapshots = await runtime.runOnce();
  assert.equal(snapshots.length, 20 * 3);
  assert.deepEqual(snapshots.filter((s) => !s.ok).map((s) => s.errors), []);
});
