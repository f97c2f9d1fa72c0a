import assert from "node:assert/strict";
import {
  Admission,
  type AdmissionMember,
  type AdmissionSettings,
  connectPhaseVerdict,
} from "./_admission.ts";

/** A device under admission: connected or not, held or admitted, its held time on a fake clock. */
class Member implements AdmissionMember {
  readonly device: { readonly id: string };
  serving = true;
  heldAt: number | null = null;
  holds = 0;
  admits = 0;
  constructor(id: string, readonly clock: { now: number }) {
    this.device = { id };
  }
  hold(): void {
    this.heldAt = this.clock.now;
    this.holds++;
  }
  admit(): void {
    this.heldAt = null;
    this.admits++;
  }
  heldSkips(): number {
    // One group every second.
    return this.heldAt === null ? 0 : Math.floor((this.clock.now - this.heldAt) / 1_000);
  }
}

const SETTINGS: AdmissionSettings = {
  lateMs: 200,
  lateShare: 0.05,
  windowMs: 1_000,
  overWindows: 3,
  shedStep: 2,
  admitAfterMs: 5_000,
};

function fleet(n: number, settings: Partial<AdmissionSettings> = {}) {
  const clock = { now: 0 };
  const members = Array.from({ length: n }, (_, i) => new Member(`d${i}`, clock));
  const logs: { level: string; message: string }[] = [];
  const admission = new Admission(
    members,
    { ...SETTINGS, ...settings },
    (level, message) => logs.push({ level, message }),
  );
  const UNDER = { over: false, lagMs: 5, limitMs: 200 };
  const OVER = { over: true, lagMs: 450, limitMs: 200 };
  /** One window: `started` polls of which `late` started late, then the judgement. */
  const window = (lag = UNDER, started = 0, late = 0) => {
    for (let i = 0; i < started; i++) admission.pollDue(i < late ? 900 : 3);
    clock.now += 1_000;
    admission.evaluate(clock.now, lag);
  };
  const held = () => members.filter((m) => m.heldAt !== null).map((m) => m.device.id);
  return { clock, members, logs, admission, window, held, UNDER, OVER };
}

Deno.test("Admission: over capacity, the last admitted devices are held back, a few at a time, after a sustained overload", () => {
  const { admission, window, held, logs, OVER } = fleet(10);
  // Two windows over: not yet (handshakes are held back first).
  window(OVER);
  window(OVER);
  assert.deepEqual(held(), []);
  assert.equal(admission.over, true);
  // The third: the last two in configuration order.
  window(OVER);
  assert.deepEqual(held(), ["d8", "d9"]);
  // The next window waits for the effect of that step.
  window(OVER);
  assert.deepEqual(held(), ["d8", "d9"]);
  window(OVER);
  assert.deepEqual(held(), ["d6", "d7", "d8", "d9"]);
  assert.deepEqual(admission.stats(), {
    devices: 10,
    admitted: 6,
    heldBack: 4,
    mostHeldBack: 4,
    shed: 4,
    readmitted: 0,
    skippedWhileHeld: 4, // d8 and d9 held for 2 s, one group every second: 2 each
    over: true,
  });
  const steps = logs.filter((l) => l.level === "info").map((l) => l.message);
  assert.deepEqual(steps, [
    "admission: 2 devices held back (d8 … d9, 2 of them connected): the event loop runs 450 ms late (limit 200 ms); 8 of 10 admitted",
    "admission: 2 devices held back (d6 … d7, 2 of them connected): the event loop runs 450 ms late (limit 200 ms); 6 of 10 admitted",
  ]);
});

Deno.test("Admission: late polls count as over capacity; devices without a connection at the top are held back for free", () => {
  const { admission, members, window, held, logs, UNDER } = fleet(10);
  // d5..d9 are still waiting for their handshakes, d4 too; d3 is connected.
  for (const m of members.slice(4)) m.serving = false;
  // 30 polls, 3 of them late (10 %: over 5 %), the event loop on time.
  for (let i = 0; i < 3; i++) window(UNDER, 30, 3);
  // Two connected devices (d3, d2) and every device without a connection above them.
  assert.deepEqual(held(), ["d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9"]);
  assert.equal(admission.stats().admitted, 2);
  assert.match(
    logs.find((l) => l.level === "info")!.message,
    /^admission: 8 devices held back \(d2 … d9, 2 of them connected\): 10 % of the last window's polls started more than 200 ms late \(limit 5 %\); 2 of 10 admitted$/,
  );
  // One device always stays admitted, however late the polls.
  for (let i = 0; i < 20; i++) window(UNDER, 30, 30);
  assert.equal(admission.stats().admitted, 1);
  assert.equal(members[0]!.heldAt, null);
});

