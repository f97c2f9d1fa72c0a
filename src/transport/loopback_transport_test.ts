import assert from "node:assert/strict";
import { TransportError } from "../errors/errors.ts";
import { LoopbackTransport } from "./loopback_transport.ts";
import type { TransportStateChange, UnsolicitedFrame } from "./types.ts";

const first = (tag: number) => (p: Uint8Array) => p[0] === tag;

function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  return assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof TransportError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });
}

Deno.test("LoopbackTransport.request() resolves with the payload the matcher accepts", async () => {
  await using t = new LoopbackTransport((p) => [new Uint8Array([9]), new Uint8Array([p[0]!, 42])]);
  const pushed: UnsolicitedFrame[] = [];
  t.onUnsolicited((f) => pushed.push(f));
  await t.connect();
  const reply = await t.request(new Uint8Array([7]), first(7));
  assert.deepEqual([...reply], [7, 42]);
  assert.deepEqual(pushed.map((f) => [...f.payload]), [[9]]);
  assert.equal(pushed[0]!.retained, false);
});

Deno.test("LoopbackTransport serializes concurrent requests in call order", async () => {
  const seen: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  await using t = new LoopbackTransport(async (p) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    seen.push(p[0]!);
    await Promise.resolve();
    inFlight--;
    return p;
  });
  await t.connect();
  const replies = await Promise.all(
    [1, 2, 3, 4, 5].map((n) => t.request(new Uint8Array([n]), first(n))),
  );
  assert.deepEqual(replies.map((r) => r[0]), [1, 2, 3, 4, 5]);
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.equal(maxInFlight, 1);
});

Deno.test("LoopbackTransport.request() times out when nothing matches", async () => {
  await using t = new LoopbackTransport(() => new Uint8Array([0]), { requestTimeoutMs: 20 });
  await t.connect();
  await rejectsWith(t.request(new Uint8Array([1]), first(1)), "TRANSPORT_TIMEOUT");
  // The next request still works: the slot was released.
  await rejectsWith(
    t.request(new Uint8Array([1]), first(1), { timeoutMs: 10 }),
    "TRANSPORT_TIMEOUT",
  );
});

Deno.test("LoopbackTransport.request() is aborted by its signal, pending or queued", async () => {
  await using t = new LoopbackTransport(() => null);
  await t.connect();
  const pending = new AbortController();
  const queued = new AbortController();
  const a = t.request(new Uint8Array([1]), first(1), { signal: pending.signal });
  const b = t.request(new Uint8Array([2]), first(2), { signal: queued.signal });
  queued.abort(new Error("user gave up"));
  await assert.rejects(b, /Request aborted: user gave up/);
  pending.abort();
  await rejectsWith(a, "TRANSPORT_ABORTED");
  const already = AbortSignal.abort();
  await rejectsWith(
    t.request(new Uint8Array([3]), first(3), { signal: already }),
    "TRANSPORT_ABORTED",
  );
});

Deno.test("LoopbackTransport.drop() fails the pending request at once and later ones fast", async () => {
  const states: TransportStateChange[] = [];
  await using t = new LoopbackTransport(() => null);
  t.onState((c) => states.push(c));
  await t.connect();
  const pending = t.request(new Uint8Array([1]), first(1), { timeoutMs: 60_000 });
  await Promise.resolve();
  t.drop("cable pulled");
  await assert.rejects(pending, /Lost the loopback connection: cable pulled/);
  await rejectsWith(t.request(new Uint8Array([2]), first(2)), "TRANSPORT_DISCONNECTED");
  assert.deepEqual(states.map((s) => s.state), ["connected", "offline"]);
  await t.connect();
  assert.equal(t.state, "connected");
});

Deno.test("LoopbackTransport.close() fails pending and queued requests and refuses new ones", async () => {
  const t = new LoopbackTransport(() => null);
  await t.connect();
  const a = t.request(new Uint8Array([1]), first(1), { timeoutMs: 60_000 });
  const b = t.request(new Uint8Array([2]), first(2), { timeoutMs: 60_000 });
  await t.close();
  await rejectsWith(a, "TRANSPORT_CLOSED");
  await rejectsWith(b, "TRANSPORT_CLOSED");
  await rejectsWith(t.request(new Uint8Array([3]), first(3)), "TRANSPORT_CLOSED");
  await rejectsWith(t.connect(), "TRANSPORT_CLOSED");
});

Deno.test("LoopbackTransport treats a throwing matcher as 'not the reply'", async () => {
  await using t = new LoopbackTransport((p) => p, { requestTimeoutMs: 20 });
  await t.connect();
  const pushed: Uint8Array[] = [];
  t.onUnsolicited((f) => pushed.push(f.payload));
  await rejectsWith(
    t.request(new Uint8Array([1]), () => {
      throw new Error("bad matcher");
    }),
    "TRANSPORT_TIMEOUT",
  );
  assert.equal(pushed.length, 1);
});

Deno.test("LoopbackTransport drops the late reply of a timed-out request, even during the next one", async () => {
  // The station answers request [1] late: its reply arrives while request [2] waits. Both
  // matchers accept any payload, as two reads whose replies have the same length.
  const any = () => true;
  let late: (() => void) | null = null;
  await using t = new LoopbackTransport((p) => {
    if (p[0] === 1) {
      late = () => t.push(new Uint8Array([1, 0xaa]));
      return null;
    }
    late?.(); // the stale reply first, then the fresh one
    return new Uint8Array([p[0]!, 0xbb]);
  }, { requestTimeoutMs: 20 });
  const pushed: UnsolicitedFrame[] = [];
  t.onUnsolicited((f) => pushed.push(f));
  await t.connect();
  await rejectsWith(t.request(new Uint8Array([1]), any), "TRANSPORT_TIMEOUT");
  const reply = await t.request(new Uint8Array([2]), any);
  assert.deepEqual([...reply], [2, 0xbb]);
  assert.deepEqual(pushed, [], "a dropped stale reply is not an unsolicited frame");
});

