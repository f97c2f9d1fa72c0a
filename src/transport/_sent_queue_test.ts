import assert from "node:assert/strict";
import { TransportError } from "../errors/errors.ts";
import { type FailRequest, SentQueue } from "./_sent_queue.ts";

/** A request whose payload and fail callback both name `n`. */
function sent(n: number, failed: number[]): [Uint8Array, FailRequest] {
  return [new Uint8Array([n]), () => failed.push(n)];
}

/** Shift every request, failing each: their payloads' first bytes, in order. */
function drain(queue: SentQueue): number[] {
  const out: number[] = [];
  while (queue.length > 0) {
    out.push(queue.firstPayload[0]!);
    queue.firstFail(new TransportError("TRANSPORT_CLOSED", "test"));
    queue.shift();
  }
  return out;
}

Deno.test("SentQueue gives the requests back oldest first, each payload with its own fail callback", () => {
  const queue = new SentQueue();
  const failed: number[] = [];
  // One at a time, as nearly always.
  for (let n = 0; n < 3; n++) {
    queue.push(...sent(n, failed));
    assert.equal(queue.length, 1);
    assert.deepEqual(drain(queue), [n]);
  }
  // Several at once, pushed while the oldest ones wrap around the storage and while it grows.
  queue.push(...sent(10, failed));
  queue.push(...sent(11, failed));
  assert.equal(queue.firstPayload[0], 10);
  queue.shift();
  for (let n = 12; n < 20; n++) queue.push(...sent(n, failed));
  assert.equal(queue.length, 9);
  assert.deepEqual(drain(queue), [11, 12, 13, 14, 15, 16, 17, 18, 19]);
  assert.deepEqual(failed, [0, 1, 2, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
});

Deno.test("SentQueue, empty, says so instead of giving a request", () => {
  const queue = new SentQueue();
  assert.throws(() => queue.firstPayload, RangeError);
  assert.throws(() => queue.firstFail, RangeError);
  assert.throws(() => queue.shift(), RangeError);
  queue.push(new Uint8Array([1]), () => {});
  queue.shift();
  assert.throws(() => queue.firstPayload, /the queue is empty/);
  assert.equal(queue.length, 0);
});
