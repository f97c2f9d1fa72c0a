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
import { withDeadline } from "../../tests/_support/deadline.ts";
import { createTestPki } from "../../tests/_support/pki.ts";
import { EmbeddedBroker } from "./embedded_broker.ts";
import { SimulatedStation } from "./simulated_station.ts";

const MOSQUITTO = "/usr/sbin/mosquitto";
const REGISTRY = createBluettiRegistry();
const HAVE_MOSQUITTO = await Deno.stat(MOSQUITTO).then(() => true, () => false);
if (!HAVE_MOSQUITTO) {
  console.warn(`simulated_station_test: ${MOSQUITTO} not found, skipping the mosquitto tests`);
}

// --- a mosquitto of our own --------------------------------------------------------------------

interface Mosquitto extends AsyncDisposable {
  readonly url: string;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts mosquitto on 127.0.0.1 and a free port; resolves once it logs "running". */
async function startMosquitto(): Promise<Mosquitto> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-mosquitto-" });
  const conf = `${dir}/mosquitto.conf`;
  await Deno.writeTextFile(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\n`,
  );
  const child = new Deno.Command(MOSQUITTO, {
    args: ["-c", conf],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  let running!: () => void;
  const isRunning = new Promise<void>((resolve) => running = resolve);
  const drained = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      log += chunk;
      if (/ running\b/.test(log)) running();
    }
  })();
  const stop = async () => {
    try {
      Deno.kill(child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await drained;
    await Deno.remove(dir, { recursive: true });
  };
  const exited = child.status.then((status) => {
    throw new Error(`mosquitto exited (${status.code}) before running:\n${log}`);
  });
  try {
    await withDeadline(
      Promise.race([isRunning, exited]),
      10_000,
      () => `mosquitto to start:\n${log}\n`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  exited.catch(() => {}); // its normal exit at SIGTERM is not an error
  return { url: `mqtt://127.0.0.1:${port}`, [Symbol.asyncDispose]: stop };
}

// --- a plain client ----------------------------------------------------------------------------

interface Client extends AsyncDisposable {
  readonly mqtt: MqttClient;
  /** The next message on the topic, as bytes (with its retain flag). */
  next(timeoutMs?: number): Promise<Uint8Array>;
  /** Every message received so far. */
  readonly received: Uint8Array[];
}

async function connectClient(url: string, topic: string): Promise<Client> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: `test_${crypto.randomUUID().slice(0, 8)}`,
  });
  const received: Uint8Array[] = [];
  const waiting: ((payload: Uint8Array) => void)[] = [];
  let delivered = 0;
  client.on("message", (_topic, payload) => {
    const bytes = new Uint8Array(payload);
    received.push(bytes);
    const waiter = waiting.shift();
    if (waiter) {
      delivered++;
      waiter(bytes);
    }
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return {
    mqtt: client,
    received,
    next(timeoutMs = 5000) {
      if (delivered < received.length) return Promise.resolve(received[delivered++]!);
      return new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(done), 1);
          reject(new Error(`no message on ${topic} in ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (payload: Uint8Array) => {
          clearTimeout(timer);
          resolve(payload);
        };
        waiting.push(done);
      });
    },
    async [Symbol.asyncDispose]() {
      await client.endAsync();
    },
  };
}

function publish(client: Client, topic: string, payload: Uint8Array, retain = false) {
  return client.mqtt.publishAsync(topic, Buffer.from(payload), { qos: 1, retain });
}

function readRequest(framingName: FramingName): [ReadRequest, Uint8Array] {
  const framing = getFraming(framingName);
  const request: ReadRequest = {
    function: 0x03,
    address: framing.deviceAddress,
    start: 100,
    quantity: 62,
  };
  return [request, framing.wrap(buildRequest(request), request)];
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves after `n` ticks of a `setInterval` of `periodMs` (a reference clock, not a sleep). */
function ticks(n: number, periodMs: number): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    const timer = setInterval(() => {
      if (--left > 0) return;
      clearInterval(timer);
      resolve();
    }, periodMs);
  });
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

// --- tests against mosquitto -------------------------------------------------------------------

Deno.test({
  name: "SimulatedStation answers a block 100 read through mosquitto in every framing",
  ignore: !HAVE_MOSQUITTO,
  async fn() {
    await using broker = await startMosquitto();
    for (const framingName of ["rtu", "iot-v2", "v1"] as const) {
      const sn = `EL100V2${framingName === "rtu" ? 1 : framingName === "v1" ? 2 : 3}000000001`;
      await using station = await SimulatedStation.start({
        profile: "EL100V2",
        sn,
        brokerUrl: broker.url,
        framing: framingName,
      });
      assert.equal(station.requestTopic, `SUB/${sn}`);
      assert.equal(station.responseTopic, `PUB/${sn}`);
      await using client = await connectClient(broker.url, `PUB/${sn}`);
      const [request, payload] = readRequest(framingName);
      await publish(client, `SUB/${sn}`, payload);
      const answer = await client.next();
      const reply = parseReply(getFraming(framingName).unwrap(answer), request);
      assert.ok(reply.function === 0x03, framingName);
      const record = REGISTRY.require(100).decode(reply.data);
      assert.deepEqual(record.warnings, []);
      assert.equal(record.values.device_model, "EL100V2");
      assert.equal(record.values.device_serial, sn.slice(7).replace(/^0+/, ""));
      const soc = record.values.soc as number;
      assert.ok(soc >= 0 && soc <= 100);
      assert.deepEqual(station.counters, {
        requests: 1,
        replies: 1,
        unsolicited: 0,
        ignored: 0,
        disconnects: 0,
      });
      assert.equal(station.lastError, null);
    }
  },
});

Deno.test({
  name: "SimulatedStation applies a write and its faults through mosquitto",
  ignore: !HAVE_MOSQUITTO,
  async fn() {
    await using broker = await startMosquitto();
    const sn = "EL30V2777";
    await using station = await SimulatedStation.start({
      profile: "EL30V2",
      sn,
      brokerUrl: broker.url,
      seed: 5,
    });
    await using client = await connectClient(broker.url, station.responseTopic);
    const write = { function: 0x06, address: 1, register: 2011, value: 0 } as const;
    await publish(client, station.requestTopic, buildRequest(write));
    assert.deepEqual(parseReply(await client.next(), write), write);
    const [read, payload] = readRequest("rtu");
    const settings = { function: 0x03, address: 1, start: 2000, quantity: 22 } as const;
    await publish(client, station.requestTopic, buildRequest(settings));
    const data = parseReply(await client.next(), settings);
    assert.ok(data.function === 0x03);
    assert.equal(REGISTRY.require(2000).decode(data.data).values.ctrl_ac, 0);

    // late: the reply waits 150 ms, so a request sent after it is answered first.
    station.injectFault("late:150ms:1x");
    await publish(client, station.requestTopic, payload);
    await publish(client, station.requestTopic, buildRequest(settings));
    assert.equal(
      parseReply(await client.next(), settings).function,
      0x03,
      "the prompt reply first",
    );
    assert.equal(parseReply(await client.next(), read).function, 0x03, "then the late one");

    // silent: nothing comes back; the next request is answered.
    station.injectFault("silent:1x");
    const ignored = station.counters.ignored;
    await publish(client, station.requestTopic, payload);
    await publish(client, station.requestTopic, payload);
    assert.ok(replyMatches(read, await client.next()));
    // The station answers in order: a reply to the silent request would have come first.
    assert.equal(client.received.length, 5); // write, settings, prompt, late, one of two silent
    assert.equal(station.counters.ignored, ignored + 1, "the silent request got no reply");

    // unsolicited: a push before the reply, which does not match the request.
    station.injectFault("unsolicited:1x");
    await publish(client, station.requestTopic, payload);
    const push = await client.next();
    const reply = await client.next();
    assert.equal(replyMatches(read, push), false);
    assert.ok(replyMatches(read, reply));

    // crc, exception, truncated
    station.injectFault("crc:1x");
    await publish(client, station.requestTopic, payload);
    const bad = await client.next();
    assert.throws(() => parseReply(bad, read), { code: "PROTOCOL_CRC" });
    station.injectFault("exception:6:1x");
    await publish(client, station.requestTopic, payload);
    const busy = await client.next();
    assert.throws(() => parseReply(busy, read), { exceptionCode: 6 });
    station.injectFault("truncated:1x");
    await publish(client, station.requestTopic, payload);
    const cut = await client.next();
    assert.throws(() => parseReply(cut, read), { code: "PROTOCOL_TRUNCATED" });

    assert.deepEqual(station.counters, {
      requests: 10,
      replies: 9,
      unsolicited: 1,
      ignored: 1,
      disconnects: 0,
    });
  },
});

Deno.test({
  name: "SimulatedStation drops its connection on a disconnect fault and comes back",
  ignore: !HAVE_MOSQUITTO,
  async fn() {
    await using broker = await startMosquitto();
    await using station = await SimulatedStation.start({
      profile: "EL100V2",
      sn: "EL100V2555",
      brokerUrl: broker.url,
      faults: "disconnect:1x:200ms",
    });
    await using client = await connectClient(broker.url, station.responseTopic);
    const [request, payload] = readRequest("rtu");
    await publish(client, station.requestTopic, payload);
    await waitFor("the drop", () => !station.connected);
    assert.equal(station.counters.disconnects, 1);
    await waitFor("the reconnect", () => station.connected);
    await publish(client, station.requestTopic, payload);
    assert.ok(replyMatches(request, await client.next()));
    assert.equal(client.received.length, 1, "no reply to the request that cut the connection");
  },
});

Deno.test({
  name: "SimulatedStation pushes unsolicited frames at an interval and on demand",
  ignore: !HAVE_MOSQUITTO,
  async fn() {
    await using broker = await startMosquitto();
    await using station = await SimulatedStation.start({
      profile: "EL100V2",
      sn: "EL100V2556",
      brokerUrl: broker.url,
      framing: "iot-v2",
    });
    await using client = await connectClient(broker.url, station.responseTopic);
    await station.push();
    const first = await client.next();
    assert.deepEqual([...first.subarray(0, 3)], [0x01, 0xf8, 0x0f]);
    assert.equal(first[11], 0x03);
    await station.push(new Uint8Array([1, 2, 3]));
    assert.deepEqual([...await client.next()], [1, 2, 3]);

    station.injectFault("unsolicited:40ms");
    await client.next();
    await client.next();
    station.clearFaults();
    const count = station.counters.unsolicited;
    assert.ok(count >= 4);
    // No fixed sleep: a reference timer of the same period, started after the station's, ticks
    // three times; a station timer still running would have fired first at least twice.
    await ticks(3, 40);
    assert.equal(station.counters.unsolicited, count, "the interval timer stopped");
  },
});

Deno.test({
  name: "SimulatedStation ignores retained requests and honours topic templates",
  ignore: !HAVE_MOSQUITTO,
  async fn() {
    await using broker = await startMosquitto();
    const sn = "EL100V2557";
    await using client = await connectClient(broker.url, `PUB/EL100V2/${sn}`);
    const [request, payload] = readRequest("rtu");
    // A retained request published before the station starts must not be served.
    await publish(client, `SUB/EL100V2/${sn}`, payload, true);
    await using station = await SimulatedStation.start({
      profile: "EL100V2",
      sn,
      brokerUrl: broker.url,
      topics: { request: "SUB/{model}/{sn}", response: "PUB/{model}/{sn}" },
    });
    assert.equal(station.requestTopic, `SUB/EL100V2/${sn}`);
    await publish(client, station.requestTopic, payload);
    const reply = await client.next();
    assert.ok(replyMatches(request, reply));
    assert.equal(station.counters.requests, 1);
  },
});

// --- tests that need no broker binary ----------------------------------------------------------

Deno.test("SimulatedStation.start() refuses bad serials, URLs and templates", async () => {
  const base = { profile: "EL100V2", sn: "EL100V21", brokerUrl: "mqtt://127.0.0.1:1" };
  for (const sn of ["EL+1", "EL#1", "EL/1", "EL\u00001", ""]) {
    await assert.rejects(SimulatedStation.start({ ...base, sn }), TypeError, JSON.stringify(sn));
  }
  await assert.rejects(SimulatedStation.start({ ...base, brokerUrl: "http://127.0.0.1:1" }), {
    name: "TypeError",
    message: /mqtt:\/\/ or mqtts:\/\//,
  });
  await assert.rejects(SimulatedStation.start({ ...base, brokerUrl: "not a url" }), TypeError);
  await assert.rejects(
    SimulatedStation.start({ ...base, tls: { cert: "", key: "" } }),
    /tls needs an mqtts:\/\/ broker URL/,
  );
  await assert.rejects(
    SimulatedStation.start({ ...base, topics: { request: "SUB/{serial}" } }),
    /unknown placeholder \{serial\}/,
  );
  await assert.rejects(
    SimulatedStation.start({ ...base, topics: { request: "SUB/#" } }),
    /without wildcards/,
  );
  await assert.rejects(
    SimulatedStation.start({ ...base, model: "A/B", topics: { request: "SUB/{model}/{sn}" } }),
    /model goes into topics/,
  );
  await assert.rejects(SimulatedStation.start({ ...base, faults: "sometimes" }), SyntaxError);
});

Deno.test("SimulatedStation.start() fails with TRANSPORT_CONNECT_FAILED when nobody listens", async () => {
  const port = freePort();
  await assert.rejects(
    SimulatedStation.start({
      profile: "EL100V2",
      sn: "EL100V21",
      brokerUrl: `mqtt://127.0.0.1:${port}`,
    }),
    { name: "TransportError", code: "TRANSPORT_CONNECT_FAILED" },
  );
  const controller = new AbortController();
  controller.abort(new Error("test"));
  await assert.rejects(
    SimulatedStation.start({
      profile: "EL100V2",
      sn: "EL100V21",
      brokerUrl: `mqtt://127.0.0.1:${port}`,
      signal: controller.signal,
    }),
    { code: "TRANSPORT_ABORTED" },
  );
});

