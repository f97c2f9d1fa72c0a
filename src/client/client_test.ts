import assert from "node:assert/strict";
import {
  ConfigError,
  ModbusExceptionError,
  ProtocolError,
  TransportError,
} from "../errors/errors.ts";
import { LoopbackTransport } from "../transport/loopback_transport.ts";
import { StationModel } from "../testing/simulated_station.ts";
import { getProfile } from "../../profiles/mod.ts";
import { Client, type ClientOptions, type PushEvent } from "./client.ts";
import type { RetryEvent } from "./retry_policy.ts";

const SN = "EL100V2000123";

function setup(options: Partial<ClientOptions> = {}, framing: "rtu" | "iot-v2" | "v1" = "rtu") {
  const station = new StationModel({
    profile: "EL100V2",
    sn: SN,
    framing,
    now: () => 1_800_000_000_000,
  });
  const sent: Uint8Array[] = [];
  const transport = new LoopbackTransport((payload) => {
    sent.push(payload);
    return station.handle(payload);
  }, { requestTimeoutMs: 200 });
  const client = new Client({ transport, profile: getProfile("EL100V2"), framing, ...options });
  return { station, transport, client, sent };
}

Deno.test("Client.readBlock() reads and decodes a block in every framing", async () => {
  for (const framing of ["rtu", "iot-v2", "v1"] as const) {
    const { client, sent } = setup({}, framing);
    await using _ = client;
    await client.connect();
    const record = await client.readBlock(100);
    assert.equal(record.blockId, 100);
    assert.equal(record.values.device_model, "EL100V2");
    assert.equal(record.values.device_serial, "000123".replace(/^0+/, ""));
    // The profile asks 62 registers for block 100, as the vendor app does.
    assert.equal(record.raw.length, 124);
    assert.equal(sent.length, 1);
  }
});

Deno.test("Client.readBlock() derives the register count from the profile or schema and validates an explicit one", async () => {
  const { client } = setup();
  await using _ = client;
  await client.connect();
  assert.equal((await client.readBlock(6000)).raw.length, 64);
  assert.equal((await client.readBlock(100, { registerCount: 72 })).raw.length, 144);
  for (const bad of [0, 126, 1.5]) {
    await assert.rejects(
      client.readBlock(100, { registerCount: bad }),
      (e: unknown) =>
        e instanceof ProtocolError && e.code === "PROTOCOL_INVALID_REQUEST" &&
        /1\.\.125/.test(e.message),
    );
  }
  await assert.rejects(client.readBlock(4242), /Unknown block 4242/);
});

Deno.test("Client.readBlock() retries transport failures with the policy's delays, not protocol errors", async () => {
  const events: RetryEvent[] = [];
  const { client, station } = setup({
    retry: { maxAttempts: 4, initialDelayMs: 5, multiplier: 2, jitter: 0 },
    onRetry: (e) => events.push(e),
    timeoutMs: 30,
  });
  await using _ = client;
  await client.connect();
  station.injectFault("silent:2x");
  const record = await client.readBlock(1300);
  assert.equal(record.blockId, 1300);
  assert.deepEqual(events.map((e) => [e.attempt, e.delayMs, e.error.code]), [
    [1, 5, "TRANSPORT_TIMEOUT"],
    [2, 10, "TRANSPORT_TIMEOUT"],
  ]);

  events.length = 0;
  station.injectFault("crc:1x");
  await assert.rejects(
    client.readBlock(1300),
    (e: unknown) => e instanceof ProtocolError && e.code === "PROTOCOL_CRC",
  );
  // Busy (06) is asked again once, outside the policy; twice in a row fails.
  station.injectFault("exception:6:1x");
  assert.equal((await client.readBlock(1300)).blockId, 1300);
  station.injectFault("exception:6:2x");
  await assert.rejects(
    client.readBlock(1300),
    (e: unknown) => e instanceof ModbusExceptionError && e.exceptionCode === 6,
  );
  assert.deepEqual(events, [], "protocol errors are not retried by the policy");

  station.injectFault("silent:4x");
  await assert.rejects(
    client.readBlock(1300),
    (e: unknown) => e instanceof TransportError && e.code === "TRANSPORT_TIMEOUT",
  );
  assert.equal(events.length, 3, "4 attempts = 3 retries");
  station.clearFaults();
});

