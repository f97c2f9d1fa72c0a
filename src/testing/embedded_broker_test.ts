import { EmbeddedBroker } from "./embedded_broker.ts";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import assert from "node:assert/strict";
import { Socket } from "node:net";
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
    code: "TRANSPORT_LISTEN_FAILED",
    message: new RegExp(`^Cannot start the embedded broker on 127\\.0\\.0\\.1:${first.port}: `),
  });
});

Deno.test("EmbeddedBroker sets TCP_NODELAY on every client socket it accepts", async () => {
  // The latency this saves is measured by bench/transport_latency.ts; here only the setting.
  const original = Socket.prototype.setNoDelay;
  let enabled = 0;
  Socket.prototype.setNoDelay = function (this: Socket, noDelay?: boolean) {
    if (noDelay !== false) enabled++;
    return original.call(this, noDelay);
  };
  try {
    await using broker = await EmbeddedBroker.start();
    const before = enabled;
    const client = await mqtt.connectAsync(broker.url, CLIENT_OPTIONS);
    await client.endAsync();
    // The client's own socket is not set by npm:mqtt; the broker's accepted socket is.
    assert.ok(enabled > before, "the accepted socket got setNoDelay(true)");
  } finally {
    Socket.prototype.setNoDelay = original;
  }
});
