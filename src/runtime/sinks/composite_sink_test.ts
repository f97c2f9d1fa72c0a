import assert from "node:assert/strict";
import { CompositeSink } from "./composite_sink.ts";
import { MemorySink } from "./memory_sink.ts";
import { makeSnapshot, RecordingSink } from "./_test_utils.ts";
import type { Sink } from "../types.ts";

Deno.test("CompositeSink keeps writing to the other children when one fails", async () => {
  const a = new RecordingSink("a");
  const broken = new RecordingSink("broken", new Error("disk full"));
  const c = new MemorySink("c");
  const reported: string[] = [];
  const sink = new CompositeSink("all", [a, broken, c], {
    onError: (child, error) => reported.push(`${child.name}: ${(error as Error).message}`),
  });
  const snapshots = [0, 1, 2].map((seq) => makeSnapshot({ seq }));
  for (const snapshot of snapshots) await sink.write(snapshot);
  assert.deepEqual(a.written, snapshots);
  assert.deepEqual(c.snapshots("living_room_battery"), snapshots);
  assert.deepEqual(reported, ["broken: disk full", "broken: disk full", "broken: disk full"]);
  await sink.flush();
  await sink.close();
  assert.deepEqual(a.calls, ["write", "write", "write", "flush", "close"]);
  assert.deepEqual(broken.calls, ["write", "write", "write", "flush", "close"]);
});

Deno.test("CompositeSink writes to its children concurrently", async () => {
  const slow = new RecordingSink("slow");
  let release!: () => void;
  slow.gate = new Promise((resolve) => release = resolve);
  const fast = new RecordingSink("fast");
  const sink = new CompositeSink("all", [slow, fast]);
  const done = sink.write(makeSnapshot());
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(fast.written.length, 1);
  assert.equal(slow.written.length, 0);
  release();
  await done;
  assert.equal(slow.written.length, 1);
});

Deno.test("CompositeSink rejects with an AggregateError when every child fails", async () => {
  const reported: string[] = [];
  const sink = new CompositeSink("all", [
    new RecordingSink("a", new Error("one")),
    new RecordingSink("b", new Error("two")),
  ], { onError: (child) => reported.push(child.name) });
  await assert.rejects(sink.write(makeSnapshot()), (error: unknown) => {
    assert.ok(error instanceof AggregateError);
    assert.equal(
      error.message,
      "Cannot write to composite sink 'all' as all 2 children failed: a: one; b: two",
    );
    assert.deepEqual(error.errors.map((e: Error) => e.message), ["one", "two"]);
    return true;
  });
  assert.deepEqual(reported, ["a", "b"]);
  await assert.rejects(sink.close(), /Cannot close composite sink 'all'/);
});

Deno.test("CompositeSink catches a child that throws synchronously and an onError that throws", async () => {
  const throwing: Sink = {
    name: "sync",
    write: () => {
      throw new Error("sync boom");
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const ok = new RecordingSink("ok");
  const sink = new CompositeSink("all", [throwing, ok], {
    onError: () => {
      throw new Error("reporter broke");
    },
  });
  await sink.write(makeSnapshot());
  assert.equal(ok.written.length, 1);
});

Deno.test("CompositeSink reports to console.error by default", async () => {
  const original = console.error;
  const printed: unknown[] = [];
  console.error = (...args: unknown[]) => printed.push(...args);
  try {
    const sink = new CompositeSink("all", [
      new RecordingSink("a", new Error("nope")),
      new RecordingSink("b"),
    ]);
    await sink.write(makeSnapshot());
  } finally {
    console.error = original;
  }
  assert.deepEqual(printed, ["Sink 'all': child sink 'a' failed: nope"]);
});

Deno.test("CompositeSink with no children accepts writes", async () => {
  // "All children failed" must not be read as 0 failures of 0 children.
  const reported: string[] = [];
  const sink = new CompositeSink("none", [], {
    onError: (child) => reported.push(child.name),
  });
  assert.deepEqual(sink.children, []);
  const outcomes = await Promise.allSettled([
    sink.write(makeSnapshot()),
    sink.flush(),
    sink.close(),
  ]);
  assert.deepEqual(outcomes, [
    { status: "fulfilled", value: undefined },
    { status: "fulfilled", value: undefined },
    { status: "fulfilled", value: undefined },
  ]);
  assert.deepEqual(reported, []);
});

Deno.test("CompositeSink nests and its children are frozen", async () => {
  const leaf = new MemorySink("leaf");
  const inner = new CompositeSink("inner", [leaf]);
  const list: Sink[] = [inner];
  const outer = new CompositeSink("outer", list);
  list.push(new MemorySink("later"));
  assert.equal(outer.children.length, 1);
  assert.ok(Object.isFrozen(outer.children));
  await outer.write(makeSnapshot());
  assert.equal(leaf.snapshots("living_room_battery").length, 1);
});

Deno.test("CompositeSink refuses a cycle with a TypeError naming it", () => {
  // A fan-out sink of its own, whose children can change after the composite was made.
  let target: Sink | null = null;
  const relay = {
    name: "relay",
    get children(): Sink[] {
      return target ? [target] : [];
    },
    write: () => Promise.resolve(),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const a = new CompositeSink("a", [relay]);
  target = a; // now a → relay → a
  assert.throws(
    () => new CompositeSink("top", [a]),
    (error: unknown) =>
      error instanceof TypeError &&
      error.message ===
        "Cannot create composite sink 'top' as its sinks form a cycle: a → relay → a",
  );

  const x: Sink & { children: Sink[] } = {
    name: "x",
    children: [],
    write: () => Promise.resolve(),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  x.children.push(x);
  assert.throws(() => new CompositeSink("b", [x]), /form a cycle: x → x/);
});

Deno.test("CompositeSink allows the same sink under two branches (no cycle)", () => {
  const shared = new MemorySink("shared");
  const left = new CompositeSink("left", [shared]);
  const right = new CompositeSink("right", [shared]);
  assert.equal(new CompositeSink("top", [left, right]).children.length, 2);
});

Deno.test("CompositeSink refuses a child listed twice or that is not a sink", () => {
  const m = new MemorySink("m");
  assert.throws(() => new CompositeSink("c", [m, m]), /sink 'm' is listed twice/);
  assert.throws(
    () => new CompositeSink("c", [{ name: "half" } as unknown as Sink]),
    /child 0 is not a sink/,
  );
});
