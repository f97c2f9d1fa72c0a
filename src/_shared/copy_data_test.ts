import assert from "node:assert/strict";
import { copyData, deepFreeze } from "./copy_data.ts";

Deno.test("copyData copies plain objects and arrays deeply, own __proto__ keys kept", () => {
  const original = JSON.parse('{"a": [1, {"b": "x"}], "__proto__": {"polluted": true}, "n": null}');
  const copy = copyData(original);
  assert.deepEqual(copy, original);
  assert.notEqual(copy, original);
  assert.notEqual(copy.a, original.a);
  assert.notEqual(copy.a[1], original.a[1]);
  assert.ok(Object.hasOwn(copy, "__proto__"));
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("copyData keeps primitives and functions, clones other objects, keeps what cannot be cloned", () => {
  const fn = () => 1;
  assert.equal(copyData(fn), fn);
  assert.equal(copyData("text"), "text");
  const when = new Date(5);
  const date = copyData({ when }).when;
  assert.notEqual(date, when);
  assert.equal(date.getTime(), 5);
  const bytes = copyData(Uint8Array.of(1, 2));
  assert.deepEqual([...bytes], [1, 2]);
  // structuredClone refuses a URL: it is kept as it is rather than throwing.
  const url = new URL("https://example.invalid/x");
  assert.equal(copyData({ url }).url, url);
  // A null-prototype object is plain data too.
  const bare = Object.assign(Object.create(null), { k: [1] });
  const copied = copyData(bare);
  assert.deepEqual({ ...copied }, { k: [1] });
  assert.notEqual(copied.k, bare.k);
});

Deno.test("deepFreeze freezes every object inside, keeps primitives, ends on a cycle", () => {
  const cycle: Record<string, unknown> = { list: [1, { x: 2 }] };
  cycle.self = cycle;
  assert.equal(deepFreeze(cycle), cycle);
  assert.ok(Object.isFrozen(cycle));
  assert.ok(Object.isFrozen(cycle.list));
  assert.ok(Object.isFrozen((cycle.list as object[])[1]));
  assert.equal(deepFreeze(3), 3);
  assert.equal(deepFreeze(null), null);
});
