import assert from "node:assert/strict";
import { SchemaRegistry } from "../parser/registry.ts";
import type { ControlRegisterDef } from "../device/control_register.ts";
import { controlValue, planControlReads } from "./_control_reads.ts";

const def = (register: number, name = `r${register}`): ControlRegisterDef => ({
  register,
  name,
  kind: "number",
  dangerous: false,
  description: name,
  function: 0x06,
});

// A control block at 2000 spanning 22 registers (2000..2021), and one at 2200 (2200..2215).
const REGISTRY = new SchemaRegistry([
  {
    id: 2000,
    name: "CONTROL_A",
    minLength: 44,
    fields: [{ name: "a", offset: 0, type: "uint16" }],
  },
  {
    id: 2200,
    name: "CONTROL_B",
    minLength: 32,
    fields: [{ name: "b", offset: 0, type: "uint16" }],
  },
]);

Deno.test("planControlReads reads the controls of one block in one run, others alone, singles between runs", () => {
  const defs = [2011, 2012, 2015, 2021, 2023, 2206, 2208, 2215, 2233].map((r) => def(r));
  const reads = planControlReads(defs, REGISTRY);
  assert.deepEqual(
    reads.map((r) => [r.start, r.quantity, r.controls.map((c) => c.register)]),
    [
      [2023, 1, [2023]],
      [2011, 11, [2011, 2012, 2015, 2021]],
      [2233, 1, [2233]],
      [2206, 10, [2206, 2208, 2215]],
    ],
  );
});

Deno.test("planControlReads: one control in a block is a one-register read; more singles than runs end the list", () => {
  const reads = planControlReads([def(2300), def(2012), def(2400), def(2206)], REGISTRY);
  assert.deepEqual(reads.map((r) => [r.start, r.quantity]), [
    [2012, 1],
    [2206, 1],
    [2300, 1],
    [2400, 1],
  ]);
});

Deno.test("planControlReads without blocks reads every register alone", () => {
  const reads = planControlReads([def(7), def(3)], new SchemaRegistry([]));
  assert.deepEqual(reads.map((r) => [r.start, r.quantity]), [[3, 1], [7, 1]]);
});

Deno.test("controlValue gives labels, numbers, and null for a value without a label", () => {
  const ac: ControlRegisterDef = {
    ...def(2011, "ac_output"),
    kind: "switch",
    values: { on: 1, off: 0 },
  };
  assert.equal(controlValue(ac, 1), "on");
  assert.equal(controlValue(ac, 0), "off");
  assert.equal(controlValue(ac, 7), null);
  assert.equal(controlValue(def(2022), 95), 95);
});
