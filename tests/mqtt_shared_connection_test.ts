// Shared MQTT connections (MqttConnectionPool) against a real mosquitto: many transports on one
// connection, each reply routed to its own device by topic, one device leaving or failing does
// not disturb the others, the last one out closes the connection.
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { TransportError } from "../src/errors/mod.ts";
import {
  ConnectLimiter,
  type MqttConfig,
  MqttConnectionPool,
  MqttTransport,
} from "../src/transport/mod.ts";
import { waitUntil, withDeadline } from "./_support/deadline.ts";
import { mosquittoAvailable, type MosquittoBroker, startMosquitto } from "./_support/mosquitto.ts";

const SERIALS = ["S0", "S1", "S2", "S3", "S4"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Stations on their own connection: answer `SUB/<sn>` with `<sn>:<request>` on `PUB/<sn>`,
 * except the serials in `silent`.
 */
async function stations(url: string, silent: ReadonlySet<string> = new Set()) {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: "stations" });
  await client.subscribeAsync("SUB/+", { qos: 1 });
  client.on("message", (topic, message) => {
    const sn = topic.slice("SUB/".length);
    if (silent.has(sn)) return;
    client.publish(`PUB/${sn}`, `${sn}:${decoder.decode(message)}`, { qos: 1 });
  });
  return { [Symbol.asyncDispose]: () => client.endAsync(true) };
}

/** A transport of station `sn` on the shared connections of `pool`, with `more` options. */
function transport(
  broker: MosquittoBroker,
  sn: string,
  pool: MqttConnectionPool,
  more: Partial<MqttConfig> = {},
): MqttTransport {
  return new MqttTransport({
    broker: broker.url,
    deviceSn: sn,
    allowInsecure: true,
    connectionPool: pool,
    requestTimeoutMs: 3_000,
    connectTimeoutMs: 5_000,
    logger: () => {},
    ...more,
  });
}

/**
 * A request whose matcher accepts any answer to it, whichever station sent it: only the
 * routing by topic keeps another device's reply away.
 */
async function ask(t: MqttTransport, text: string): Promise<string> {
  const reply = await t.request(
    encoder.encode(text),
    (payload) => decoder.decode(payload).endsWith(`:${text}`),
  );
  return decoder.decode(reply);
}

/** The client ids mosquitto logged as connected. */
function connected(broker: MosquittoBroker): string[] {
  return [...broker.log.matchAll(/New client connected from \S+ as (power-sdk\S*)/g)].map((m) =>
    m[1]!
  );
}

Deno.test({
  name: "shared MQTT connection: replies of 5 devices routed by topic, on one connection",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    await using _stations = await stations(broker.url);
    const pool = new MqttConnectionPool();
    const transports = SERIALS.map((sn) => transport(broker, sn, pool));
    try {
      await Promise.all(transports.map((t) => t.connect()));
      assert.equal(pool.connections, 1);
      assert.equal(pool.members, SERIALS.length);
      assert.equal(connected(broker).length, 1, broker.log);
      // Every device asks the same question at once: each gets its own station's answer.
      for (let round = 0; round < 5; round++) {
        const replies = await Promise.all(transports.map((t) => ask(t, `ping-${round}`)));
        assert.deepEqual(replies, SERIALS.map((sn) => `${sn}:ping-${round}`));
      }
      assert.equal(connected(broker).length, 1, broker.log);
    } finally {
      await Promise.all(transports.map((t) => t.close()));
    }
  },
});

Deno.test({
  name:
    "shared MQTT connection: devicesPerConnection 2 spreads 5 devices over 3 connections, replies still routed by topic",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    await using _stations = await stations(broker.url);
    const pool = new MqttConnectionPool();
    const transports = SERIALS.map((sn) =>
      transport(broker, sn, pool, { devicesPerConnection: 2 })
    );
    try {
      await Promise.all(transports.map((t) => t.connect()));
      assert.equal(pool.connections, 3);
      assert.equal(pool.members, SERIALS.length);
      assert.equal(connected(broker).length, 3, broker.log);
      const replies = await Promise.all(transports.map((t) => ask(t, "ping")));
      assert.deepEqual(replies, SERIALS.map((sn) => `${sn}:ping`));
      // One device of a full connection leaves: a new device takes its place, no new connection.
      await transports[0]!.close();
      assert.equal(pool.connections, 3);
      const late = transport(broker, "S5", pool, { devicesPerConnection: 2 });
      transports.push(late);
      await late.connect();
      assert.equal(pool.connections, 3);
      assert.equal(connected(broker).length, 3, broker.log);
      assert.equal(await ask(late, "pong"), "S5:pong");
      // The devices of the last connection leave: it closes; the others stay.
      await transports[4]!.close();
      assert.equal(pool.connections, 2);
      assert.equal(await ask(transports[1]!, "still"), "S1:still");
    } finally {
      await Promise.all(transports.map((t) => t.close()));
    }
    assert.equal(pool.connections, 0);
  },
});

