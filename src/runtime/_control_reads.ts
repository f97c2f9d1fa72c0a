// How the runtime reads the current value of controls in few requests: the control registers
// that sit in one block of the registry are read as one run (first to last, the registers
// between them included: the block says the station serves them); a register outside every
// block is read alone. Private to src/runtime.
import type { ControlRegisterDef } from "../device/control_register.ts";
import type { SchemaRegistry } from "../parser/registry.ts";

/** One read: `quantity` registers from `start`, and the controls found in it. */
export interface ControlRead {
  readonly start: number;
  readonly quantity: number;
  readonly controls: readonly ControlRegisterDef[];
}

/**
 * The reads that cover `defs`. Single-register reads are put between longer ones where there
 * are: two replies to one-register reads holding the same value are byte-identical, and a
 * transport drops a repeat of the reply it just took (docs/reliability.md).
 */
export function planControlReads(
  defs: readonly ControlRegisterDef[],
  registry: SchemaRegistry,
): ControlRead[] {
  const blocks = registry.list();
  const byBlock = new Map<number, ControlRegisterDef[]>();
  const singles: ControlRead[] = [];
  for (const def of defs) {
    const block = blocks.find((schema) =>
      def.register >= schema.id && def.register < schema.id + schema.registerCount
    );
    if (block === undefined) {
      singles.push({ start: def.register, quantity: 1, controls: [def] });
      continue;
    }
    const list = byBlock.get(block.id) ?? [];
    list.push(def);
    byBlock.set(block.id, list);
  }
  const runs: ControlRead[] = [];
  for (const list of byBlock.values()) {
    const registers = list.map((def) => def.register);
    const start = Math.min(...registers);
    const end = Math.max(...registers);
    // One Modbus read holds at most 125 registers: split a wider block.
    for (let from = start; from <= end; from += 125) {
      const to = Math.min(end, from + 124);
      const controls = list.filter((def) => def.register >= from && def.register <= to);
      if (controls.length === 0) continue;
      const first = Math.min(...controls.map((def) => def.register));
      const last = Math.max(...controls.map((def) => def.register));
      (last === first ? singles : runs).push({
        start: first,
        quantity: last - first + 1,
        controls,
      });
    }
  }
  runs.sort((a, b) => a.start - b.start);
  singles.sort((a, b) => a.start - b.start);
  const ordered: ControlRead[] = [];
  while (runs.length > 0 || singles.length > 0) {
    if (singles.length > 0) ordered.push(singles.shift()!);
    if (runs.length > 0) ordered.push(runs.shift()!);
  }
  return ordered;
}

/**
 * A control's value as published: the label of a switch or enum control, the number of a
 * number control; null for a value that matches none of the labels (never guessed).
 */
export function controlValue(def: ControlRegisterDef, raw: number): string | number | null {
  if (def.values === undefined) return raw;
  return Object.entries(def.values).find(([, value]) => value === raw)?.[0] ?? null;
}
