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
