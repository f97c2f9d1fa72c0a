import assert from "node:assert/strict";
import type { BlockRecord } from "../parser/block_schema.ts";
import type { FieldLabels } from "../plugins/bluetti_v2/labels.ts";
import { labelText, recordLabels, valueLabel } from "./_labels.ts";

const STATUS: FieldLabels = { kind: "enum", names: { 0: "idle", 2: "discharging" }, source: "t" };
const PACKS: FieldLabels = { kind: "bitmap", names: { 0: "pack 1", 2: "pack 3" }, source: "t" };

Deno.test("valueLabel() names an enumeration's code; an unknown code has no label", () => {
  assert.equal(valueLabel(STATUS, 2), "discharging");
  assert.equal(valueLabel(STATUS, 0), "idle");
  assert.equal(valueLabel(STATUS, 1), undefined);
  assert.equal(valueLabel(STATUS, 2.5), undefined);
  assert.equal(valueLabel(STATUS, null), undefined);
  assert.equal(valueLabel(STATUS, "2"), undefined);
});

Deno.test("valueLabel() lists a bitmap's set bits, an unnamed one as 'bit N'", () => {
  assert.deepEqual(valueLabel(PACKS, 0b101), ["pack 1", "pack 3"]);
  assert.deepEqual(valueLabel(PACKS, 0b1010), ["bit 1", "bit 3"]);
  assert.deepEqual(valueLabel(PACKS, 0), []);
  assert.equal(labelText(["pack 1", "pack 3"]), "pack 1, pack 3");
  assert.equal(labelText([]), "none");
});

Deno.test("recordLabels() labels nested paths and leaves codes without a name out", () => {
  const record = {
    values: { charging_status: 2, mode: 7, pack: { online: 5 } },
  } as unknown as BlockRecord;
  assert.deepEqual(
    recordLabels(record, { charging_status: STATUS, mode: STATUS, "pack.online": PACKS }),
    { charging_status: "discharging", "pack.online": ["pack 1", "pack 3"] },
  );
});
