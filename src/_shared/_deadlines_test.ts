import assert from "node:assert/strict";
import { DeadlineQueue } from "./_deadlines.ts";

/** A queue on a clock the test moves; its timer is a real one (armed for the fake delay). */
function fakeClock() {
  let now = 0;
  return { now: () => now, set: (value: number) => void (now = value) };
}

Deno.test("DeadlineQueue fires each live deadline once, in time order, on one timer; a callback can cancel one due with it", async () => {
  const clock = fakeClock();
  const queue = new DeadlineQueue(clock.now);
  const fired: number[] = [];
  const cancelled = new Set<number>();
  const wrong: number[] = [];
  const all = Promise.withResolvers<void>();
  const delayOf = (id: number) => (id * 37) % 40;
  const handles = Array.from({ length: 120 }, (_, id) =>
    queue.after(delayOf(id), () => {
      if (cancelled.has(id)) wrong.push(id);
      fired.push(id);
      if (id % 10 === 3) {
        // Cancelling from inside a callback: a later one (maybe due in the same turn) and
        // itself, already fired.
        const later = (id + 7) % 120;
        if (!fired.includes(later)) cancelled.add(later);
        handles[later]!.cancel();
        handles[id]!.cancel();
      }
      if (queue.live === 0) all.resolve();
    }));
  for (let id = 0; id < 120; id += 4) {
    handles[id]!.cancel();
    cancelled.add(id);
  }
  assert.ok(queue.holding);
  assert.equal(queue.live, 90);
  // Every deadline is due now: the timer fires them all in one turn.
  clock.set(1_000);
  await all.promise;
  assert.deepEqual(wrong, [], "no deadline fires after it was cancelled");
  assert.equal(new Set(fired).size, fired.length, "each fires once");
  // In the order of their times, ties in the order they were made.
  const order = (a: number, b: number) => delayOf(a) - delayOf(b) || a - b;
  assert.deepEqual(fired, [...fired].sort(order));
  for (let id = 0; id < 120; id++) {
    assert.equal(fired.includes(id), !cancelled.has(id), `deadline ${id}`);
  }
  assert.equal(queue.live, 0);
  assert.equal(queue.holding, false, "nothing holds the process once no deadline is live");
});

Deno.test("DeadlineQueue never fires a deadline before its time", async () => {
  const clock = fakeClock();
  const queue = new DeadlineQueue(clock.now);
  const fired: string[] = [];
  const done = Promise.withResolvers<void>();
  queue.after(5, () => fired.push("early"));
  queue.after(50, () => {
    fired.push("late");
    done.resolve();
  });
  // The real timer (5 ms) fires while the clock still says 4: nothing is due; it is armed
  // again and fires once the clock moved.
  clock.set(4);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.deepEqual(fired, []);
  assert.ok(queue.holding);
  clock.set(10);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.deepEqual(fired, ["early"]);
  clock.set(50);
  await done.promise;
  assert.deepEqual(fired, ["early", "late"]);
  assert.equal(queue.holding, false);
});

Deno.test("DeadlineQueue holds the process only while a deadline is live, and reuses its timer for the next ones", () => {
  const queue = new DeadlineQueue();
  const a = queue.after(60_000, () => assert.fail("cancelled"));
  const b = queue.after(30_000, () => assert.fail("cancelled"));
  assert.ok(queue.holding);
  a.cancel();
  assert.ok(queue.holding, "b is still live");
  b.cancel();
  b.cancel();
  assert.equal(queue.live, 0);
  assert.equal(queue.holding, false);
  // Requests one after the other, each cancelled by its reply: one timer serves them all.
  const made = queue.armings;
  for (let i = 0; i < 100; i++) {
    const request = queue.after(40_000 + i, () => assert.fail("cancelled"));
    assert.ok(queue.holding);
    request.cancel();
    assert.equal(queue.holding, false);
  }
  assert.equal(queue.armings, made, "no timer made for deadlines later than the armed one");
  // An earlier deadline needs a timer of its own.
  queue.after(10_000, () => assert.fail("cancelled")).cancel();
  assert.equal(queue.armings, made + 1);
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

Deno.test("DeadlineQueue with a slack runs the deadlines due within it of the first on one timer, none before its time", async () => {
  // Real clock: 30 deadlines 0.5 ms apart, then one far from them.
  const queue = new DeadlineQueue(() => performance.now(), 20);
  const start = performance.now();
  const early: number[] = [];
  const fired: number[] = [];
  const done = Promise.withResolvers<void>();
  const armingsBefore = queue.armings;
  for (let i = 0; i < 30; i++) {
    const at = start + 100 + i / 2;
    queue.after(at - performance.now(), () => {
      if (performance.now() < at) early.push(i);
      fired.push(i);
    });
  }
  const lone = start + 400;
  queue.after(lone - performance.now(), () => {
    if (performance.now() < lone) early.push(30);
    fired.push(30);
    done.resolve();
  });
  await done.promise;
  assert.deepEqual(early, []);
  assert.deepEqual(fired, Array.from({ length: 31 }, (_, i) => i));
  // One timer for the first 30 (armed for the first plus 20 ms), one for the last; a timer of
  // its own each would be 31. (A timer that fires before its time is armed again: at most 4.)
  assert.ok(queue.armings - armingsBefore <= 4, `${queue.armings - armingsBefore} timers armed`);
  assert.equal(queue.holding, false);
});

Deno.test("DeadlineQueue arms one timer after a turn whose callbacks make new deadlines, not one per deadline made", async () => {
  // 200 polls due together, each making its next due time (as a device runner does): the
  // timer is armed once, at the end of the turn, for the earliest of them.
  const queue = new DeadlineQueue(() => performance.now(), 5);
  const turn = Promise.withResolvers<void>();
  const next: { cancel(): void }[] = [];
  let ran = 0;
  for (let i = 0; i < 200; i++) {
    queue.after(1, () => {
      next.push(queue.after(60_000 + i, () => {}));
      if (++ran === 200) turn.resolve();
    });
  }
  const before = queue.armings;
  await turn.promise;
  // Let the turn end (the last callback resolved the promise from inside it).
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(queue.live, 200);
  assert.ok(queue.armings - before <= 2, `${queue.armings - before} timers armed`);
  for (const deadline of next) deadline.cancel();
  assert.equal(queue.live, 0);
  assert.equal(queue.holding, false);
});
