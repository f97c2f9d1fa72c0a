import assert from "node:assert/strict";
import { SinkQueue } from "./sink_queue.ts";
import { MemorySink } from "./memory_sink.ts";
import { makeSnapshot, RecordingSink } from "./_test_utils.ts";
import type { Snapshot } from "../types.ts";

function seqs(snapshots: readonly Snapshot[]): unknown[] {
  return snapshots.map((s) => s.blocks[0]?.values.seq);
}

function gated(name = "sink"): { sink: RecordingSink; release: () => void } {
  const sink = new RecordingSink(name);
  let release!: () => void;
  sink.gate = new Promise((resolve) => release = resolve);
  return { sink, release };
}

Deno.test("SinkQueue writes every snapshot in order, one at a time", async () => {
  let inFlight = 0;
  let most = 0;
  const memory = new MemorySink("m");
  const sink = {
    name: "slow",
    async write(snapshot: Snapshot) {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      await memory.write(snapshot);
      inFlight--;
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const queue = new SinkQueue(sink);
  for (let seq = 0; seq < 10; seq++) assert.equal(queue.push(makeSnapshot({ seq })), true);
  await queue.drain();
  assert.equal(most, 1);
  assert.deepEqual(seqs(memory.snapshots("living_room_battery")), [...Array(10).keys()]);
  assert.deepEqual(queue.counters, { queued: 0, written: 10, dropped: 0, failed: 0 });
  await queue.close();
});

Deno.test("SinkQueue push() does not run the sink's code before it returns", async () => {
  const sink = new RecordingSink("s");
  const queue = new SinkQueue(sink);
  queue.push(makeSnapshot());
  assert.deepEqual(sink.calls, []);
  await queue.drain();
  assert.deepEqual(sink.calls, ["write"]);
  await queue.close();
});

Deno.test("SinkQueue drops the oldest waiting snapshot when full", async () => {
  const { sink, release } = gated();
  const dropped: unknown[] = [];
  const queue = new SinkQueue(sink, {
    size: 3,
    onDrop: (s) => dropped.push(s.blocks[0]?.values.seq),
  });
  const results = [];
  for (let seq = 0; seq < 7; seq++) {
    results.push(queue.push(makeSnapshot({ seq })));
    if (seq === 0) await Promise.resolve(); // let 0 start: in flight, not waiting
  }
  // 0 in flight; 1..3 fill the queue; 4, 5, 6 push out 1, 2, 3.
  assert.deepEqual(results, [true, true, true, true, false, false, false]);
  assert.deepEqual(dropped, [1, 2, 3]);
  assert.deepEqual(queue.counters, { queued: 3, written: 0, dropped: 3, failed: 0 });
  release();
  await queue.close();
  assert.deepEqual(seqs(sink.written), [0, 4, 5, 6]);
  assert.deepEqual(queue.counters, { queued: 0, written: 4, dropped: 3, failed: 0 });
});

Deno.test("SinkQueue drops the newest snapshot when full with drop: newest", async () => {
  const { sink, release } = gated();
  const dropped: unknown[] = [];
  const queue = new SinkQueue(sink, {
    size: 3,
    drop: "newest",
    onDrop: (s) => dropped.push(s.blocks[0]?.values.seq),
  });
  const results = [];
  for (let seq = 0; seq < 7; seq++) {
    results.push(queue.push(makeSnapshot({ seq })));
    if (seq === 0) await Promise.resolve();
  }
  assert.deepEqual(results, [true, true, true, true, false, false, false]);
  assert.deepEqual(dropped, [4, 5, 6]);
  release();
  await queue.close();
  assert.deepEqual(seqs(sink.written), [0, 1, 2, 3]);
  assert.deepEqual(queue.counters, { queued: 0, written: 4, dropped: 3, failed: 0 });
});

Deno.test("SinkQueue counts a failed write, reports it and keeps draining", async () => {
  let calls = 0;
  const memory = new MemorySink("m");
  const sink = {
    name: "flaky",
    write(snapshot: Snapshot) {
      calls++;
      if (calls % 2 === 0) return Promise.reject(new Error(`failure ${calls}`));
      return memory.write(snapshot);
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const errors: string[] = [];
  const queue = new SinkQueue(sink, {
    onError: (error, snapshot) => {
      errors.push(`${(error as Error).message} @${snapshot.blocks[0]?.values.seq}`);
      throw new Error("a broken reporter changes nothing");
    },
  });
  for (let seq = 0; seq < 6; seq++) queue.push(makeSnapshot({ seq }));
  await queue.drain();
  assert.deepEqual(errors, ["failure 2 @1", "failure 4 @3", "failure 6 @5"]);
  assert.deepEqual(seqs(memory.snapshots("living_room_battery")), [0, 2, 4]);
  assert.deepEqual(queue.counters, { queued: 0, written: 3, dropped: 0, failed: 3 });
  await queue.close();
});

Deno.test("SinkQueue drain() resolves at once when idle and after the last write", async () => {
  const { sink, release } = gated();
  const queue = new SinkQueue(sink);
  await queue.drain();
  queue.push(makeSnapshot());
  let drained = false;
  const waiting = queue.drain().then(() => drained = true);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(drained, false);
  release();
  await waiting;
  assert.equal(sink.written.length, 1);
  await queue.close();
});

Deno.test("SinkQueue close() drains, then flushes and closes the sink", async () => {
  const sink = new RecordingSink("s");
  const queue = new SinkQueue(sink);
  for (let seq = 0; seq < 3; seq++) queue.push(makeSnapshot({ seq }));
  const closing = queue.close();
  assert.equal(queue.close(), closing);
  await closing;
  assert.deepEqual(sink.calls, ["write", "write", "write", "flush", "close"]);
  assert.equal(queue.push(makeSnapshot()), false);
  assert.deepEqual(queue.counters, { queued: 0, written: 3, dropped: 1, failed: 0 });
});

Deno.test("SinkQueue close() with a deadline drops what is left and leaves no timer", async () => {
  const { sink, release } = gated();
  const dropped: unknown[] = [];
  const queue = new SinkQueue(sink, { onDrop: (s) => dropped.push(s.blocks[0]?.values.seq) });
  for (let seq = 0; seq < 5; seq++) queue.push(makeSnapshot({ seq }));
  // The sink's first write never finishes: close() returning at all proves it did not wait for it.
  await queue.close({ deadlineMs: 20 });
  assert.deepEqual(dropped, [1, 2, 3, 4]); // 0 was in flight
  assert.deepEqual(sink.calls, ["write", "flush", "close"]);
  assert.deepEqual(queue.counters, { queued: 0, written: 0, dropped: 4, failed: 0 });
  release(); // the write in flight ends later and is still counted
  await queue.drain();
  assert.deepEqual(queue.counters, { queued: 0, written: 1, dropped: 4, failed: 0 });
});

Deno.test("SinkQueue close() with a deadline that is not reached waits for the drain", async () => {
  const sink = new RecordingSink("s");
  const queue = new SinkQueue(sink);
  for (let seq = 0; seq < 3; seq++) queue.push(makeSnapshot({ seq }));
  await queue.close({ deadlineMs: 10_000 }); // the timer is cleared: the sanitizer would see it
  assert.deepEqual(queue.counters, { queued: 0, written: 3, dropped: 0, failed: 0 });
});

Deno.test("SinkQueue close() stops waiting when its signal aborts", async () => {
  const { sink, release } = gated();
  const queue = new SinkQueue(sink);
  queue.push(makeSnapshot({ seq: 0 }));
  queue.push(makeSnapshot({ seq: 1 }));
  const controller = new AbortController();
  const closing = queue.close({ signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  await closing;
  assert.equal(queue.counters.dropped, 1);
  release();
  await queue.drain();
});

Deno.test("SinkQueue close() rejects when the sink cannot flush or close, after closing it", async () => {
  const sink = new RecordingSink("s", new Error("gone"));
  const queue = new SinkQueue(sink);
  await assert.rejects(
    queue.close(),
    /Cannot close sink 's' cleanly: flush failed: gone; close failed: gone/,
  );
  assert.deepEqual(sink.calls, ["flush", "close"]);
});

Deno.test("SinkQueue rejects bad options", async () => {
  const sink = new MemorySink("m");
  assert.throws(() => new SinkQueue(sink, { size: 0 }), RangeError);
  assert.throws(() => new SinkQueue(sink, { size: 2.5 }), RangeError);
  assert.throws(() => new SinkQueue(sink, { drop: "middle" as "oldest" }), TypeError);
  const queue = new SinkQueue(sink);
  await assert.rejects(queue.close({ deadlineMs: -1 }), RangeError);
  await queue.close();
});

Deno.test("SinkQueue push() never throws, even when onDrop does", async () => {
  const { sink, release } = gated();
  const queue = new SinkQueue(sink, {
    size: 1,
    onDrop: () => {
      throw new Error("boom");
    },
  });
  queue.push(makeSnapshot({ seq: 0 }));
  await Promise.resolve();
  queue.push(makeSnapshot({ seq: 1 }));
  assert.equal(queue.push(makeSnapshot({ seq: 2 })), false);
  release();
  await queue.close();
  assert.deepEqual(seqs(sink.written), [0, 2]);
});

Deno.test("SinkQueue hands a sink with writeMany everything that waited, in order; a failed batch counts each snapshot", async () => {
  const sink = new RecordingSink("many");
  const batches: number[][] = [];
  let fail = false;
  const many = Object.assign(sink, {
    writeMany(snapshots: readonly Snapshot[]): Promise<void> {
      batches.push(snapshots.map((s) => s.blocks[0]?.values.seq as number));
      if (fail) return Promise.reject(new Error("disk full"));
      sink.written.push(...snapshots);
      return Promise.resolve();
    },
  });
  const errors: [string, unknown][] = [];
  const queue = new SinkQueue(many, {
    onError: (error, snapshot) => errors.push([(error as Error).message, seqs([snapshot])[0]]),
  });
  // Pushed together: they all wait for the queue's first turn and go in one call.
  for (let seq = 0; seq < 5; seq++) queue.push(makeSnapshot({ seq }));
  await queue.drain();
  assert.deepEqual(batches, [[0, 1, 2, 3, 4]]);
  assert.deepEqual(sink.calls, []);
  // One alone goes through write.
  queue.push(makeSnapshot({ seq: 5 }));
  await queue.drain();
  assert.deepEqual(sink.calls, ["write"]);
  assert.deepEqual(seqs(sink.written), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(queue.counters, { queued: 0, written: 6, dropped: 0, failed: 0 });
  // A failed batch: each of its snapshots counted, the failure reported once.
  fail = true;
  queue.push(makeSnapshot({ seq: 6 }));
  queue.push(makeSnapshot({ seq: 7 }));
  await queue.drain();
  assert.deepEqual(batches.at(-1), [6, 7]);
  assert.deepEqual(errors, [["disk full", 6]]);
  assert.deepEqual(queue.counters, { queued: 0, written: 6, dropped: 0, failed: 2 });
  await queue.close();
});