Deno.test("SimulatedStation connects over mqtts with a client certificate", async () => {
  await using pki = await createTestPki();
  await using broker = await EmbeddedBroker.start({
    tls: { cert: pki.pem.serverCert, key: pki.pem.serverKey, ca: pki.pem.caCert },
  });
  assert.match(broker.url, /^mqtts:\/\/localhost:/);
  await using station = await SimulatedStation.start({
    profile: "EL100V2",
    sn: "EL100V2558",
    brokerUrl: broker.url,
    tls: { cert: pki.pem.clientCert, key: pki.pem.clientKey, ca: pki.pem.caCert },
  });
  assert.ok(station.connected);
  const client = await mqtt.connectAsync(broker.url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    cert: pki.pem.clientCert,
    key: pki.pem.clientKey,
    ca: pki.pem.caCert,
  });
  try {
    const [request, payload] = readRequest("rtu");
    const received = new Promise<Uint8Array>((resolve) => {
      client.once("message", (_topic, message) => resolve(new Uint8Array(message)));
    });
    await client.subscribeAsync(station.responseTopic, { qos: 1 });
    await client.publishAsync(station.requestTopic, Buffer.from(payload), { qos: 1 });
    assert.ok(replyMatches(request, await received));
  } finally {
    await client.endAsync();
  }
});

Deno.test("SimulatedStation works with the embedded broker and stops cleanly", async () => {
  await using broker = await EmbeddedBroker.start();
  const station = await SimulatedStation.start({
    profile: "ELITE200V2",
    sn: "ELITE200V21",
    brokerUrl: broker.url,
    faults: "late:10s",
  });
  await using client = await connectClient(broker.url, station.responseTopic);
  const [, payload] = readRequest("rtu");
  await publish(client, station.requestTopic, payload);
  await waitFor("the request", () => station.counters.requests === 1);
  await station.stop(); // the late reply's timer is cleared
  await station.stop();
  assert.equal(station.connected, false);
  await assert.rejects(station.push(), { code: "TRANSPORT_CLOSED" });
  assert.equal(station.counters.replies, 0);
});
