import { mosquittoAvailable, startMosquitto } from "./mosquitto.ts";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { createTestPki } from "./pki.ts";
import { withMosquitto } from "./with_mosquitto.ts";
import assert from "node:assert/strict";

const ignore = !mosquittoAvailable();
if (ignore) {
  console.warn(
    "mosquitto is not installed (not in PATH or /usr/sbin): skipping its tests; " +
      "install it with `apt-get install mosquitto` or `brew install mosquitto`",
  );
}

const CLIENT_OPTIONS: IClientOptions = {
  protocolVersion: 4,
  reconnectPeriod: 0,
  connectTimeout: 5_000,
};

/** Whether a client gets connected (true) or is refused by the broker (false). */
async function tryConnect(url: string, options: IClientOptions): Promise<boolean> {
  const client = mqtt.connect(url, options);
  const connected = await new Promise<boolean>((resolve) => {
    client.once("connect", () => resolve(true));
    client.once("error", () => resolve(false));
    client.once("close", () => resolve(false));
  });
  await client.endAsync();
  return connected;
}

/** Publishes from one client and asserts another receives it. */
async function assertRoundTrip(url: string, options: IClientOptions): Promise<void> {
  const subscriber = await mqtt.connectAsync(url, options);
  const publisher = await mqtt.connectAsync(url, options);
  try {
    await subscriber.subscribeAsync("power-sdk/test/+", { qos: 1 });
    const received = nextMessage(subscriber);
    await publisher.publishAsync("power-sdk/test/ping", "pong", { qos: 1 });
    assert.deepEqual(await received, { topic: "power-sdk/test/ping", payload: "pong" });
  } finally {
    await subscriber.endAsync();
    await publisher.endAsync();
  }
}

function nextMessage(client: MqttClient): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve) => {
    client.once("message", (topic, payload) => resolve({ topic, payload: payload.toString() }));
  });
}

function nextEvent(client: MqttClient, event: "connect" | "close"): Promise<void> {
  return new Promise((resolve) => client.once(event, () => resolve()));
}

Deno.test({
  name: "startMosquitto() serves plain MQTT on a random port and restarts on the same port",
  ignore,
  async fn() {
    const broker = await startMosquitto();
    assert.ok(broker !== null);
    try {
      assert.equal(broker.host, "127.0.0.1");
      assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
      assert.match(broker.log, /mosquitto version \S+ running/);
      await assertRoundTrip(broker.url, CLIENT_OPTIONS);

      // A client with a reconnect policy sees the restart and comes back on its own.
      const survivor = await mqtt.connectAsync(broker.url, {
        ...CLIENT_OPTIONS,
        reconnectPeriod: 50,
      });
      try {
        const closed = nextEvent(survivor, "close");
        const port = broker.port;
        const reconnected = closed.then(() => nextEvent(survivor, "connect"));
        await broker.restart();
        assert.equal(broker.port, port);
        await reconnected;
        assert.ok(survivor.connected);
      } finally {
        await survivor.endAsync();
      }
      await assertRoundTrip(broker.url, CLIENT_OPTIONS);
    } finally {
      await broker.stop();
      await broker.stop(); // idempotent
    }
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: broker.port }),
      Deno.errors.ConnectionRefused,
    );
  },
});

Deno.test({
  name: "startMosquitto() serves TLS and refuses clients without a certificate",
  ignore,
  async fn() {
    await using pki = await createTestPki();
    const { caCert: caFile, serverCert: certFile, serverKey: keyFile } = pki.paths;
    await using broker = await startMosquitto({
      tls: { caFile, certFile, keyFile },
      noDelay: true,
    });
    assert.ok(broker !== null);
    assert.equal(broker.url, `mqtts://localhost:${broker.port}`);
    const ca = pki.pem.caCert;
    const tlsOptions = { ...CLIENT_OPTIONS, ca, cert: pki.pem.clientCert, key: pki.pem.clientKey };

    assert.equal(await tryConnect(broker.url, { ...CLIENT_OPTIONS, ca }), false);
    await assertRoundTrip(broker.url, tlsOptions);

    const port = broker.port;
    await broker.restart();
    assert.equal(broker.port, port);
    await assertRoundTrip(broker.url, tlsOptions);
    assert.equal(await tryConnect(broker.url, { ...CLIENT_OPTIONS, ca }), false);
  },
});

