import assert from "node:assert/strict";
import {
  checkFaultRule,
  FAULT_KINDS,
  FaultSet,
  normalizeFaultSpec,
  parseFaultSpec,
  seededRandom,
} from "./faults.ts";

Deno.test("parseFaultSpec() parses the CLI example", () => {
  assert.deepEqual(
    parseFaultSpec("silent:0.1,crc:0.05,late:200ms,unsolicited:2000ms,exception:3"),
    [
      { kind: "silent", probability: 0.1 },
      { kind: "crc", probability: 0.05 },
      { kind: "late", delayMs: 200 },
      { kind: "unsolicited", intervalMs: 2000 },
      { kind: "exception", code: 3 },
    ],
  );
});

Deno.test("parseFaultSpec() reads probabilities, counts, durations and codes", () => {
  assert.deepEqual(parseFaultSpec(" silent : 25% , crc:1 , truncated:0 "), [
    { kind: "silent", probability: 0.25 },
    { kind: "crc", probability: 1 },
    { kind: "truncated", probability: 0 },
  ]);
  assert.deepEqual(parseFaultSpec("exception:6:2x:0.5"), [
    { kind: "exception", code: 6, count: 2, probability: 0.5 },
  ]);
  assert.deepEqual(parseFaultSpec("late:1.5s:3x"), [{ kind: "late", delayMs: 1500, count: 3 }]);
  assert.deepEqual(parseFaultSpec("disconnect:1x:5s"), [
    { kind: "disconnect", count: 1, downtimeMs: 5000 },
  ]);
  assert.deepEqual(parseFaultSpec("unsolicited:.5:500ms"), [
    { kind: "unsolicited", probability: 0.5, intervalMs: 500 },
  ]);
  assert.deepEqual(parseFaultSpec("exception:1.0"), [{ kind: "exception", probability: 1 }]);
  assert.deepEqual(parseFaultSpec("exception:1"), [{ kind: "exception", code: 1 }]);
  assert.deepEqual(parseFaultSpec(""), []);
  assert.deepEqual(parseFaultSpec("  "), []);
});

Deno.test("parseFaultSpec() errors name the bad token", () => {
  const cases: [string, RegExp, string][] = [
    [
      "slient",
      /unknown fault "slient" in rule "slient"; expected one of disconnect/,
      "SyntaxError",
    ],
    [
      "silent:2",
      /a bare number is a probability 0\.\.1 \(write 2x for a count\), got "2"/,
      "SyntaxError",
    ],
    ["late:fast", /got "fast" in rule "late:fast"/, "SyntaxError"],
    ["crc:200ms", /a crc fault takes no duration, got "200ms"/, "SyntaxError"],
    ["silent:0.1:0.2", /a second probability "0\.2" in rule "silent:0\.1:0\.2"/, "SyntaxError"],
    ["silent,,crc", /empty rule in "silent,,crc"/, "SyntaxError"],
    ["silent:1.5", /probability must be 0\.\.1, got "1\.5"/, "RangeError"],
    ["silent:150%", /probability must be 0\.\.100%, got "150%"/, "RangeError"],
    ["exception:300", /exception code must be 1\.\.255, got "300"/, "RangeError"],
    ["silent:0x", /count must be at least 1x, got "0x"/, "RangeError"],
    ["unsolicited:0ms", /interval must be at least 1ms, got "0ms"/, "RangeError"],
  ];
  for (const [spec, message, name] of cases) {
    assert.throws(() => parseFaultSpec(spec), { name, message }, spec);
  }
});

Deno.test("checkFaultRule() refuses fields the kind does not take and bad values", () => {
  assert.throws(() => checkFaultRule({ kind: "silent", delayMs: 5 }), {
    name: "TypeError",
    message: "Cannot add silent fault: 'delayMs' applies only to late faults",
  });
  assert.throws(() => checkFaultRule({ kind: "nope" as "silent" }), TypeError);
  assert.throws(() => checkFaultRule({ kind: "crc", probability: 2 }), RangeError);
  assert.throws(() => checkFaultRule({ kind: "crc", count: 0 }), RangeError);
  assert.throws(() => checkFaultRule({ kind: "exception", code: 0 }), RangeError);
  assert.deepEqual(checkFaultRule({ kind: "unsolicited" }), {
    kind: "unsolicited",
    intervalMs: 2000,
  });
  assert.deepEqual(normalizeFaultSpec({ kind: "late" }), [{ kind: "late" }]);
});

