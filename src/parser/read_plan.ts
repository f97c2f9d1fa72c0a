import type { RegisterField, RegisterMap } from "./register_map.ts";

/**
 * One read of a plan: `quantity` registers from `start`, and where each field sits in them.
 *
 * @example
 * ```ts
 * import type { ReadStep } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const step: ReadStep = { start: 51002, quantity: 3, fields: [{ name: "soc", offset: 2 }] };
 * assert.equal(step.fields[0]!.offset, 2);
 * ```
 */
export interface ReadStep {
  /** First register. */
  readonly start: number;
  /** Registers to read. */
  readonly quantity: number;
  /** Fields in this read, with their offset in registers from `start`. */
  readonly fields: readonly { readonly name: string; readonly offset: number }[];
}

/**
 * Plans the reads that fetch `names` from a device described by `map`, never asking for an
 * address the device does not serve (a Modbus TCP station may not answer such a read at all):
 * fields in address order are merged into one read while the whole read stays inside one
 * served range and within `max_span`; fields marked `isolated` (or all of them with
 * `isolate_all`) are read alone.
 *
 * @param map The device's register map.
 * @param names Field names (duplicates ignored).
 * @returns The reads, in address order.
 * @throws {SchemaDefinitionError} `SCHEMA_INVALID_FIELD` for an unknown name.
 *
 * @example A gap the device does not serve splits the read
 * ```ts
 * import { compileRegisterMap, planReads } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const map = compileRegisterMap({
 *   id: "M",
 *   served: [[0, 3], [5, 9]],
 *   max_span: 20,
 *   fields: [
 *     { name: "a", address: 0, type: "uint16" },
 *     { name: "b", address: 3, type: "uint16" },
 *     { name: "c", address: 5, type: "uint32_lw" },
 *   ],
 *   groups: {},
 * });
 * const plan = planReads(map, ["a", "b", "c"]);
 * assert.deepEqual(plan.map((s) => [s.start, s.quantity]), [[0, 4], [5, 2]]);
 * ```
 */
export function planReads(map: RegisterMap, names: readonly string[]): ReadStep[] {
  const fields = [...new Set(names)].map((n) => map.field(n)).sort((a, b) => a.address - b.address);
  const steps: ReadStep[] = [];
  let current: { start: number; end: number; fields: RegisterField[] } | null = null;
  const flush = () => {
    if (current === null) return;
    const { start } = current;
    steps.push({
      start,
      quantity: current.end - start,
      fields: current.fields.map((f) => ({ name: f.name, offset: f.address - start })),
    });
    current = null;
  };
  for (const field of fields) {
    const alone = map.def.isolate_all === true || field.def.isolated === true;
    const end = field.address + field.registers;
    if (
      current !== null && !alone && !current.fields.some((f) => isAlone(map, f)) &&
      map.serves(current.start, Math.max(current.end, end) - current.start) &&
      Math.max(current.end, end) - current.start <= map.def.max_span
    ) {
      current.end = Math.max(current.end, end);
      current.fields.push(field);
      continue;
    }
    flush();
    current = { start: field.address, end, fields: [field] };
  }
  flush();
  return steps;
}

function isAlone(map: RegisterMap, field: RegisterField): boolean {
  return map.def.isolate_all === true || field.def.isolated === true;
}