Deno.test("Admission: with headroom, held-back devices are admitted again one by one, the first configured first", () => {
  const { admission, members, window, held, logs, OVER, UNDER } = fleet(6, { shedStep: 3 });
  for (let i = 0; i < 3; i++) window(OVER);
  assert.deepEqual(held(), ["d3", "d4", "d5"]);
  // Between half the limit and the limit: not over, no headroom either (hysteresis).
  for (let i = 0; i < 10; i++) window({ over: false, lagMs: 150, limitMs: 200 });
  assert.deepEqual(held(), ["d3", "d4", "d5"]);
  // Headroom: late polls under half the share (2 %), the lag under half the limit.
  for (let i = 0; i < 4; i++) window(UNDER, 50, 1);
  assert.deepEqual(held(), ["d3", "d4", "d5"]);
  window(UNDER, 50, 1); // 5 s of headroom
  assert.deepEqual(held(), ["d4", "d5"]);
  assert.equal(members[3]!.admits, 1);
  // The next one after as long again.
  for (let i = 0; i < 4; i++) window(UNDER);
  assert.deepEqual(held(), ["d4", "d5"]);
  window(UNDER);
  assert.deepEqual(held(), ["d5"]);
  // Over again: nothing admitted, the last admitted held back first (LIFO).
  for (let i = 0; i < 3; i++) window(OVER);
  assert.deepEqual(held(), ["d2", "d3", "d4", "d5"]);
  // d4 was one too many: the next admission waits twice as long (10 s), then each one that
  // follows another halves the wait back (10 s, 5 s, 5 s).
  for (let i = 0; i < 9; i++) window(UNDER);
  assert.deepEqual(held(), ["d2", "d3", "d4", "d5"]);
  window(UNDER);
  assert.deepEqual(held(), ["d3", "d4", "d5"]);
  for (let i = 0; i < 10; i++) window(UNDER);
  assert.deepEqual(held(), ["d4", "d5"]);
  for (let i = 0; i < 5; i++) window(UNDER);
  assert.deepEqual(held(), ["d5"]);
  for (let i = 0; i < 5; i++) window(UNDER);
  assert.deepEqual(held(), []);
  const admitted = logs.filter((l) => / admitted again /.test(l.message)).map((l) =>
    /^admission: (d\d) /.exec(l.message)![1]
  );
  assert.deepEqual(admitted, ["d3", "d4", "d2", "d3", "d4", "d5"]);
  assert.equal(admission.stats().readmitted, 6);
  // All admitted again: the most held back at once stays in the counters.
  assert.equal(admission.stats().heldBack, 0);
  assert.ok(admission.stats().mostHeldBack >= 4, JSON.stringify(admission.stats()));
  assert.deepEqual(
    logs.filter((l) => / admitted again /.test(l.message)).map((l) => l.message),
    [
      "admission: d3 admitted again after 5 s with headroom; 4 of 6 admitted",
      "admission: d4 admitted again after 5 s with headroom; 5 of 6 admitted",
      "admission: d2 admitted again after 10 s with headroom; 3 of 6 admitted",
      "admission: d3 admitted again after 10 s with headroom; 4 of 6 admitted",
      "admission: d4 admitted again after 5 s with headroom; 5 of 6 admitted",
      "admission: d5 admitted again after 5 s with headroom; 6 of 6 admitted",
    ],
  );
});

Deno.test("Admission: a healthy process holds nothing back: a few late polls, a short spike, small samples", () => {
  const { admission, window, held, logs, OVER, UNDER } = fleet(10);
  for (let round = 0; round < 100; round++) {
    window(UNDER, 100, 4); // 4 % late: under the 5 % limit
    window(UNDER, 10, 10); // every poll late, but 10 polls say nothing
    if (round % 10 === 0) {
      window(OVER); // a spike of two windows
      window(OVER);
    }
  }
  assert.deepEqual(held(), []);
  assert.equal(admission.stats().shed, 0);
  assert.deepEqual(logs, []);
});

