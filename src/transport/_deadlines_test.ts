import assert from "node:assert/strict";
import { DeadlineQueue } from "./_deadlines.ts";

Deno.test("DeadlineQueue fires each live deadline once, in time order, never before its delay, on one timer", async () => {
  const queue = new DeadlineQueue();
  const fired: { id: number; late: number }[] = [];
  const cancelled = new Set<number>();
  const all = Promise.withResolvers<void>();
  const expected = new Map<number, number>();
  const wrong: number[] = [];
  // A fixed pattern of delays (0..39 ms), some cancelled at once, some while others fire.
  const handles = Array.from({ length: 120 }, (_, id) => {
    const delay = (id * 37) % 40;
    const at = performance.now() + delay;
    expected.set(id, at);
    return queue.after(delay, () => {
      if (cancelled.has(id)) wrong.push(id);
      fired.push({ id, late: performance.now() - at });
      if (id % 10 === 3) {
        // Cancelling from inside a callback: a later one, and an already fired one.
        handles[(id + 7) % 120]!.cancel();
        cancelled.add((id + 7) % 120);
        handles[id]!.cancel();
      }
      if (queue.live === 0) all.resolve();
    });
  });
  for (let id = 0; id < 120; id += 4) {
    handles[id]!.cancel();
    cancelled.add(id);
  }
  assert.ok(queue.armed);
  assert.equal(queue.live, 90);
  await all.promise;
  const ids = fired.map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length, "each fires once");
  assert.deepEqual(wrong, [], "no deadline fires after it was cancelled");
  for (const f of fired) assert.ok(f.late >= -1, `deadline ${f.id} fired ${-f.late} ms early`);
  // Fired in the order of their times (ties in the order they were made).
  const times = ids.map((id) => expected.get(id)!);
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  // Every deadline not cancelled before it was due fired.
  for (let id = 0; id < 120; id++) {
    assert.equal(ids.includes(id), !cancelled.has(id) || ids.includes(id), `${id}`);
  }
  assert.ok(ids.length >= 80 && ids.length <= 90, `${ids.length} fired`);
  assert.equal(queue.live, 0);
  assert.equal(queue.armed, false, "no timer is left once no deadline is");
});

Deno.test("DeadlineQueue clears its timer when the last deadline is cancelled", () => {
  const queue = new DeadlineQueue();
  const a = queue.after(60_000, () => assert.fail("cancelled"));
  const b = queue.after(30_000, () => assert.fail("cancelled"));
  assert.ok(queue.armed);
  a.cancel();
  assert.ok(queue.armed, "b is still live");
  b.cancel();
  b.cancel();
  assert.equal(queue.live, 0);
  assert.equal(queue.armed, false);
});

Deno.test("DeadlineQueue runs every deadline due together even when one throws, then reports the error", async () => {
  const queue = new DeadlineQueue();
  const ran: string[] = [];
  const errors: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    errors.push(event.error);
  };
  globalThis.addEventListener("error", onError);
  try {
    const done = Promise.withResolvers<void>();
    queue.after(5, () => {
      ran.push("first");
      throw new Error("boom");
    });
    queue.after(5, () => {
      ran.push("second");
    });
    queue.after(10, () => done.resolve());
    await done.promise;
    assert.deepEqual(ran, ["first", "second"]);
    assert.equal((errors[0] as Error | undefined)?.message, "boom");
  } finally {
    globalThis.removeEventListener("error", onError);
  }
});
