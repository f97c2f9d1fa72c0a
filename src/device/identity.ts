import type { FieldValue } from "../parser/block_schema.ts";

/**
 * What a plugin finds out about a station from its latest decoded blocks: model, serial and
 * firmware, raw. The device state trims text and turns empty text, an all-zero serial and
 * absent values into null.
 *
 * @example
 * ```ts
 * import type { IdentityFields } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const found: IdentityFields = { model: " X1 ", serial: "000", firmware: null };
 * assert.equal(found.model, " X1 ");
 * ```
 */
export interface IdentityFields {
  /** The model name as read, or undefined. */
  readonly model?: FieldValue | undefined;
  /** The serial number as read (text or number), or undefined. */
  readonly serial?: FieldValue | undefined;
  /** Software versions by module (`{ "module_1": 10047 }`), or null. */
  readonly firmware?: Readonly<Record<string, number>> | null | undefined;
}

/**
 * A plugin's identity extraction: given the latest values of each block read so far, which
 * field says the model, the serial and the firmware. Each plugin brings its own; the device
 * state never names a block.
 *
 * @example A vendor whose block 7 holds the model and serial
 * ```ts
 * import type { IdentityExtractor } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const identify: IdentityExtractor = (block) => ({
 *   model: block(7)?.["model"],
 *   serial: block(7)?.["sn"],
 * });
 * assert.deepEqual(identify((id) => id === 7 ? { model: "T1", sn: "42" } : undefined), {
 *   model: "T1",
 *   serial: "42",
 * });
 * ```
 */
export type IdentityExtractor = (
  block: (id: number) => Readonly<Record<string, FieldValue>> | undefined,
) => IdentityFields;
