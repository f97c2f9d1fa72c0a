// Many transports connecting at once through one ConnectLimiter, against the real TLS broker
// (mosquitto requiring client certificates): the handshakes run at most maxConcurrent at a
// time, every transport connects, and one closed while it waits gives up at once.
import assert from "node:assert/strict";
import { TransportError } from "../src/errors/mod.ts";
import { ConnectLimiter, loadTlsCredentials, MqttTransport } from "../src/transport/mod.ts";
import { withTlsBroker } from "./_support/broker.ts";

Deno.test("MqttTransport: 12 TLS handshakes through a limiter of 3 run 3 at a time and all connect", async () => {
  await using tlsBroker = await withTlsBroker();
  const { pki, broker } = tlsBroker;
  const tls = loadTlsCredentials({ pfx: pki.p12.client, passphrase: pki.password });
  const limiter = new ConnectLimiter({ maxConcurrent: 3 });
  const transports = Array.from({ length: 12 }, (_, i) =>
    new MqttTransport({
      broker: broker.url,
      deviceSn: `STORM${String(i).padStart(4, "0")}`,
      tls,
      connectLimiter: limiter,
      reconnect: false,
      logger: () => {},
    }));
  try {
    await Promise.all(transports.map((transport) => transport.connect()));
    assert.ok(transports.every((transport) => transport.state === "connected"));
    assert.equal(limiter.stats.peakActive, 3);
    assert.ok(limiter.stats.peakWaiting >= 9, JSON.stringify(limiter.stats));
    assert.equal(limiter.stats.granted, 12);
    assert.equal(limiter.stats.active, 0, "every slot released after its handshake");
  } finally {
    await Promise.all(transports.map((transport) => transport.close()));
  }
});

Deno.test("MqttTransport: close() while waiting for a handshake slot rejects the connect at once", async () => {
  await using tlsBroker = await withTlsBroker();
  const { pki, broker } = tlsBroker;
  const tls = loadTlsCredentials({ pfx: pki.p12.client, passphrase: pki.password });
  const limiter = new ConnectLimiter({ maxConcurrent: 1 });
  const held = await limiter.acquire();
  const transport = new MqttTransport({
    broker: broker.url,
    deviceSn: "STORMWAIT",
    tls,
    connectLimiter: limiter,
    reconnect: false,
    logger: () => {},
  });
  try {
    const connecting = transport.connect();
    assert.equal(limiter.stats.waiting, 1);
    await transport.close();
    await assert.rejects(connecting, (error) => {
      assert.ok(error instanceof TransportError);
      assert.equal(error.code, "TRANSPORT_CLOSED");
      return true;
    });
    assert.equal(limiter.stats.waiting, 0);
    assert.equal(limiter.stats.granted, 1, "the closed transport never got a slot");
  } finally {
    held();
  }
});

Deno.test("MqttTransport: the connect timeout starts when the handshake gets its slot, not while it waits", async () => {
  await using tlsBroker = await withTlsBroker();
  const { pki, broker } = tlsBroker;
  const tls = loadTlsCredentials({ pfx: pki.p12.client, passphrase: pki.password });
  const limiter = new ConnectLimiter({ maxConcurrent: 1 });
  const held = await limiter.acquire();
  const transport = new MqttTransport({
    broker: broker.url,
    deviceSn: "STORMQUEUE",
    tls,
    connectLimiter: limiter,
    connectTimeoutMs: 2_000,
    reconnect: false,
    logger: () => {},
  });
  try {
    const connecting = transport.connect();
    // Queued for longer than its connect timeout...
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(transport.state, "connecting");
    held();
    // ...and still connects once it has its slot.
    await connecting;
    assert.equal(transport.state, "connected");
  } finally {
    await transport.close();
  }
});

Deno.test("MqttTransport: a broker that never answers CONNECT halves the limiter's concurrency", async () => {
  // A TCP server that accepts and stays silent: the handshake ends in a connack timeout.
  const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of server) accepted.push(conn);
  })();
  const limiter = new ConnectLimiter({ maxConcurrent: 8 });
  const transport = new MqttTransport({
    broker: `mqtt://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    allowInsecure: true,
    deviceSn: "STORMSILENT",
    connectLimiter: limiter,
    connectTimeoutMs: 300,
    reconnect: false,
    logger: () => {},
  });
  try {
    await assert.rejects(transport.connect(), (error) => {
      assert.ok(error instanceof TransportError);
      assert.match(error.message, /connack timeout|no answer came within 300 ms/);
      return true;
    });
    assert.equal(limiter.stats.limit, 4);
    assert.equal(limiter.stats.active, 0);
    // The next handshake is given twice the time (maxConcurrent / limit).
    assert.equal(limiter.timeoutFactor(), 2);
    const second = new MqttTransport({
      broker: `mqtt://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
      allowInsecure: true,
      deviceSn: "STORMSILENT2",
      connectLimiter: limiter,
      connectTimeoutMs: 300,
      reconnect: false,
      logger: () => {},
    });
    const started = performance.now();
    await assert.rejects(second.connect(), TransportError);
    await second.close();
    assert.equal(limiter.stats.limit, 2);
    // A lower bound only (load cannot make it fail): the silent broker lets the handshake end
    // no sooner than its timeout, doubled here.
    assert.ok(performance.now() - started >= 550, "given 600 ms, not 300");
  } finally {
    await transport.close();
    server.close();
    await accepting.catch(() => {});
    for (const conn of accepted) {
      try {
        conn.close();
      } catch {
        // closed by the peer
      }
    }
  }
});