Deno.test("FaultSet.decide() applies faults in FAULT_KINDS order, terminal first", () => {
  const faults = new FaultSet(seededRandom(1));
  faults.add("crc,late:300ms,late:100ms,truncated,unsolicited:2x,exception:5");
  const first = faults.decide();
  assert.equal(first.terminal, "exception");
  assert.equal(first.exceptionCode, 5);
  assert.deepEqual(first.hits, ["exception"]);
  faults.clear("exception");
  const second = faults.decide();
  assert.equal(second.terminal, null);
  assert.deepEqual(second.hits, ["truncated", "crc", "late", "late", "unsolicited"]);
  assert.equal(second.delayMs, 300);
  assert.equal(second.unsolicited, 1);
  assert.ok(second.truncated && second.crc);
  assert.deepEqual(FAULT_KINDS.slice(0, 3), ["disconnect", "silent", "exception"]);
});

Deno.test("FaultSet counts down 'next N' rules and removes them", () => {
  const changes: number[] = [];
  const faults = new FaultSet(seededRandom(1), (rules) => changes.push(rules.length));
  faults.add({ kind: "silent", count: 2 });
  assert.deepEqual(faults.rules, [{ kind: "silent", count: 2 }]);
  assert.equal(faults.decide().terminal, "silent");
  assert.deepEqual(faults.rules, [{ kind: "silent", count: 1 }]);
  assert.equal(faults.decide().terminal, "silent");
  assert.deepEqual(faults.rules, []);
  assert.equal(faults.decide().terminal, null);
  assert.deepEqual(changes, [1, 0]);
});

Deno.test("FaultSet draws probabilities from the seeded generator", () => {
  const run = (seed: number) => {
    const faults = new FaultSet(seededRandom(seed));
    faults.add("silent:0.3");
    return Array.from({ length: 2000 }, () => faults.decide().terminal === "silent");
  };
  const a = run(7);
  assert.deepEqual(run(7), a);
  assert.notDeepEqual(run(8), a);
  const hits = a.filter(Boolean).length;
  assert.ok(hits > 500 && hits < 700, `${hits} of 2000 at p = 0.3`);
});

Deno.test("FaultSet: an interval-only unsolicited rule hits no request", () => {
  const faults = new FaultSet(seededRandom(1));
  faults.add("unsolicited:100ms");
  assert.equal(faults.decide().unsolicited, 0);
  faults.add("unsolicited:1x");
  assert.equal(faults.decide().unsolicited, 1);
  assert.equal(faults.decide().unsolicited, 0);
});

Deno.test("seededRandom() is uniform-ish in [0, 1)", () => {
  const random = seededRandom(123);
  let sum = 0;
  for (let i = 0; i < 10_000; i++) {
    const x = random();
    assert.ok(x >= 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
});

Deno.test("parseFaultSpec() knows duplicate, foreign and short, with probabilities and counts", () => {
  assert.deepEqual(parseFaultSpec("duplicate:0.3,foreign:30%,short:2x"), [
    { kind: "duplicate", probability: 0.3 },
    { kind: "foreign", probability: 0.3 },
    { kind: "short", count: 2 },
  ]);
  assert.throws(() => parseFaultSpec("duplicate:20ms"), {
    name: "SyntaxError",
    message: /a duplicate fault takes no duration/,
  });
});

Deno.test("FaultSet.decide() draws duplicate, foreign and short", () => {
  const set = new FaultSet(seededRandom(1));
  set.add("duplicate,foreign,short,short");
  const decision = set.decide();
  assert.equal(decision.duplicate, true);
  assert.equal(decision.foreign, 1);
  assert.equal(decision.short, 2);
  assert.deepEqual(decision.hits, ["duplicate", "foreign", "short", "short"]);
  assert.equal(decision.terminal, null);
});
