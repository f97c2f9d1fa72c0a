import { EmbeddedBroker } from "./embedded_broker.ts";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import assert from "node:assert/strict";
import { createTestPki } from "../../tests/_support/pki.ts";

const CLIENT_OPTIONS: IClientOptions = {
  protocolVersion: 4,
  reconnectPeriod: 0,
  connectTimeout: 5_000,
};

const pki = await createTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));
const { caCert: ca, serverCert, serverKey, clientCert, clientKey } = pki.pem;

function nextMessage(client: MqttClient): Promise<{ topic: string; payload: string; qos: number }> {
  return new Promise((resolve) => {
    client.once("message", (topic, payload, packet) => {
      resolve({ topic, payload: payload.toString(), qos: packet.qos });
    });
  });
}

/** Whether a client gets connected (true) or is refused by the broker (false). */
async function tryConnect(url: string, options: IClientOptions): Promise<boolean> {
  const client = mqtt.connect(url, options);
  // A bad certificate surfaces as an "error" or, on Deno, as a bare "close".
  const connected = await new Promise<boolean>((resolve) => {
    client.once("connect", () => resolve(true));
    client.once("error", () => resolve(false));
    client.once("close", () => resolve(false));
  });
  await client.endAsync();
  return connected;
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

Deno.test("EmbeddedBroker.start() serves MQTT over TCP on a random loopback port", async () => {
  const broker = await EmbeddedBroker.start();
  assert.equal(broker.host, "127.0.0.1");
  assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
  const subscriber = await mqtt.connectAsync(broker.url, CLIENT_OPTIONS);
  const publisher = await mqtt.connectAsync(broker.url, CLIENT_OPTIONS);
  try {
    await subscriber.subscribeAsync("power-sdk/test/#");
    const received = nextMessage(subscriber);
    await publisher.publishAsync("power-sdk/test/hello", "world");
    assert.deepEqual(await received, { topic: "power-sdk/test/hello", payload: "world", qos: 0 });
  } finally {
    await subscriber.endAsync();
    await publisher.endAsync();
    await broker.close();
  }
});

Deno.test("EmbeddedBroker delivers QoS 1 messages and acknowledges them", async () => {
  await using broker = await EmbeddedBroker.start();
  const subscriber = await mqtt.connectAsync(broker.url, CLIENT_OPTIONS);
  const publisher = await mqtt.connectAsync(broker.url, CLIENT_OPTIONS);
  try {
    const [granted] = await subscriber.subscribeAsync("qos/one", { qos: 1 });
    assert.equal(granted?.qos, 1);
    const received = nextMessage(subscriber);
    // publishAsync() resolves once the broker's PUBACK arrives.
    const sent = await publisher.publishAsync("qos/one", "at least once", { qos: 1 });
    assert.equal(sent?.cmd, "publish");
    assert.equal(sent.qos, 1);
    assert.equal(typeof sent.messageId, "number");
    assert.deepEqual(await received, { topic: "qos/one", payload: "at least once", qos: 1 });
  } finally {
    await subscriber.endAsync();
    await publisher.endAsync();
  }
});

Deno.test("EmbeddedBroker answers a request/reply round trip without Nagle delay", async () => {
  await using broker = await EmbeddedBroker.start();
  const requester = await mqtt.connectAsync(broker.url, CLIENT_OPTIONS);
  const responder = await mqtt.connectAsync(broker.url, CLIENT_OPTIONS);
  try {
    responder.on("message", (_topic, payload) => {
      responder.publish("rtt/reply", payload, { qos: 1 });
    });
    await responder.subscribeAsync("rtt/request", { qos: 1 });
    await requester.subscribeAsync("rtt/reply", { qos: 1 });
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const reply = nextMessage(requester);
      const start = performance.now();
      // QoS 1: the broker writes a PUBACK then a PUBLISH, which Nagle would hold back.
      requester.publish("rtt/request", String(i), { qos: 1 });
      assert.equal((await reply).payload, String(i));
      samples.push(performance.now() - start);
    }
    // Without TCP_NODELAY on the broker's sockets a round trip costs ~40 ms (delayed ACK).
    assert.ok(median(samples) < 20, `median round trip ${median(samples).toFixed(2)} ms`);
  } finally {
    await requester.endAsync();
    await responder.endAsync();
  }
});

