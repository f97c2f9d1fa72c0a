import assert from "node:assert/strict";
import { MemorySink } from "./memory_sink.ts";
import { makeSnapshot } from "./_test_utils.ts";

Deno.test("MemorySink keeps at most `size` snapshots per device, oldest first", async () => {
  const sink = new MemorySink("memory", { size: 3 });
  for (let seq = 0; seq < 10; seq++) {
    await sink.write(makeSnapshot({ deviceId: "a", seq }));
    if (seq < 2) await sink.write(makeSnapshot({ deviceId: "b", seq }));
  }
  assert.deepEqual(sink.snapshots("a").map((s) => s.blocks[0]?.values.seq), [7, 8, 9]);
  assert.deepEqual(sink.snapshots("b").map((s) => s.blocks[0]?.values.seq), [0, 1]);
  assert.equal(sink.latest("a")?.blocks[0]?.values.seq, 9);
  assert.equal(sink.latest("b")?.blocks[0]?.values.seq, 1);
  assert.deepEqual(sink.devices(), ["a", "b"]);
});

Deno.test("MemorySink defaults to 100 snapshots per device", async () => {
  const sink = new MemorySink("memory");
  assert.equal(sink.size, 100);
  for (let seq = 0; seq < 150; seq++) await sink.write(makeSnapshot({ seq }));
  const kept = sink.snapshots("living_room_battery");
  assert.equal(kept.length, 100);
  assert.equal(kept[0]?.blocks[0]?.values.seq, 50);
});

Deno.test("MemorySink snapshots() returns a copy and unknown devices read as empty", async () => {
  const sink = new MemorySink("memory", { size: 1 });
  assert.deepEqual(sink.snapshots("nobody"), []);
  assert.equal(sink.latest("nobody"), undefined);
  await sink.write(makeSnapshot());
  const list = sink.snapshots("living_room_battery");
  list.pop();
  assert.equal(sink.snapshots("living_room_battery").length, 1);
});

Deno.test("MemorySink clear() forgets every device", async () => {
  const sink = new MemorySink("memory");
  await sink.write(makeSnapshot({ deviceId: "a" }));
  sink.clear();
  assert.deepEqual(sink.devices(), []);
  assert.deepEqual(sink.snapshots("a"), []);
});

Deno.test("MemorySink rejects writes after close but keeps what it has", async () => {
  const sink = new MemorySink("memory");
  await sink.write(makeSnapshot());
  await sink.flush();
  await sink.close();
  await assert.rejects(
    sink.write(makeSnapshot()),
    /Cannot write to memory sink 'memory': it is closed/,
  );
  assert.equal(sink.snapshots("living_room_battery").length, 1);
});

Deno.test("MemorySink rejects a size that is not a positive integer", () => {
  for (const size of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new MemorySink("m", { size }), RangeError);
  }
});
