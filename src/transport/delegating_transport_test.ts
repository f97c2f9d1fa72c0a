import assert from "node:assert/strict";
import { DelegatingTransport } from "./delegating_transport.ts";
import { LoopbackTransport } from "./loopback_transport.ts";
import type {
  ReplyMatcher,
  RequestOptions,
  TransportStateChange,
  UnsolicitedFrame,
} from "./types.ts";

Deno.test("DelegatingTransport passes state, connect, request, listeners and close through", async () => {
  const inner = new LoopbackTransport((p) => [Uint8Array.from([9]), Uint8Array.from([p[0]!, 42])]);
  const transport = new DelegatingTransport(inner);
  const changes: TransportStateChange[] = [];
  const pushed: UnsolicitedFrame[] = [];
  const stopState = transport.onState((c) => changes.push(c));
  transport.onUnsolicited((f) => pushed.push(f));
  assert.equal(transport.state, "idle");
  await transport.connect();
  assert.equal(inner.state, "connected");
  assert.equal(transport.state, "connected");
  const reply = await transport.request(Uint8Array.from([7]), (p) => p[0] === 7);
  assert.deepEqual([...reply], [7, 42]);
  assert.deepEqual(pushed.map((f) => [...f.payload]), [[9]]);
  inner.push(Uint8Array.from([5]));
  assert.deepEqual(pushed.map((f) => [...f.payload]), [[9], [5]]);
  stopState();
  await transport.close();
  assert.equal(inner.state, "closed");
  assert.equal(transport.state, "closed");
  assert.deepEqual(changes.map((c) => c.state), ["connected"]);
});

Deno.test("DelegatingTransport passes a request's options and an inner failure through", async () => {
  const inner = new LoopbackTransport(() => null);
  await using transport = new DelegatingTransport(inner);
  await transport.connect();
  await assert.rejects(
    transport.request(Uint8Array.from([1]), () => true, { timeoutMs: 20 }),
    (e: Error & { code?: string }) => e.code === "TRANSPORT_TIMEOUT" && /20 ms/.test(e.message),
  );
});

Deno.test("DelegatingTransport disposes through close(), which a subclass can override", async () => {
  const inner = new LoopbackTransport((p) => p);
  let closes = 0;
  class Closing extends DelegatingTransport {
    override close(): Promise<void> {
      closes++;
      return super.close();
    }
  }
  {
    await using transport = new Closing(inner);
    await transport.connect();
  }
  assert.equal(closes, 1);
  assert.equal(inner.state, "closed");
});

Deno.test("DelegatingTransport lets a subclass change request() and reach the inner one with super", async () => {
  const seen: number[] = [];
  const inner = new LoopbackTransport((p) => {
    seen.push(p[0]!);
    return Uint8Array.from([p[0]! + 1]);
  });
  class PlusTen extends DelegatingTransport {
    override request(
      payload: Uint8Array,
      isReply: ReplyMatcher,
      options?: RequestOptions,
    ): Promise<Uint8Array> {
      return super.request(payload.map((b) => b + 10), isReply, options);
    }
  }
  await using transport = new PlusTen(inner);
  await transport.connect();
  const reply = await transport.request(Uint8Array.from([1]), (p) => p[0] === 12);
  assert.deepEqual([...reply], [12]);
  assert.deepEqual(seen, [11]);
});