Deno.test("Client.readBlock() is aborted during a retry wait", async () => {
  const { client, station } = setup({
    retry: { maxAttempts: 5, initialDelayMs: 60_000 },
    timeoutMs: 20,
  });
  await using _ = client;
  await client.connect();
  station.injectFault("silent:1");
  const controller = new AbortController();
  const read = client.readBlock(100, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("shutting down")), 50);
  await assert.rejects(
    read,
    (e: unknown) => e instanceof TransportError && e.code === "TRANSPORT_ABORTED",
  );
  station.clearFaults();
});

Deno.test("Client reads with callers' signals: one signal serves many reads and still aborts a later one, other signals are not touched", async () => {
  const { client, station } = setup({ retry: { maxAttempts: 1 }, timeoutMs: 60_000 });
  await using _ = client;
  await client.connect();
  const a = new AbortController();
  const b = new AbortController();
  assert.equal((await client.readBlock(100, { signal: a.signal })).blockId, 100);
  assert.equal((await client.readBlock(1300, { signal: a.signal })).blockId, 1300);
  assert.equal((await client.readBlock(6000, { signal: b.signal })).blockId, 6000);
  // A silent station: the read waits until its signal aborts.
  station.injectFault("silent:1");
  const waiting = client.readBlock(100, { signal: a.signal });
  const aborted = assert.rejects(
    waiting,
    (e: unknown) => e instanceof TransportError && e.code === "TRANSPORT_ABORTED",
  );
  a.abort(new Error("stop"));
  await aborted;
  station.clearFaults();
  assert.equal((await client.readBlock(100, { signal: b.signal })).blockId, 100);
  assert.equal((await client.readBlock(100)).blockId, 100);
  await assert.rejects(
    client.readBlock(100, { signal: a.signal }),
    (e: unknown) => e instanceof TransportError && e.code === "TRANSPORT_ABORTED",
  );
  b.abort(new Error("stop"));
  await assert.rejects(
    client.readBlock(100, { signal: b.signal }),
    (e: unknown) => e instanceof TransportError && e.code === "TRANSPORT_ABORTED",
  );
});

Deno.test("Client serializes many concurrent callers without deadlock", async () => {
  const { client, sent } = setup();
  await using _ = client;
  await client.connect();
  const ids = [100, 1300, 6000, 1100, 1400, 1500, 6100];
  const records = await Promise.all(
    Array.from({ length: 35 }, (_, i) => client.readBlock(ids[i % ids.length]!)),
  );
  assert.deepEqual(
    records.map((r) => r.blockId),
    Array.from({ length: 35 }, (_, i) => ids[i % ids.length]),
  );
  assert.equal(sent.length, 35);
});

Deno.test("Client.readGroup() lists per-block errors with partialOk and throws without it", async () => {
  const { client, station } = setup({ retry: { maxAttempts: 1 } });
  await using _ = client;
  await client.connect();
  const ok = await client.readGroup("inverter");
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.records.map((r) => r.blockId), [1100, 1400, 1500]);

  station.injectFault("exception:2:1x");
  const partial = await client.readGroup("inverter");
  assert.equal(partial.ok, false);
  assert.deepEqual(partial.records.map((r) => r.blockId), [1400, 1500]);
  assert.equal(partial.errors[0]!.blockId, 1100);
  assert.ok(partial.errors[0]!.error instanceof ModbusExceptionError);

  station.injectFault("exception:2:1x");
  await assert.rejects(client.readGroup("inverter", { partialOk: false }), ModbusExceptionError);
  await assert.rejects(
    client.readGroup("solar"),
    (e: unknown) =>
      e instanceof ConfigError && /core, grid, battery, inverter, cells|inverter/.test(e.message),
  );
});

