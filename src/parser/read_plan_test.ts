import assert from "node:assert/strict";
import { getLocalProfile, listLocalProfiles } from "../plugins/bluetti_local/registry.ts";
import { planReads } from "./read_plan.ts";
import { compileRegisterMap } from "./register_map.ts";

Deno.test("planReads() never spans an unserved address, for every local profile and field set", () => {
  for (const map of listLocalProfiles()) {
    const all = map.fields.map((f) => f.name);
    const groups = Object.values(map.def.groups).map((g) => g.fields);
    for (const names of [all, ...groups]) {
      const plan = planReads(map, names);
      const covered = new Set(plan.flatMap((s) => s.fields.map((f) => f.name)));
      assert.deepEqual([...covered].sort(), [...new Set(names)].sort(), map.id);
      for (const step of plan) {
        assert.ok(
          map.serves(step.start, step.quantity),
          `${map.id} ${step.start}+${step.quantity}`,
        );
        if (step.fields.length > 1) assert.ok(step.quantity <= map.def.max_span, map.id);
      }
    }
  }
});

Deno.test("planReads() reads every field alone on the portables and merges on a Balco 260", () => {
  const ac500 = planReads(getLocalProfile("AC500"), ["soc", "pack_voltage", "total_ac_power"]);
  assert.deepEqual(ac500.map((s) => [s.start, s.quantity]), [[50002, 1], [51002, 1], [51004, 1]]);
  const balco = planReads(getLocalProfile("BALCO260"), ["soc", "pack_voltage", "total_ac_power"]);
  assert.deepEqual(balco.map((s) => [s.start, s.quantity]), [[50002, 2], [51002, 3]]);
  assert.deepEqual(balco[1]!.fields, [{ name: "pack_voltage", offset: 0 }, {
    name: "soc",
    offset: 2,
  }]);
});

Deno.test("planReads() splits at max_span and keeps isolated fields alone", () => {
  const map = compileRegisterMap({
    id: "M",
    served: [[0, 99]],
    max_span: 4,
    fields: [
      { name: "a", address: 0, type: "uint16" },
      { name: "b", address: 2, type: "uint16" },
      { name: "c", address: 4, type: "uint16" },
      { name: "d", address: 5, type: "uint16", isolated: true },
      { name: "e", address: 6, type: "uint16" },
    ],
    groups: {},
  });
  const plan = planReads(map, ["e", "d", "c", "b", "a", "a"]);
  assert.deepEqual(plan.map((s) => [s.start, s.quantity]), [[0, 3], [4, 1], [5, 1], [6, 1]]);
  assert.throws(() => planReads(map, ["zz"]), { code: "SCHEMA_INVALID_FIELD" });
});
