import assert from "node:assert/strict";
import { linkedSignal } from "./linked_signal.ts";

Deno.test("linkedSignal aborts with the reason of whichever source aborts first", () => {
  for (const first of [0, 1]) {
    const sources = [new AbortController(), new AbortController()];
    const linked = linkedSignal(sources[0]!.signal, sources[1]!.signal);
    assert.equal(linked.signal.aborted, false);
    sources[first]!.abort(new Error(`source ${first}`));
    assert.equal(linked.signal.aborted, true);
    assert.equal((linked.signal.reason as Error).message, `source ${first}`);
    sources[1 - first]!.abort(new Error("later"));
    assert.equal((linked.signal.reason as Error).message, `source ${first}`);
    linked.dispose();
  }
});

Deno.test("linkedSignal is aborted at once when a source already is", () => {
  const a = new AbortController();
  a.abort(new Error("gone"));
  const linked = linkedSignal(new AbortController().signal, a.signal);
  assert.equal(linked.signal.aborted, true);
  assert.equal((linked.signal.reason as Error).message, "gone");
  linked.dispose();
});

Deno.test("linkedSignal, once disposed, no longer hears its sources", () => {
  const a = new AbortController();
  const b = new AbortController();
  const linked = linkedSignal(a.signal, b.signal);
  linked.dispose();
  a.abort();
  b.abort();
  assert.equal(linked.signal.aborted, false);
});

Deno.test("linkedSignal leaves nothing behind in a long-lived source, unlike AbortSignal.any", () => {
  // A source that lives as long as a device, joined once per request.
  const source = new AbortController();
  const other = new AbortController();
  for (let i = 0; i < 1_000; i++) linkedSignal(source.signal, other.signal).dispose();
  assert.equal(retainedDependents(source.signal) ?? 0, 0);
  // What it replaces: on this Deno every joined signal stays in the source's dependent set.
  const kept = new AbortController();
  for (let i = 0; i < 1_000; i++) AbortSignal.any([kept.signal, other.signal]);
  assert.equal(retainedDependents(kept.signal), 1_000);
});

/** The size of Deno's internal dependent set of a signal, or null where there is none. */
function retainedDependents(signal: AbortSignal): number | null {
  for (const symbol of Object.getOwnPropertySymbols(signal)) {
    if (symbol.description !== "[[dependentSignals]]") continue;
    const set = (signal as unknown as Record<symbol, { size?: unknown } | undefined>)[symbol];
    if (typeof set?.size === "number") return set.size;
  }
  return null;
}