Deno.test("Client.streamGroup() yields each block as it is decoded", async () => {
  const { client, sent } = setup();
  await using _ = client;
  await client.connect();
  const seen: [number, number][] = [];
  for await (const record of client.streamGroup("inverter")) {
    seen.push([record.blockId, sent.length]);
  }
  // Each record arrives before the next request is sent.
  assert.deepEqual(seen, [[1100, 1], [1400, 2], [1500, 3]]);
});

Deno.test("Client.registerSchema() adds a block of one's own; a taken id with another structure fails", async () => {
  const { client, station } = setup();
  await using _ = client;
  await client.connect();
  const def = {
    id: 7001,
    name: "MY_BLOCK",
    minLength: 2,
    fields: [{ name: "x", offset: 0, type: "uint16" }],
  };
  client.registerSchema(def);
  client.registerSchema(def);
  assert.throws(
    () => client.registerSchema({ ...def, fields: [{ name: "x", offset: 0, type: "int16" }] }),
    /SCHEMA_CONFLICT|taken/,
  );
  assert.throws(
    () => client.registerSchema({ ...def, id: 100, name: "APP_HOME_DATA" }),
    /block id 100 is taken/,
  );
  // The station knows no block 7001: the read fails with its Modbus exception.
  await assert.rejects(client.readBlock(7001), ModbusExceptionError);
  assert.ok(station.stats);
});

Deno.test("Client.onPush() decodes 0x10 pushes and passes 0x03 frames undecoded", async () => {
  const { client, station, transport } = setup({}, "iot-v2");
  await using _ = client;
  await client.connect();
  const events: string[] = [];
  const stop = client.onPush((e) =>
    events.push(e.kind === "block" ? `block ${e.record.blockId}` : `frame: ${e.reason}`)
  );
  transport.push(station.unsolicitedFrame());
  transport.push(station.unsolicitedFrame());
  transport.push(new Uint8Array([1, 2, 3]));
  stop();
  transport.push(station.unsolicitedFrame());
  assert.equal(events.length, 3);
  assert.ok(events.includes("block 100"), events.join("; "));
  assert.ok(events.some((e) => e.startsWith("frame: function 0x03")), events.join("; "));
  assert.ok(events.some((e) => e.startsWith("frame: PROTOCOL_")), events.join("; "));
});

Deno.test("Client.pushes() iterates pushes until aborted", async () => {
  const { client, station, transport } = setup({}, "rtu");
  await using _ = client;
  await client.connect();
  const controller = new AbortController();
  const got: PushEvent[] = [];
  const consumer = (async () => {
    for await (const event of client.pushes({ signal: controller.signal })) {
      got.push(event);
      if (got.length === 2) controller.abort();
    }
  })();
  await Promise.resolve();
  const frames = [station.unsolicitedFrame(), station.unsolicitedFrame()];
  for (const frame of frames) transport.push(frame);
  await consumer;
  transport.push(station.unsolicitedFrame()); // after the abort: not delivered
  assert.equal(got.length, 2);
  // In order, each with its payload: a 0x03 frame (undecoded, its block unknown), then the
  // 0x10 push of block 100 decoded to the station's values.
  const [frame, block] = got;
  assert.equal(frame?.kind, "frame");
  assert.equal(frame.frame.payload, frames[0]);
  assert.match(
    frame.kind === "frame" ? frame.reason : "",
    /^function 0x03 frames carry no register address/,
  );
  assert.equal(block?.kind, "block");
  assert.equal(block.frame.payload, frames[1]);
  if (block.kind !== "block") return;
  assert.equal(block.record.blockId, 100);
  const expected = client.registry.require(100).decode(station.blockData(100, 62)).values;
  assert.deepEqual(block.record.values, expected);
});

Deno.test("a closed Client rejects new calls with a clear error", async () => {
  const { client } = setup();
  await client.connect();
  await client.close();
  await assert.rejects(
    client.readBlock(100),
    (e: unknown) => e instanceof TransportError && e.code === "TRANSPORT_CLOSED",
  );
  await assert.rejects(client.readGroup("core"), /client is closed/);
  assert.throws(() => client.connect(), /client is closed/);
  await client.close();
});