Deno.test("EmbeddedBroker.start() serves MQTT over TLS and refuses clients without a certificate", async () => {
  await using broker = await EmbeddedBroker.start({
    tls: { cert: serverCert, key: serverKey, ca },
  });
  assert.equal(broker.url, `mqtts://localhost:${broker.port}`);

  assert.equal(await tryConnect(broker.url, { ...CLIENT_OPTIONS, ca }), false);
  // A client certificate of another CA.
  const foreign = { ca, cert: pki.pem.otherClientCert, key: pki.pem.otherClientKey };
  assert.equal(await tryConnect(broker.url, { ...CLIENT_OPTIONS, ...foreign }), false);

  const credentials = { ca, cert: clientCert, key: clientKey };
  const subscriber = await mqtt.connectAsync(broker.url, { ...CLIENT_OPTIONS, ...credentials });
  const publisher = await mqtt.connectAsync(broker.url, { ...CLIENT_OPTIONS, ...credentials });
  try {
    await subscriber.subscribeAsync("tls/topic", { qos: 1 });
    const received = nextMessage(subscriber);
    await publisher.publishAsync("tls/topic", "secret", { qos: 1 });
    assert.deepEqual(await received, { topic: "tls/topic", payload: "secret", qos: 1 });
  } finally {
    await subscriber.endAsync();
    await publisher.endAsync();
  }
});

Deno.test("EmbeddedBroker.start() accepts TLS clients without a certificate when requireClientCert is false", async () => {
  await using broker = await EmbeddedBroker.start({
    tls: { cert: serverCert, key: serverKey, ca, requireClientCert: false },
  });
  const client = await mqtt.connectAsync(broker.url, { ...CLIENT_OPTIONS, ca });
  assert.ok(client.connected);
  await client.endAsync();
});

Deno.test("EmbeddedBroker.start() refuses unusable TLS credentials", async () => {
  await assert.rejects(
    EmbeddedBroker.start({ tls: { cert: serverCert, key: clientKey } }),
    { name: "TypeError", message: /does not match 'tls.cert'/ },
  );
  await assert.rejects(
    EmbeddedBroker.start({ tls: { cert: "garbage", key: serverKey } }),
    { name: "TypeError", message: /'tls.cert' as it is not a PEM certificate/ },
  );
  await assert.rejects(
    EmbeddedBroker.start({
      tls: { cert: serverCert, key: serverKey, requireClientCert: true },
    }),
    { name: "TypeError", message: /'tls.ca' is not set/ },
  );
});

Deno.test("EmbeddedBroker.close() disconnects clients and leaves nothing open", async () => {
  for (const tls of [undefined, { cert: serverCert, key: serverKey, ca }]) {
    const broker = await EmbeddedBroker.start(tls === undefined ? {} : { tls });
    const clientOptions = tls === undefined
      ? CLIENT_OPTIONS
      : { ...CLIENT_OPTIONS, ca, cert: clientCert, key: clientKey };
    const client = await mqtt.connectAsync(broker.url, clientOptions);
    const clientClosed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    // A connection that never sends CONNECT (or never finishes the TLS handshake): aedes arms a
    // connect timer for it, which close() must clear.
    const silent = await Deno.connect({ hostname: "127.0.0.1", port: broker.port });
    try {
      await broker.close();
      await broker.close(); // idempotent
      await clientClosed;
      await assert.rejects(
        Deno.connect({ hostname: "127.0.0.1", port: broker.port }),
        Deno.errors.ConnectionRefused,
      );
    } finally {
      silent.close();
      await client.endAsync();
    }
  }
});

Deno.test("EmbeddedBroker.start() refuses a non-loopback host unless allowed", async () => {
  for (const host of ["0.0.0.0", "::", "192.0.2.1", "example.com", "[2001:db8::1]"]) {
    await assert.rejects(EmbeddedBroker.start({ host }), {
      name: "TypeError",
      message: new RegExp(`'${host.replace(/[.[\]]/g, "\\$&")}' as it is not a loopback address`),
    });
  }
  await using broker = await EmbeddedBroker.start({ host: "localhost" });
  assert.match(broker.host, /^(127\.0\.0\.1|::1)$/);
  const client = await mqtt.connectAsync(broker.url, CLIENT_OPTIONS);
  await client.endAsync();
});

Deno.test("EmbeddedBroker.start() validates the port", async () => {
  for (const port of [-1, 65536, 1.5, Number.NaN]) {
    await assert.rejects(EmbeddedBroker.start({ port }), RangeError);
  }
  await using first = await EmbeddedBroker.start();
  await assert.rejects(EmbeddedBroker.start({ port: first.port }), {
    message: new RegExp(`^Cannot start the embedded broker on 127\\.0\\.0\\.1:${first.port}: `),
  });
});