Deno.test({
  name: "startMosquitto() accepts TLS clients without a certificate when not required",
  ignore,
  async fn() {
    await using pki = await createTestPki();
    const { caCert: caFile, serverCert: certFile, serverKey: keyFile } = pki.paths;
    await using broker = await startMosquitto({
      tls: { caFile, certFile, keyFile, requireCertificate: false },
    });
    assert.ok(broker !== null);
    const ca = pki.pem.caCert;
    assert.equal(await tryConnect(broker.url, { ...CLIENT_OPTIONS, ca }), true);
  },
});

Deno.test({
  name: "startMosquitto() sets set_tcp_nodelay only when asked",
  ignore,
  async fn() {
    // The latency this saves (~44 ms a QoS 1 round trip) is measured by bench/transport_latency.ts,
    // not asserted here: tests assert behaviour, never timings.
    await using fast = await startMosquitto({ noDelay: true });
    await using plain = await startMosquitto();
    assert.ok(fast !== null && plain !== null);
    assert.match(fast.config, /^set_tcp_nodelay true$/m);
    assert.doesNotMatch(plain.config, /set_tcp_nodelay/);
    await assertRoundTrip(fast.url, CLIENT_OPTIONS);
  },
});

Deno.test({
  name: "startMosquitto() reports a port in use with mosquitto's log",
  ignore,
  async fn() {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr;
    await assert.rejects(startMosquitto({ port }), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`^Cannot start mosquitto on 127\\.0\\.0\\.1:${port}: `),
      );
      assert.match(error.message, /exited with code \d+ before it was ready/);
      assert.match(error.message, /Address already in use/i);
      return true;
    });
  },
});

Deno.test("startMosquitto() validates the port", async () => {
  for (const port of [0, -1, 65536, 1.5]) {
    await assert.rejects(startMosquitto({ port }), RangeError);
  }
});

Deno.test({
  name:
    "withMosquitto({ users }) writes a hashed password file: only those users connect, with their password",
  ignore,
  async fn() {
    const password = `pw-${crypto.randomUUID()}`;
    await using mosquitto = await withMosquitto({ users: { power: password } });
    assert.match(mosquitto.broker.config, /^allow_anonymous false$/m);
    const file = /^password_file (.+)$/m.exec(mosquitto.broker.config)?.[1];
    assert.ok(file !== undefined, mosquitto.broker.config);
    const hashed = await Deno.readTextFile(file);
    assert.match(hashed, /^power:\$\d+\$/);
    assert.ok(!hashed.includes(password), "the password file holds a hash, not the password");
    assert.equal(await tryConnect(mosquitto.url, CLIENT_OPTIONS), false);
    assert.equal(
      await tryConnect(mosquitto.url, { ...CLIENT_OPTIONS, username: "power", password: "wrong" }),
      false,
    );
    await assertRoundTrip(mosquitto.url, { ...CLIENT_OPTIONS, username: "power", password });
  },
});

Deno.test({
  name: "withMosquitto({ tls: true }) makes a PKI, wants client certificates, and removes both",
  ignore,
  async fn() {
    let dir: string;
    {
      await using mosquitto = await withMosquitto({ tls: true });
      const pki = mosquitto.pki!;
      dir = pki.dir;
      assert.equal(mosquitto.url, `mqtts://localhost:${mosquitto.port}`);
      const ca = pki.pem.caCert;
      assert.equal(await tryConnect(mosquitto.url, { ...CLIENT_OPTIONS, ca }), false);
      await assertRoundTrip(mosquitto.url, {
        ...CLIENT_OPTIONS,
        ca,
        cert: pki.pem.clientCert,
        key: pki.pem.clientKey,
      });
    }
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
  },
});