Deno.test("LoopbackTransport waits for the stale reply before repeating a timed-out request", async () => {
  // Identical requests have indistinguishable replies: the repeat is sent only once the late
  // reply of the first came (and was dropped), so the repeat gets its own reply.
  const any = () => true;
  const sent: number[] = [];
  let n = 0;
  let release: (() => void) | null = null;
  await using t = new LoopbackTransport((p) => {
    sent.push(p[0]!);
    const tag = ++n;
    if (tag === 1) {
      release = () => t.push(new Uint8Array([0xee, tag]));
      return null;
    }
    return new Uint8Array([p[0]!, tag]);
  }, { requestTimeoutMs: 20 });
  await t.connect();
  await rejectsWith(t.request(new Uint8Array([5]), any), "TRANSPORT_TIMEOUT");
  const repeat = t.request(new Uint8Array([5]), any, { timeoutMs: 1_000 });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(sent, [5], "the repeat waits while the first request's reply may come");
  release!();
  assert.deepEqual([...await repeat], [5, 2]);
  assert.deepEqual(sent, [5, 5]);
});

Deno.test("LoopbackTransport waits out the grace when a timed-out request's reply never comes", async () => {
  const any = () => true;
  let answer = false;
  await using t = new LoopbackTransport(
    (p) => (answer ? new Uint8Array([p[0]!, 1]) : null),
    { requestTimeoutMs: 15 },
  );
  await t.connect();
  await rejectsWith(t.request(new Uint8Array([5]), any), "TRANSPORT_TIMEOUT");
  answer = true;
  assert.deepEqual([...await t.request(new Uint8Array([5]), any)], [5, 1]);
  // An abort ends the wait at once.
  answer = false;
  await rejectsWith(t.request(new Uint8Array([6]), any), "TRANSPORT_TIMEOUT");
  const controller = new AbortController();
  const waiting = t.request(new Uint8Array([6]), any, { signal: controller.signal });
  controller.abort("stop");
  await rejectsWith(waiting, "TRANSPORT_ABORTED");
});

Deno.test("LoopbackTransport drops a byte-identical repeat of the last reply while another request waits", async () => {
  const any = () => true;
  let previous: Uint8Array | null = null;
  await using t = new LoopbackTransport((p) => {
    const reply = new Uint8Array([0x10 + p[0]!, 7]);
    const out = previous === null ? [reply] : [previous, reply]; // the duplicate first
    previous = reply;
    return out;
  });
  await t.connect();
  assert.deepEqual([...await t.request(new Uint8Array([1]), any)], [0x11, 7]);
  assert.deepEqual([...await t.request(new Uint8Array([2]), any)], [0x12, 7]);
  // The same request again: an identical reply is its reply (same bytes, same request).
  assert.deepEqual([...await t.request(new Uint8Array([2]), any)], [0x12, 7]);
});

Deno.test("LoopbackTransport answers with a synchronous handler's reply in the microtask after the request, with no async step", async () => {
  const calls: number[] = [];
  await using t = new LoopbackTransport((p) => {
    calls.push(p[0]!);
    return new Uint8Array([p[0]!, 1]);
  });
  await t.connect();
  let reply: Uint8Array | null = null;
  const request = t.request(new Uint8Array([4]), first(4)).then((r) => reply = r);
  assert.deepEqual(calls, [], "the handler is called after request() returns");
  // Microtask 1: the handler answers and the reply settles the request; microtask 2: its
  // `then` runs. An async step between handler and delivery would leave it unsettled here.
  await null;
  await null;
  assert.deepEqual(calls, [4]);
  assert.deepEqual(reply && [...reply], [4, 1]);
  await request;
});

Deno.test("LoopbackTransport hands every request sent to the handler in order, also one sent before an aborted one's turn to be answered", async () => {
  const calls: number[] = [];
  await using t = new LoopbackTransport((p) => {
    calls.push(p[0]!);
    return new Uint8Array([p[0]!, 2]);
  });
  await t.connect();
  const controller = new AbortController();
  const aborted = t.request(new Uint8Array([1]), first(1), { signal: controller.signal });
  controller.abort(new Error("changed my mind"));
  // Sent at once (the window is free again) while the first request's answer is still due.
  const next = t.request(new Uint8Array([2]), first(2));
  await rejectsWith(aborted, "TRANSPORT_ABORTED");
  assert.deepEqual([...await next], [2, 2]);
  assert.deepEqual(calls, [1, 2]);
});

Deno.test("LoopbackTransport fails the request with TRANSPORT_DISCONNECTED when the handler throws or rejects", async () => {
  await using t = new LoopbackTransport((p) => {
    if (p[0] === 1) throw new Error("station on fire");
    return Promise.reject(new Error("station flooded"));
  });
  await t.connect();
  await assert.rejects(
    t.request(new Uint8Array([1]), first(1)),
    (e: unknown) =>
      e instanceof TransportError && e.code === "TRANSPORT_DISCONNECTED" &&
      /The loopback station failed: Error: station on fire/.test(e.message),
  );
  await assert.rejects(
    t.request(new Uint8Array([2]), first(2)),
    (e: unknown) =>
      e instanceof TransportError && e.code === "TRANSPORT_DISCONNECTED" &&
      /The loopback station failed: Error: station flooded/.test(e.message),
  );
});
