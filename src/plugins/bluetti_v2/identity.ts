import type { FieldValue } from "../../parser/block_schema.ts";
import type { IdentityExtractor, IdentityFields } from "../../device/identity.ts";

/**
 * Who a BLUETTI V2 station is. Model: block 100 `device_model`, else block 1100 `inv_type`.
 * Serial: block 100 `device_serial`, else block 1100 `inv_sn`. Firmware: block 1100's
 * software entries `software_<i>_module_id` -> `software_<i>_version` for i below
 * `software_number` with a non-zero module id and a version, as `{ "module_<id>": version }`.
 * Empty text and an all-zero serial count as absent, so the next source is tried.
 *
 * @example
 * ```ts
 * import { bluettiV2Identity } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const blocks: Record<number, Record<string, string | number>> = {
 *   100: { device_model: "", device_serial: "0" },
 *   1100: { inv_type: "EL100V2", inv_sn: "2345000012345", software_number: 0 },
 * };
 * assert.deepEqual(bluettiV2Identity((id) => blocks[id]), {
 *   model: "EL100V2",
 *   serial: "2345000012345",
 *   firmware: null,
 * });
 * ```
 */
export const bluettiV2Identity: IdentityExtractor = (block): IdentityFields => {
  const home = block(100);
  const inverter = block(1100);
  return {
    model: present(home?.["device_model"]) ?? inverter?.["inv_type"],
    serial: presentSerial(home?.["device_serial"]) ?? inverter?.["inv_sn"],
    firmware: firmware(inverter),
  };
};

function present(value: FieldValue | undefined): FieldValue | undefined {
  return typeof value === "string" && value.trim() === "" ? undefined : value ?? undefined;
}

function presentSerial(value: FieldValue | undefined): FieldValue | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : undefined;
  const found = present(value);
  return typeof found === "string" && /^0+$/.test(found.trim()) ? undefined : found;
}

function firmware(
  values: Readonly<Record<string, FieldValue>> | undefined,
): Readonly<Record<string, number>> | null {
  const count = values?.["software_number"];
  if (values === undefined || typeof count !== "number") return null;
  const modules: Record<string, number> = {};
  let found = false;
  for (let i = 0; i < count; i++) {
    const id = values[`software_${i}_module_id`];
    const version = values[`software_${i}_version`];
    if (id === undefined) break;
    if (typeof id !== "number" || id === 0 || typeof version !== "number") continue;
    const key = `module_${id}`;
    if (Object.hasOwn(modules, key)) continue;
    modules[key] = version;
    found = true;
  }
  return found ? Object.freeze(modules) : null;
}
