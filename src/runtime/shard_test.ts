import assert from "node:assert/strict";
import { devicesOfShard, parseShard, shardOf } from "./shard.ts";

const ids = Array.from({ length: 2_000 }, (_, i) => `station_${i}`);

Deno.test("devicesOfShard() splits the devices into disjoint shards that cover them all", () => {
  for (const count of [1, 2, 3, 7, 16]) {
    const parts = Array.from(
      { length: count },
      (_, index) => devicesOfShard(ids.map((id) => ({ id })), { index, count }),
    );
    const all = parts.flat().map((device) => device.id);
    assert.equal(all.length, ids.length, `count ${count}: every device once`);
    assert.equal(new Set(all).size, ids.length, `count ${count}: no device twice`);
    // Balanced: each shard within 25 % of the mean (2,000 ids is plenty for this hash).
    const mean = ids.length / count;
    for (const part of parts) {
      assert.ok(Math.abs(part.length - mean) <= mean * 0.25, `count ${count}: ${part.length}`);
    }
  }
});

Deno.test("shardOf() is stable: a new device moves no other, a new instance takes ~1/(n+1) from the rest", () => {
  const before = new Map(ids.map((id) => [id, shardOf(id, 4)]));
  // Adding devices does not change where the existing ones are.
  for (const id of ids) assert.equal(shardOf(id, 4), before.get(id));
  let moved = 0;
  for (const id of ids) {
    const after = shardOf(id, 5);
    if (after !== before.get(id)) {
      moved++;
      assert.equal(after, 4, "a device only ever moves to the new instance");
    }
  }
  const share = moved / ids.length;
  assert.ok(share > 0.15 && share < 0.25, `moved ${share}`);
});

Deno.test("shardOf() gives the documented hash's values on every machine and release", () => {
  // Known answers: a change of the hash would move devices between running instances.
  const ids = ["a", "b", "c", "garage", "living_room_battery"];
  assert.deepEqual(ids.map((id) => shardOf(id, 3)), [0, 2, 0, 2, 1]);
  assert.deepEqual(["a", "b", "living_room_battery"].map((id) => shardOf(id, 4)), [0, 3, 1]);
  assert.throws(() => shardOf("a", 0), RangeError);
});

Deno.test("parseShard() reads i/n and refuses anything else", () => {
  assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
  assert.deepEqual(parseShard(" 2 / 5 "), { index: 2, count: 5 });
  for (const bad of ["", "1", "1/0", "3/3", "-1/3", "a/b", "1/2/3", "0/10001"]) {
    assert.throws(() => parseShard(bad), RangeError, bad);
  }
});
