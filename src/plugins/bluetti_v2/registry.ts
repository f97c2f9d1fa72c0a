/**
 * The built-in BLUETTI V2 blocks as a ready {@linkcode SchemaRegistry}, with optional
 * per-profile field overrides (a device-dependent pack voltage scale).
 *
 * @module
 */
import { overrideFields } from "../../parser/override_fields.ts";
import { SchemaRegistry } from "../../parser/registry.ts";
import type { FieldOverrideDef } from "../../device/profile.ts";
import { BLUETTI_V2_BLOCKS } from "./blocks.ts";

/**
 * A new registry holding the 45 built-in BLUETTI V2 blocks, each instance its own.
 *
 * @param overrides Field overrides to apply (a profile's `fieldOverrides`).
 * @returns The registry.
 * @throws {SchemaDefinitionError} when an override names a field a block lacks.
 *
 * @example The app's 0.1 V pack voltage instead of the physical 0.01 V
 * ```ts
 * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const data = new Uint8Array(124);
 * data.set([0x14, 0xc1], 0);
 * assert.equal(createBluettiRegistry().require(100).decode(data).values.pack_voltage, 53.13);
 * const app = createBluettiRegistry([
 *   { block: 100, field: "pack_voltage", transforms: ["scale:0.1"] },
 * ]);
 * assert.equal(app.require(100).decode(data).values.pack_voltage, 531.3);
 * ```
 */
export function createBluettiRegistry(
  overrides: readonly FieldOverrideDef[] = [],
): SchemaRegistry {
  const byBlock = new Map<number, FieldOverrideDef[]>();
  for (const o of overrides) {
    if (!BLUETTI_V2_BLOCKS.some((b) => b.id === o.block)) {
      throw new RangeError(
        `Cannot override field '${o.field}' of block ${o.block}: no such built-in block`,
      );
    }
    byBlock.set(o.block, [...(byBlock.get(o.block) ?? []), o]);
  }
  return new SchemaRegistry(
    BLUETTI_V2_BLOCKS.map((def) => {
      const mine = byBlock.get(def.id);
      return mine ? overrideFields(def, mine) : def;
    }),
  );
}
