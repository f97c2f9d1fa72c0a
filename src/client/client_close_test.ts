import assert from "node:assert/strict";
import { TransportError } from "../errors/errors.ts";
import { LoopbackTransport } from "../transport/loopback_transport.ts";
import { getProfile } from "../../profiles/mod.ts";
import { Client } from "./client.ts";

// A station that never answers: every read times out after 20 ms and then waits to retry.
function silentClient(retryDelayMs: number) {
  const retrying = Promise.withResolvers<void>();
  const client = new Client({
    transport: new LoopbackTransport(() => null, { requestTimeoutMs: 20 }),
    profile: getProfile("EL100V2"),
    retry: { maxAttempts: 5, initialDelayMs: retryDelayMs, maxDelayMs: retryDelayMs, jitter: 0 },
    onRetry: () => retrying.resolve(),
  });
  return { client, retrying: retrying.promise };
}

// Fails the test, instead of hanging it, when `promise` has not settled long before the
// 10-minute retry delay would end.
function guarded<T>(promise: Promise<T>): Promise<T> {
  const guard = AbortSignal.timeout(20_000);
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      guard.addEventListener(
        "abort",
        () => reject(new Error("still pending: close() did not end it")),
      )
    ),
  ]);
}

Deno.test("Client.close() rejects a read waiting to retry with TRANSPORT_CLOSED, leaving no timer", async () => {
  const { client, retrying } = silentClient(600_000);
  await client.connect();
  const read = client.readBlock(100);
  read.catch(() => {});
  await guarded(retrying);
  await guarded(client.close());
  await assert.rejects(guarded(read), (error: unknown) => {
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, "TRANSPORT_CLOSED");
    return true;
  });
  // The test sanitizers fail this test if the 10-minute retry timer were still pending.
});

Deno.test("the end of an `await using` scope rejects a read waiting to retry with TRANSPORT_CLOSED", async () => {
  let read: Promise<unknown> | undefined;
  {
    const { client, retrying } = silentClient(600_000);
    await using _ = client;
    await client.connect();
    read = client.readGroup("core", { partialOk: true });
    read.catch(() => {});
    await guarded(retrying);
  }
  await assert.rejects(guarded(read), { name: "TransportError", code: "TRANSPORT_CLOSED" });
});

Deno.test("Client.close() rejects a write waiting for its reply with TRANSPORT_CLOSED", async () => {
  const sent = Promise.withResolvers<void>();
  const client = new Client({
    transport: new LoopbackTransport(() => (sent.resolve(), new Promise(() => {})), {
      requestTimeoutMs: 600_000,
    }),
    profile: getProfile("EL100V2"),
    writesEnabled: true,
  });
  await client.connect();
  const write = client.write("ac_output", "on");
  write.catch(() => {});
  await guarded(sent.promise);
  await guarded(client.close());
  await assert.rejects(guarded(write), { name: "TransportError", code: "TRANSPORT_CLOSED" });
});
