// A read may fail; it may never lie. A station with frozen values under every fault mix of
// issue 8 §1 (late replies past the timeout, duplicates, other blocks' replies, short
// unsolicited frames; rtu and iot-v2): every record Client.readBlock returns as good equals what
// the station holds for that block.
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { getProfile } from "../../profiles/mod.ts";
import { PowerSdkError } from "../errors/errors.ts";
import { LoopbackTransport } from "../transport/loopback_transport.ts";
import { StationModel } from "../testing/simulated_station.ts";
import { Client } from "./client.ts";
import { buildReadReply } from "../protocol/build_reply.ts";

const FROZEN = () => 1_767_225_600_000;
const BLOCKS = [100, 1300, 6000, 1100, 1400, 1500, 6100];

interface Tally {
  reads: number;
  good: number;
  wrong: number;
  suspect: number;
  failures: Record<string, number>;
}

/**
 * A loopback station that publishes like the MQTT one: extra frames at once, the reply after
 * its `late` delay (so a late reply lands in a later request's window).
 */
function faultyStation(faults: string, framing: "rtu" | "iot-v2", timeoutMs: number) {
  const model = new StationModel({
    profile: "EL100V2",
    sn: "EL100V2000777",
    framing,
    now: FROZEN,
    seed: 7,
    faults,
  });
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const transport: LoopbackTransport = new LoopbackTransport((payload) => {
    const response = model.respond(payload);
    if (response.reply === null || response.delayMs <= 0) return [...response.payloads];
    const reply = response.reply;
    const timer = setTimeout(() => {
      timers.delete(timer);
      transport.push(reply);
    }, response.delayMs);
    timers.add(timer);
    return [...response.unsolicited];
  }, { requestTimeoutMs: timeoutMs });
  const stop = () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
  return { model, transport, stop };
}

async function countWrong(
  faults: string,
  framing: "rtu" | "iot-v2",
  reads: number,
  timeoutMs = 40,
): Promise<Tally> {
  const { model, transport, stop } = faultyStation(faults, framing, timeoutMs);
  const client = new Client({ transport, profile: getProfile("EL100V2"), framing });
  const profile = client.profile;
  const expected = new Map(BLOCKS.map((id) => {
    const count = profile.registerCounts[String(id)];
    return [id, client.registry.require(id).decode(model.blockData(id, count)).values];
  }));
  const tally: Tally = { reads: 0, good: 0, wrong: 0, suspect: 0, failures: {} };
  try {
    await client.connect();
    for (let i = 0; i < reads; i++) {
      const id = BLOCKS[i % BLOCKS.length]!;
      tally.reads++;
      try {
        const record = await client.readBlock(id, { retry: false });
        if (record.suspect === true) tally.suspect++;
        else if (isDeepStrictEqual(record.values, expected.get(id))) tally.good++;
        else tally.wrong++;
      } catch (error) {
        if (!(error instanceof PowerSdkError)) throw error;
        tally.failures[error.code] = (tally.failures[error.code] ?? 0) + 1;
      }
    }
  } finally {
    stop();
    await client.close();
  }
  return tally;
}

for (const framing of ["rtu", "iot-v2"] as const) {
  Deno.test(`Client.readBlock() returns no wrong record with late replies past the timeout (${framing})`, async () => {
    // The late:0.1:500ms against a 400 ms timeout, scaled down ten times.
    const tally = await countWrong("late:0.2:50ms", framing, 140);
    assert.equal(tally.wrong, 0, JSON.stringify(tally));
    assert.ok((tally.failures.TRANSPORT_TIMEOUT ?? 0) > 0, JSON.stringify(tally));
    assert.ok(tally.good > 70, JSON.stringify(tally));
  });

  for (const faults of ["duplicate:0.3", "foreign:0.3", "short:0.3", "unsolicited:0.3"]) {
    Deno.test(`Client.readBlock() returns no wrong record under ${faults} (${framing})`, async () => {
      const tally = await countWrong(faults, framing, 140);
      assert.equal(tally.wrong, 0, JSON.stringify(tally));
      // These frames are told apart from the reply: every read still succeeds.
      assert.equal(tally.good, tally.reads, JSON.stringify(tally));
    });
  }
}

