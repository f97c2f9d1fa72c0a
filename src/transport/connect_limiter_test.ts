import assert from "node:assert/strict";
import { TransportError } from "../errors/errors.ts";
import { ConnectLimiter } from "./connect_limiter.ts";

Deno.test("ConnectLimiter never runs more than maxConcurrent handshakes and grants in order", async () => {
  const limiter = new ConnectLimiter({ maxConcurrent: 3 });
  const order: number[] = [];
  let running = 0;
  let most = 0;
  await Promise.all(Array.from({ length: 20 }, async (_, i) => {
    const release = await limiter.acquire();
    order.push(i);
    running++;
    most = Math.max(most, running);
    await Promise.resolve();
    await Promise.resolve();
    running--;
    release();
  }));
  assert.equal(most, 3);
  assert.equal(limiter.stats.peakActive, 3);
  assert.equal(limiter.stats.peakWaiting, 17);
  assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual({ ...limiter.stats, peakWaiting: 0 }, {
    active: 0,
    limit: 3,
    peakActive: 3,
    waiting: 0,
    peakWaiting: 0,
    granted: 20,
    heldBack: false,
  });
});

Deno.test("ConnectLimiter releases a slot once, however often release is called", async () => {
  const limiter = new ConnectLimiter({ maxConcurrent: 1 });
  const release = await limiter.acquire();
  release();
  release();
  const a = await limiter.acquire();
  let second = false;
  const b = limiter.acquire().then((r) => (second = true, r));
  await Promise.resolve();
  assert.equal(second, false, "the double release did not free a second slot");
  a();
  (await b)();
});

Deno.test("ConnectLimiter rejects a waiting handshake whose signal aborts, and frees its place", async () => {
  const limiter = new ConnectLimiter({ maxConcurrent: 1 });
  const held = await limiter.acquire();
  const controller = new AbortController();
  const waiting = limiter.acquire({ signal: controller.signal });
  const next = limiter.acquire();
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, (error) => {
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, "TRANSPORT_ABORTED");
    return true;
  });
  assert.equal(limiter.stats.waiting, 1);
  held();
  (await next)();
  assert.equal(limiter.stats.granted, 2);
  await assert.rejects(limiter.acquire({ signal: AbortSignal.abort() }), TransportError);
});

Deno.test("ConnectLimiter spends a reconnect budget; first connects do not wait for it", async () => {
  let now = 0;
  const limiter = new ConnectLimiter({
    maxConcurrent: 100,
    reconnectsPerSecond: 1000,
    reconnectBurst: 2,
    now: () => now,
  });
  const granted: string[] = [];
  const take = (name: string, reconnect: boolean) =>
    limiter.acquire({ reconnect }).then((release) => {
      granted.push(name);
      release();
    });
  await Promise.all([take("r1", true), take("r2", true)]);
  // The burst is spent: the third reconnect waits, a first connect behind it does not.
  const third = take("r3", true);
  await take("first", false);
  assert.deepEqual(granted, ["r1", "r2", "first"]);
  assert.equal(limiter.stats.waiting, 1);
  now += 1; // one token at 1,000 per second; the limiter's timer fires and grants it
  await third;
  assert.deepEqual(granted, ["r1", "r2", "first", "r3"]);
  assert.equal(limiter.stats.waiting, 0);
});

Deno.test("ConnectLimiter refuses a non-positive setting", () => {
  assert.throws(() => new ConnectLimiter({ maxConcurrent: 0 }), RangeError);
  assert.throws(() => new ConnectLimiter({ reconnectsPerSecond: Number.NaN }), RangeError);
});

Deno.test("ConnectLimiter halves its concurrency after a timed-out handshake and regains it one success at a time", async () => {
  const limiter = new ConnectLimiter({ maxConcurrent: 8 });
  const first = await limiter.acquire();
  first(false);
  assert.equal(limiter.stats.limit, 4);
  (await limiter.acquire())(false);
  (await limiter.acquire())(false);
  (await limiter.acquire())(false);
  assert.equal(limiter.stats.limit, 1, "never below one");
  // At 1, a second handshake waits for the first.
  const held = await limiter.acquire();
  let second = false;
  const waiting = limiter.acquire().then((release) => (second = true, release));
  await Promise.resolve();
  assert.equal(second, false);
  held(true);
  assert.equal(limiter.stats.limit, 2);
  (await waiting)(true);
  for (let i = 0; i < 10; i++) (await limiter.acquire())();
  assert.equal(limiter.stats.limit, 8, "back to maxConcurrent, not above");
});

Deno.test("ConnectLimiter holds back handshakes not yet granted (first connects and reconnects) until let go; running ones go on", async () => {
  const limiter = new ConnectLimiter({ maxConcurrent: 4 });
  const running = await limiter.acquire();
  limiter.holdBack(true);
  assert.equal(limiter.stats.heldBack, true);
  const granted: string[] = [];
  const first = limiter.acquire().then((release) => (granted.push("first"), release));
  const again = limiter.reconnects().acquire().then((release) => (granted.push("again"), release));
  // A release while held back frees a slot but grants nothing.
  running();
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.deepEqual(granted, []);
  assert.equal(limiter.stats.waiting, 2);
  assert.equal(limiter.stats.active, 0);
  limiter.holdBack(false);
  (await first)();
  (await again)();
  assert.deepEqual(granted, ["first", "again"]);
  assert.equal(limiter.stats.heldBack, false);
  assert.equal(limiter.stats.granted, 3);
});

Deno.test("ConnectLimiter serves a connect a user waits for before the handshakes queued ahead of it, within the bound", async () => {
  const limiter = new ConnectLimiter({ maxConcurrent: 2 });
  const order: string[] = [];
  const running = [await limiter.acquire(), await limiter.acquire()];
  // Other devices' handshakes wait for the two slots held by slow ones.
  const queued = Array.from({ length: 10 }, (_, i) =>
    limiter.acquire().then((release) => {
      order.push(`d${i}`);
      release();
    }));
  const write = limiter.acquire({ priority: true }).then((release) => {
    order.push("write");
    return release;
  });
  const second = limiter.acquire({ priority: true, reconnect: true }).then((release) => {
    order.push("write 2");
    return release;
  });
  await Promise.resolve();
  // The bound holds: nothing is granted while both slots run.
  assert.deepEqual(order, []);
  assert.equal(limiter.stats.waiting, 12);
  running[0]!();
  const first = await write;
  assert.deepEqual(order, ["write"]);
  assert.equal(limiter.stats.active, 2);
  running[1]!();
  (await second)();
  first();
  await Promise.all(queued);
  assert.deepEqual(order, ["write", "write 2", ...Array.from({ length: 10 }, (_, i) => `d${i}`)]);
  assert.equal(limiter.stats.peakActive, 2);
});

Deno.test("ConnectLimiter lets a connect a user waits for through a hold-back and an empty reconnect budget, not the others", async () => {
  const limiter = new ConnectLimiter({ reconnectBurst: 1, reconnectsPerSecond: 0.001 });
  (await limiter.acquire({ reconnect: true }))(); // the budget is spent
  limiter.holdBack(true);
  const controller = new AbortController();
  let other = false;
  const waiting = limiter.acquire({ signal: controller.signal }).then((r) => (other = true, r));
  const release = await limiter.acquire({ priority: true, reconnect: true });
  release();
  await Promise.resolve();
  assert.equal(other, false, "a handshake no user waits for went through the hold-back");
  controller.abort();
  await waiting.catch(() => {});
  limiter.holdBack(false);
  assert.equal(limiter.stats.waiting, 0);
});
