import assert from "node:assert/strict";
import { waitUntil, withDeadline } from "./deadline.ts";

Deno.test("withDeadline() resolves with the promise's value and leaves no timer behind", async () => {
  assert.equal(await withDeadline(Promise.resolve(42), 60_000, "the answer"), 42);
});

Deno.test("withDeadline() passes the promise's own rejection through", async () => {
  await assert.rejects(
    withDeadline(Promise.reject(new RangeError("broken")), 60_000, "the answer"),
    RangeError,
  );
});

Deno.test("withDeadline() rejects naming what was awaited when the deadline passes first", async () => {
  const never = new Promise<number>(() => {});
  await assert.rejects(
    withDeadline(never, 10, "the station's reply"),
    /^Error: Gave up waiting for the station's reply after 10 ms$/,
  );
});

Deno.test("withDeadline() names what was awaited as a function says at the deadline", async () => {
  let seen = "nothing";
  const never = new Promise<number>(() => {});
  const waiting = withDeadline(never, 10, () => `a reply; seen: ${seen}`);
  seen = "one push";
  await assert.rejects(waiting, /^Error: Gave up waiting for a reply; seen: one push after 10 ms$/);
});

Deno.test("waitUntil() resolves once the check is true", async () => {
  let checks = 0;
  await waitUntil(() => ++checks === 3, "the third check");
  assert.equal(checks, 3);
});

Deno.test("waitUntil() rejects naming what was awaited when the check stays false", async () => {
  await assert.rejects(
    waitUntil(() => false, "a message", 30),
    /^Error: Gave up waiting for a message after 30 ms$/,
  );
});