Deno.test("Client.readBlock() returns no wrong record under every fault at once", async () => {
  const tally = await countWrong(
    "late:0.1:50ms,duplicate:0.3,foreign:0.3,short:0.3,unsolicited:0.2,crc:0.05",
    "iot-v2",
    140,
  );
  assert.equal(tally.wrong, 0, JSON.stringify(tally));
  assert.ok(tally.good > 70, JSON.stringify(tally));
});

Deno.test("Client.readBlock() drops the late reply of a timed-out read of the same block", async () => {
  // The first request is answered after the timeout; the retry must not take that reply.
  const { model, transport, stop } = faultyStation("late:1x:60ms", "rtu", 40);
  await using client = new Client({ transport, profile: getProfile("EL100V2") });
  try {
    await client.connect();
    await assert.rejects(client.readBlock(1300, { retry: false }), { code: "TRANSPORT_TIMEOUT" });
    const record = await client.readBlock(1300, { retry: false });
    assert.deepEqual(
      record.values,
      client.registry.require(1300).decode(model.blockData(1300)).values,
    );
    // Two requests, two replies: the late one was dropped, the second answered the retry.
    assert.equal(model.stats.requests, 2);
  } finally {
    stop();
  }
});

Deno.test("Client.readBlock() takes a short reply only where the profile lists it", async () => {
  const short = buildReadReply(1, new Uint8Array(80)); // 40 of the 62 registers of block 100
  const base = getProfile("EL100V2");
  for (
    const [profile, accepted] of [[base, false], [
      { ...base, shortReplies: { "100": [40] } },
      true,
    ]] as const
  ) {
    await using client = new Client({
      transport: new LoopbackTransport(() => short, { requestTimeoutMs: 30 }),
      profile,
    });
    await client.connect();
    if (accepted) {
      const record = await client.readBlock(100, { retry: false });
      assert.equal(record.raw.length, 80);
    } else {
      await assert.rejects(client.readBlock(100, { retry: false }), {
        code: "TRANSPORT_TIMEOUT",
        message: /1 frame that did not answer the request ignored/,
      });
    }
  }
});

Deno.test("Client.readBlock() fails a reply that lacks a required field", async () => {
  // Block 1300 lists 34 data bytes as the station's short reply, but its schema needs more.
  const schema = (await import("../plugins/bluetti_v2/registry.ts")).createBluettiRegistry()
    .require(6000);
  const required = schema.fields.filter((f) => f.required);
  assert.ok(required.length > 0);
  const cut = Math.min(...required.map((f) => f.offset)) & ~1;
  const reply = buildReadReply(1, new Uint8Array(Math.max(cut, 2)));
  const count = reply[2]! / 2;
  await using client = new Client({
    transport: new LoopbackTransport(() => reply, { requestTimeoutMs: 30 }),
    profile: { ...getProfile("EL100V2"), shortReplies: { "6000": [count] } },
  });
  await client.connect();
  await assert.rejects(client.readBlock(6000, { retry: false }), (error: PowerSdkError) => {
    assert.match(error.code, /^PARSER_(SHORT_PAYLOAD|MISSING_FIELD)$/);
    assert.match(error.message, /Cannot read block 6000/);
    return true;
  });
  assert.equal(client.state.block(6000), null);
});

Deno.test("Client.readBlock() flags an impossible block suspect and keeps it out of the state", async () => {
  const registry = (await import("../plugins/bluetti_v2/registry.ts")).createBluettiRegistry();
  const home = registry.require(100);
  const good = home.encode({ soc: 80, device_model: "EL100V2" }, { length: 124 });
  const badSoc = home.encode({ soc: 180, device_model: "EL100V2" }, { length: 124 });
  const badModel = good.slice();
  badModel.fill(0x07, 20, 32);
  let next = good;
  await using client = new Client({
    transport: new LoopbackTransport(() => buildReadReply(1, next), { requestTimeoutMs: 30 }),
    profile: getProfile("EL100V2"),
  });
  await client.connect();
  assert.equal((await client.readBlock(100)).suspect, undefined);
  assert.equal(client.state.block(100)?.values.soc, 80);
  for (const bad of [badSoc, badModel]) {
    next = bad;
    const record = await client.readBlock(100);
    assert.equal(record.suspect, true);
    assert.ok(record.warnings.some((w) => w.suspect === true));
    assert.equal(client.state.block(100)?.values.soc, 80);
    assert.equal(client.state.block(100)?.values.device_model, "EL100V2");
  }
});
