import assert from "node:assert/strict";
import { MIN_START_SPREAD_MS, START_POLLS_PER_SECOND, startSpreadMs } from "./_start_spread.ts";

Deno.test("startSpreadMs keeps a small fleet's first polls within 5 s", () => {
  assert.equal(startSpreadMs(3, 30_000), MIN_START_SPREAD_MS);
  assert.equal(startSpreadMs(3_000, 30_000), MIN_START_SPREAD_MS);
  // An interval shorter than 5 s bounds the spread.
  assert.equal(startSpreadMs(3, 1_000), 1_000);
});

Deno.test("startSpreadMs spreads a large fleet so that at most 1,000 polls start per second", () => {
  // 10,000 devices × 3 groups every 30 s: the whole interval (1,000 polls/s), not a burst of
  // 6,000/s in its first 5 s.
  assert.equal(startSpreadMs(30_000, 30_000), 30_000);
  assert.equal(startSpreadMs(12_000, 30_000), 12_000);
  assert.equal((1000 * 12_000) / startSpreadMs(12_000, 30_000), START_POLLS_PER_SECOND);
  // More polls than the interval can hold at that rate: the whole interval, no more.
  assert.equal(startSpreadMs(30_000, 5_000), 5_000);
  assert.equal(startSpreadMs(300_000, 60_000), 60_000);
});