Deno.test("Admission: while devices are held back, a warning at most once a minute says how many, from which one and why", () => {
  const { window, logs, OVER, UNDER } = fleet(4, { shedStep: 1, admitAfterMs: 600_000 });
  for (let i = 0; i < 3; i++) window(OVER);
  for (let i = 0; i < 119; i++) window(UNDER);
  const warnings = logs.filter((l) => l.level === "warn").map((l) => l.message);
  assert.equal(warnings.length, 2, JSON.stringify(warnings));
  assert.equal(
    warnings[0],
    "over capacity: 1 of 4 devices held back (the last in configuration order, from d3) because the event loop runs 450 ms late (limit 200 ms); they do not poll and hold no connection (0 due polls skipped so far); no device is admitted while over capacity; warned at most once a minute",
  );
  assert.match(
    warnings[1]!,
    /^over capacity: 1 of 4 devices held back .* \(60 due polls skipped so far\); one is admitted again after each 600 s with headroom; warned at most once a minute$/,
  );
});

Deno.test("Admission: by default a step holds back a twentieth of the connected devices, up to a tenth when most polls are late", () => {
  const lag = fleet(100, { shedStep: 0 });
  for (let i = 0; i < 3; i++) lag.window(lag.OVER);
  assert.equal(lag.admission.stats().heldBack, 5);
  const late = fleet(100, { shedStep: 0 });
  for (let i = 0; i < 3; i++) late.window(late.UNDER, 100, 100);
  assert.equal(late.admission.stats().heldBack, 10);
  const some = fleet(100, { shedStep: 0 });
  for (let i = 0; i < 3; i++) some.window(some.UNDER, 100, 60); // 60 % late: 7.5 %
  assert.equal(some.admission.stats().heldBack, 8);
});

Deno.test("Admission: windows in which first handshakes ran are not judged; over capacity is judged again once they stop", () => {
  const { admission, window, held, OVER } = fleet(10);
  const CONNECTING = { ...OVER, connecting: true };
  // A long connect storm: the event loop late, most polls late; nothing held back.
  for (let i = 0; i < 10; i++) window(CONNECTING, 40, 30);
  assert.deepEqual(held(), []);
  assert.equal(admission.over, false);
  assert.equal(admission.stats().shed, 0);
  // A window of handshakes breaks a run of windows over capacity.
  window(OVER);
  window(OVER);
  window(CONNECTING);
  window(OVER);
  window(OVER);
  assert.deepEqual(held(), []);
  // Handshakes held back (by the load gate) and the process still late: judged as before.
  window(OVER);
  assert.deepEqual(held(), ["d8", "d9"]);
});

Deno.test("connectPhaseVerdict: first handshakes pause the judgement only while the connect phase converges and no device is held back", () => {
  const converging = {
    heldBack: 0,
    sinceTimeoutMs: Infinity,
    sinceStartMs: 10_000,
    windowMs: 1_000,
    overWindows: 3,
    graceMs: 60_000,
  };
  assert.equal(connectPhaseVerdict(converging), "pause");
  // A handshake timed out within the last overWindows + 1 windows; later, the pause is back.
  assert.equal(
    connectPhaseVerdict({ ...converging, sinceTimeoutMs: 4_000 }),
    "handshake timed out",
  );
  assert.equal(connectPhaseVerdict({ ...converging, sinceTimeoutMs: 4_001 }), "pause");
  // The grace ran out.
  assert.equal(connectPhaseVerdict({ ...converging, sinceStartMs: 60_000 }), "grace over");
  // Devices are held back: the process was found over capacity, the handshakes that follow
  // (devices admitted and not yet connected) no longer pause the walk down.
  assert.equal(connectPhaseVerdict({ ...converging, heldBack: 1 }), "held back");
  // Whether the connect phase converges does not depend on devices held back (the executor
  // says once why it judges while devices connect).
  assert.equal(
    connectPhaseVerdict({ ...converging, heldBack: 1, sinceTimeoutMs: 4_000 }),
    "handshake timed out",
  );
  assert.equal(
    connectPhaseVerdict({ ...converging, heldBack: 1, sinceStartMs: 60_000 }),
    "grace over",
  );
});
