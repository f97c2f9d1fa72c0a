/**
 * A deep copy of plain data: objects and arrays are copied (an own `__proto__` key stays an own
 * property, as `structuredClone` keeps it), primitives and functions are kept as they are, any
 * other object (a Date, a Map, a typed array) is copied by `structuredClone`, or kept as it is
 * when it cannot be cloned (a class instance holding a function). For copying a
 * configuration or a JSON Schema without loading the structured clone machinery, whose first
 * call costs about a millisecond. And deep freezing (block definitions, decoded values, a
 * loaded configuration). Private to the package.
 *
 * @module
 */

/**
 * A deep copy of `value`.
 *
 * @param value Plain data.
 * @returns Its copy.
 *
 * @example
 * ```ts
 * import { copyData } from "./copy_data.ts";
 * import assert from "node:assert/strict";
 *
 * const original = { groups: ["core", { name: "grid" }] };
 * const copy = copyData(original);
 * assert.deepEqual(copy, original);
 * assert.notEqual(copy.groups[1], original.groups[1]);
 * ```
 */
export function copyData<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(copyData) as T;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return cloned(value);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // Defined, not assigned: a `__proto__` key stays an own property.
    Object.defineProperty(out, key, {
      value: copyData(child),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}

/** `structuredClone(value)`, or `value` itself when it cannot be cloned. */
function cloned<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

/**
 * Freeze `value` and, recursively, every object it holds (an object already frozen is taken as
 * frozen through, which also ends a cycle).
 *
 * @param value Anything; a primitive is returned as it is.
 * @returns `value`.
 *
 * @example
 * ```ts
 * import { deepFreeze } from "./copy_data.ts";
 * import assert from "node:assert/strict";
 *
 * const value = deepFreeze({ a: [{ b: 1 }] });
 * assert.ok(Object.isFrozen(value.a[0]));
 * ```
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
