/**
 * The meaning of status and mode codes, as a plugin documents them for its fields.
 *
 * @module
 */

/**
 * The meaning of one field's codes: an enumeration (the value is one code) or a bitmap (each
 * set bit is one flag).
 *
 * @example An enumeration
 * ```ts
 * import type { FieldLabels } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const labels: FieldLabels = { kind: "enum", names: { 0: "off", 1: "on" }, source: "a manual" };
 * assert.equal(labels.names[1], "on");
 * ```
 */
export interface FieldLabels {
  /** `enum`: `names` maps a code to its name; `bitmap`: a bit index (0 = least) to its name. */
  readonly kind: "enum" | "bitmap";
  /** Code (or bit index) -> name. */
  readonly names: Readonly<Record<number, string>>;
  /** Where the meaning is documented. */
  readonly source: string;
}

/** Labels of a plugin's fields: block id -> field path -> labels. */
export type BlockLabels = Readonly<Record<number, Readonly<Record<string, FieldLabels>>>>;
