import assert from "node:assert/strict";
import { LoadGate } from "./_load_gate.ts";

Deno.test("LoadGate: over once the smoothed lag exceeds the limit, under again below half of it", () => {
  const changes: [boolean, number][] = [];
  const gate = new LoadGate({ limitMs: 100, onChange: (over, lag) => changes.push([over, lag]) });
  // One late timer is smoothed away: 150 ms once is 45 ms smoothed.
  gate.sample(150);
  for (let i = 0; i < 5; i++) gate.sample(0);
  assert.deepEqual(changes, []);
  assert.equal(gate.over, false);
  // A loop that stays 300 ms late crosses the limit within a few samples.
  let samples = 0;
  while (!gate.over && samples < 50) {
    gate.sample(300);
    samples++;
  }
  assert.equal(gate.over, true);
  assert.ok(samples <= 5, `${samples} samples`);
  assert.equal(changes.length, 1);
  assert.equal(changes[0]![0], true);
  assert.ok(changes[0]![1] > 100);
  // Between half the limit and the limit: still over (no flapping).
  for (let i = 0; i < 20; i++) gate.sample(70);
  assert.equal(gate.over, true);
  assert.equal(changes.length, 1);
  // Under half of it: under again, told once.
  for (let i = 0; i < 20; i++) gate.sample(10);
  assert.equal(gate.over, false);
  assert.equal(changes.length, 2);
  assert.equal(changes[1]![0], false);
  assert.ok(changes[1]![1] < 50);
});

Deno.test("LoadGate: start samples the event loop until stop", async () => {
  const over = Promise.withResolvers<number>();
  const gate = new LoadGate({
    limitMs: 1,
    onChange: (isOver, lag) => isOver && over.resolve(lag),
    periodMs: 1,
  });
  gate.start();
  gate.start(); // once
  try {
    // Block the loop for 30 ms: the next sample sees it run late.
    const until = performance.now() + 30;
    while (performance.now() < until) { /* busy */ }
    const lag = await over.promise;
    assert.ok(lag > 1, `lag ${lag}`);
  } finally {
    gate.stop();
  }
});