Deno.test({
  name: "MqttTransport refuses a devicesPerConnection that is not a positive integer",
  fn() {
    for (const devicesPerConnection of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () =>
          new MqttTransport({
            broker: "mqtt://127.0.0.1",
            deviceSn: "S0",
            allowInsecure: true,
            devicesPerConnection,
          }),
        (error: unknown) =>
          error instanceof TransportError && error.code === "TRANSPORT_INVALID_ARGUMENT" &&
          /devicesPerConnection/.test(error.message),
      );
    }
  },
});

Deno.test({
  name:
    "shared MQTT connection: a device that fails or leaves does not close the others'; the last one out closes it",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    await using _stations = await stations(broker.url, new Set(["S1"]));
    const pool = new MqttConnectionPool();
    const [a, b, c] = ["S0", "S1", "S2"].map((sn) => transport(broker, sn, pool)) as [
      MqttTransport,
      MqttTransport,
      MqttTransport,
    ];
    try {
      await Promise.all([a, b, c].map((t) => t.connect()));
      // S1's station never answers: its request times out, the others' are answered.
      const [ra, rb, rc] = await Promise.allSettled([ask(a, "x"), ask(b, "x"), ask(c, "x")]);
      assert.deepEqual(ra, { status: "fulfilled", value: "S0:x" });
      assert.equal(rb.status, "rejected");
      assert.ok(
        rb.status === "rejected" && rb.reason instanceof TransportError &&
          rb.reason.code === "TRANSPORT_TIMEOUT",
      );
      assert.deepEqual(rc, { status: "fulfilled", value: "S2:x" });

      await b.close();
      assert.equal(pool.connections, 1);
      assert.equal(pool.members, 2);
      assert.equal(a.state, "connected");
      assert.equal(await ask(a, "after S1 left"), "S0:after S1 left");
      assert.equal(await ask(c, "after S1 left"), "S2:after S1 left");

      await a.close();
      assert.equal(await ask(c, "alone"), "S2:alone");
      assert.equal(pool.connections, 1);
      assert.equal(
        broker.log.match(/Client power-sdk\S* (closed its connection|disconnected)/g),
        null,
      );

      await c.close();
      assert.equal(pool.connections, 0);
      assert.equal(pool.members, 0);
      await waitUntil(
        () => /Client power-sdk\S* (closed its connection|disconnected)/.test(broker.log),
        `mosquitto logs the shared client's disconnect:\n${broker.log}`,
      );
      assert.equal(connected(broker).length, 1, broker.log);
    } finally {
      await Promise.all([a, b, c].map((t) => t.close()));
    }
  },
});

Deno.test({
  name:
    "shared MQTT connection: a broker restart drops every member; they reconnect on one connection",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    const pool = new MqttConnectionPool();
    const transports = SERIALS.slice(0, 3).map((sn) =>
      transport(broker, sn, pool, {
        reconnect: { initialDelayMs: 50, maxDelayMs: 200, jitter: 0 },
      })
    );
    try {
      await Promise.all(transports.map((t) => t.connect()));
      const reconnected = transports.map((t) =>
        new Promise<void>((resolve) => {
          let dropped = false;
          t.onState((change) => {
            if (change.state === "offline") dropped = true;
            if (dropped && change.state === "connected") resolve();
          });
        })
      );
      await broker.restart();
      await withDeadline(Promise.all(reconnected), 15_000, "every member to reconnect");
      assert.equal(pool.connections, 1);
      assert.equal(pool.members, 3);
      // One connection after the restart too (the log starts again at the restart).
      assert.equal(connected(broker).length, 1, broker.log);
      await using _stations = await stations(broker.url);
      const replies = await Promise.all(transports.map((t) => ask(t, "again")));
      assert.deepEqual(replies, ["S0:again", "S1:again", "S2:again"]);
    } finally {
      await Promise.all(transports.map((t) => t.close()));
    }
  },
});

Deno.test({
  name: "shared MQTT connection: joining an open connection takes no handshake slot",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using broker = (await startMosquitto({ noDelay: true }))!;
    await using _stations = await stations(broker.url);
    const pool = new MqttConnectionPool();
    const limiter = new ConnectLimiter({ maxConcurrent: 1 });
    const first = transport(broker, "S0", pool, { connectLimiter: limiter });
    const second = transport(broker, "S1", pool, { connectLimiter: limiter });
    try {
      await first.connect();
      // The only slot is taken (a handshake of some other device): the second device still
      // joins the open shared connection at once.
      const release = await limiter.acquire();
      try {
        // A deadline that fails the test instead of waiting for the slot forever.
        const deadline = AbortSignal.timeout(10_000);
        await second.connect({ signal: deadline });
        assert.equal(await ask(second, "joined"), "S1:joined");
      } finally {
        release();
      }
      assert.equal(pool.connections, 1);
      assert.equal(pool.members, 2);
    } finally {
      await first.close();
      await second.close();
    }
  },
});
