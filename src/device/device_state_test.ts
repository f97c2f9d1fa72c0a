import assert from "node:assert/strict";
import type { BlockRecord, FieldValue } from "../parser/block_schema.ts";
import { createBluettiRegistry } from "../plugins/bluetti_v2/registry.ts";
import { bluettiV2Identity } from "../plugins/bluetti_v2/identity.ts";
import { DeviceState } from "./device_state.ts";
import type { DeviceProfile, ProfileGroupDef } from "./profile.ts";

const registry = createBluettiRegistry();
const LENGTH: Readonly<Record<number, number>> = { 100: 124, 1100: 62, 1300: 34, 6000: 64 };

function record(blockId: number, values: Record<string, FieldValue>): BlockRecord {
  const schema = registry.require(blockId);
  return schema.decode(
    schema.encode(values, { length: LENGTH[blockId] ?? 2 * schema.registerCount }),
  );
}

function profile(
  groups: ProfileGroupDef[] = [
    { name: "core", blocks: [100], pollIntervalMs: 10_000 },
    { name: "grid", blocks: [1300], pollIntervalMs: 10_000 },
    { name: "battery", blocks: [6000], pollIntervalMs: 30_000 },
    { name: "inverter", blocks: [1100], pollIntervalMs: 30_000 },
  ],
  protocolVersion: number | null = null,
): DeviceProfile {
  return {
    id: "TEST",
    name: "Test station",
    aliases: [],
    vendor: "BLUETTI",
    protocol: "bluetti_v2",
    protocolVersion,
    defaultFraming: "rtu",
    groups,
    registerCounts: {},
    fieldOverrides: [],
    writableRegisters: [],
  };
}

Deno.test("DeviceState stores the latest record per block with its group and time", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  assert.equal(state.block(100), null);
  assert.equal(state.group("core"), null);
  assert.equal(state.apply(record(100, { soc: 81, pack_voltage: 53.13 }), { at: 1_000 }), true);
  const home = state.block(100);
  assert.ok(home);
  assert.deepEqual(
    [home.blockId, home.name, home.group, home.updatedAt],
    [100, "APP_HOME_DATA", "core", 1_000],
  );
  assert.equal(home.values.soc, 81);
  assert.equal(home.values.pack_voltage, 53.13);
  assert.equal(home.units.soc, "%");
  assert.deepEqual(home.warnings, []);
  assert.ok(home.missing.includes("rate_frequency"), "fields beyond 124 bytes are missing");
  assert.equal("raw" in home, false, "raw bytes are not kept");
  assert.ok(Object.isFrozen(home.values));
  assert.deepEqual(state.group("core"), { name: "core", updatedAt: 1_000, blocks: [100] });
});

Deno.test("DeviceState.apply() defaults the time to now and the group to the profile's", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  const before = Date.now();
  state.apply(record(6000, { soc: 50 }));
  const pack = state.block(6000);
  assert.ok(pack && pack.updatedAt >= before && pack.updatedAt <= Date.now());
  assert.equal(pack.group, "battery");
  // A block outside the profile has no group unless one is given.
  state.apply(record(1300, { frequency: 50 }), { at: 1 });
  assert.equal(state.block(1300)?.group, "grid");
  const outside = new DeviceState({ identity: bluettiV2Identity, profile: profile([]) });
  outside.apply(record(1300, { frequency: 50 }), { at: 1 });
  assert.equal(outside.block(1300)?.group, null);
  outside.apply(record(6000, { soc: 50 }), { at: 1, group: "adhoc" });
  assert.deepEqual(outside.group("adhoc"), { name: "adhoc", updatedAt: 1, blocks: [6000] });
});

Deno.test("DeviceState.apply() keeps a newer record when an older one arrives late", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  assert.equal(state.apply(record(100, { soc: 90 }), { at: 2_000 }), true);
  assert.equal(state.apply(record(100, { soc: 70 }), { at: 1_000 }), false);
  assert.equal(state.block(100)?.values.soc, 90);
  assert.equal(state.block(100)?.updatedAt, 2_000);
  assert.equal(state.group("core")?.updatedAt, 2_000);
  // Same time: the one applied last wins. Newer: replaces.
  assert.equal(state.apply(record(100, { soc: 91 }), { at: 2_000 }), true);
  assert.equal(state.block(100)?.values.soc, 91);
  assert.equal(state.apply(record(100, { soc: 92 }), { at: 3_000 }), true);
  assert.equal(state.block(100)?.values.soc, 92);
  assert.deepEqual(state.group("core"), { name: "core", updatedAt: 3_000, blocks: [100] });
});

Deno.test("DeviceState.group() tracks the latest time over its blocks and blocks that move", () => {
  const groups = [
    { name: "fast", blocks: [100, 6000], pollIntervalMs: 1_000 },
    { name: "slow", blocks: [6000], pollIntervalMs: 60_000 },
  ];
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile(groups) });
  state.apply(record(6000, { soc: 1 }), { at: 5 });
  state.apply(record(100, { soc: 1 }), { at: 3 });
  assert.deepEqual(state.group("fast"), { name: "fast", updatedAt: 5, blocks: [100, 6000] });
  state.apply(record(6000, { soc: 2 }), { at: 9, group: "slow" });
  assert.deepEqual(state.group("slow"), { name: "slow", updatedAt: 9, blocks: [6000] });
  assert.deepEqual(state.group("fast")?.blocks, [100]);
  assert.equal(state.block(6000)?.group, "slow");
});

Deno.test("DeviceState.apply() refuses a time that is not a valid date", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  for (const at of [NaN, Infinity, -Infinity, 9e15, -8.64e15 - 1]) {
    assert.throws(() => state.apply(record(100, { soc: 1 }), { at }), RangeError);
  }
  assert.equal(state.block(100), null);
  // The last times a Date holds are still times.
  assert.equal(state.apply(record(100, { soc: 1 }), { at: -8.64e15 }), true);
  assert.equal(state.apply(record(100, { soc: 2 }), { at: 8.64e15 }), true);
});

Deno.test("DeviceState.merged() takes a shared field from the first block in profile order", () => {
  // Block 100 `soc` and block 6000 `soc`: core comes before battery.
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  state.apply(record(6000, { soc: 80, soh: 99 }), { at: 2_000 });
  assert.equal(state.merged().soc, 80, "only 6000 so far");
  state.apply(record(100, { soc: 81 }), { at: 1_000 });
  assert.equal(state.merged().soc, 81, "100 precedes 6000, whatever arrived first or last");
  state.apply(record(6000, { soc: 79, soh: 98 }), { at: 3_000 });
  assert.equal(state.merged().soc, 81, "a newer record of a later block does not win");
  assert.equal(state.merged().soh, 98);
  assert.equal(state.merged()["6000.soc"], undefined, "merged has bare keys only");

  const namespaced = state.namespaced();
  assert.equal(namespaced["100.soc"], 81);
  assert.equal(namespaced["6000.soc"], 79);
  assert.equal(namespaced["soc"], undefined);
  assert.deepEqual(
    Object.keys(namespaced).filter((k) => k.endsWith(".soc")),
    ["100.soc", "6000.soc"],
  );

  // Reverse the group order: 6000 now wins.
  const reversed = new DeviceState({
    profile: profile([
      { name: "battery", blocks: [6000], pollIntervalMs: 30_000 },
      { name: "core", blocks: [100], pollIntervalMs: 10_000 },
    ]),
  });
  reversed.apply(record(100, { soc: 81 }), { at: 1 });
  reversed.apply(record(6000, { soc: 80 }), { at: 2 });
  assert.equal(reversed.merged().soc, 80);
});

Deno.test("DeviceState.merged() orders blocks outside the profile after it, by id, and skips nulls", () => {
  const state = new DeviceState({
    profile: profile([{ name: "battery", blocks: [6000], pollIntervalMs: 30_000 }]),
  });
  state.apply(record(1300, { frequency: 50, total_feedback_energy: 7 }), { at: 1 });
  state.apply(record(100, { soc: 81, total_feedback_energy: 5 }), { at: 1 });
  state.apply(record(6000, { soc: 80, temp_max: 30 }), { at: 1 });
  const merged = state.merged();
  assert.equal(merged.soc, 80, "6000 is in the profile; 100 is not");
  assert.equal(merged.total_feedback_energy, 5, "outside the profile: 100 before 1300");
  assert.deepEqual(state.snapshot().blocks.map((b) => b.blockId), [6000, 100, 1300]);
  // temp_avg is null in 6000 (raw 0) and in no other block: it stays null.
  assert.equal(merged.temp_avg, null);

  // A null in an earlier block does not mask a value of a later one.
  const fields = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  const home = record(100, { soc: 1 });
  fields.apply({ ...home, values: { ...home.values, charging_status: null } }, { at: 1 });
  fields.apply(record(6000, { charging_status: 2 }), { at: 1 });
  assert.equal(fields.merged().charging_status, 2);
  assert.equal(fields.namespaced()["100.charging_status"], null);
});

Deno.test("DeviceState.identity() reports unknowns as null, never 0 or empty text", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  assert.deepEqual(state.identity(), {
    model: null,
    serial: null,
    firmware: null,
    protocolVersion: null,
  });
  // Block 100 with an empty model and an all-zero serial.
  state.apply(record(100, { soc: 50 }), { at: 1 });
  assert.equal(state.block(100)?.values.device_model, "");
  assert.equal(state.block(100)?.values.device_serial, "0");
  assert.deepEqual(state.identity(), {
    model: null,
    serial: null,
    firmware: null,
    protocolVersion: null,
  });
  // Block 1100 fills in what block 100 lacks.
  state.apply(
    record(1100, {
      inv_type: "EL100V2",
      inv_sn: "2345000012345",
      software_number: 3,
      software_0_module_id: 1,
      software_0_version: 10047,
      software_1_module_id: 0,
      software_1_version: 99,
      software_2_module_id: 7,
      software_2_version: 2033,
      software_3_module_id: 9,
      software_3_version: 5,
    }),
    { at: 2 },
  );
  assert.deepEqual(state.identity(), {
    model: "EL100V2",
    serial: "2345000012345",
    firmware: { module_1: 10047, module_7: 2033 },
    protocolVersion: null,
  });
  // Block 100's own values take precedence.
  state.apply(record(100, { device_model: "AC300", device_serial: "2235000000001" }), { at: 3 });
  assert.equal(state.identity().model, "AC300");
  assert.equal(state.identity().serial, "2235000000001");
});

Deno.test("DeviceState.identity() has no firmware when no module id is set", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  state.apply(record(1100, { inv_type: "X", software_number: 6 }), { at: 1 });
  assert.equal(state.identity().firmware, null);
  const zero = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  zero.apply(record(1100, { software_number: 0, software_0_module_id: 1, software_0_version: 3 }));
  assert.equal(zero.identity().firmware, null, "entries at or beyond software_number are ignored");
});

Deno.test("DeviceState.identity() takes the protocol version from options, profile, then records", () => {
  assert.equal(
    new DeviceState({ identity: bluettiV2Identity, profile: profile(undefined, 2009) }).identity()
      .protocolVersion,
    2009,
  );
  assert.equal(
    new DeviceState({
      identity: bluettiV2Identity,
      profile: profile(undefined, 2009),
      protocolVersion: 2011,
    }).identity()
      .protocolVersion,
    2011,
  );
  const state = new DeviceState({
    identity: bluettiV2Identity,
    profile: profile(undefined, 2009),
    protocolVersion: null,
  });
  assert.equal(state.identity().protocolVersion, null);
  const schema = registry.require(6000);
  state.apply(schema.decode(schema.encode({ soc: 1 }, { length: 64 }), { protocolVersion: 2005 }));
  assert.equal(state.identity().protocolVersion, 2005);
});

Deno.test("DeviceState.apply() flags implausible values as warnings, unless disabled", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  assert.equal(state.apply(record(6000, { soc: 80, temp_max: 150 }), { at: 1 }), true);
  const pack = state.block(6000);
  assert.equal(pack?.values.temp_max, 150);
  assert.deepEqual(pack?.warnings.map((w) => w.message), [
    "temp_max: 150 °C is outside -40..100 (beyond any battery or inverter operating range)",
  ]);

  const tolerant = new DeviceState({
    profile: profile(),
    plausibility: { powerTolerance: { relative: 10, absoluteW: 0 } },
  });
  tolerant.apply(
    record(1300, { frequency: 50, phase_0_power: 900, phase_0_voltage: 230, phase_0_current: 2 }),
  );
  assert.deepEqual(tolerant.block(1300)?.warnings, []);

  const off = new DeviceState({
    identity: bluettiV2Identity,
    profile: profile(),
    plausibility: false,
  });
  off.apply(record(6000, { soc: 252 }), { at: 1 });
  assert.deepEqual(off.block(6000)?.warnings, []);
});

Deno.test("DeviceState.apply() keeps a suspect record (a value that cannot be true) out", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  assert.equal(state.apply(record(6000, { soc: 80 }), { at: 1 }), true);
  assert.equal(state.apply(record(6000, { soc: 252 }), { at: 2 }), false);
  assert.equal(state.block(6000)?.values.soc, 80);
  assert.equal(state.block(6000)?.updatedAt, 1);
  assert.equal(state.merged().soc, 80);
  // Flagged by the caller (the client checks plausibility itself): also kept out.
  const off = new DeviceState({
    identity: bluettiV2Identity,
    profile: profile(),
    plausibility: false,
  });
  assert.equal(off.apply({ ...record(6000, { soc: 80 }), suspect: true }, { at: 1 }), false);
  assert.equal(off.block(6000), null);
});

Deno.test("DeviceState.snapshot() is plain JSON without raw bytes and survives a round trip", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile(undefined, 2001) });
  assert.deepEqual(state.snapshot(), {
    profile: "TEST",
    identity: { model: null, serial: null, firmware: null, protocolVersion: 2001 },
    updatedAt: null,
    groups: [],
    blocks: [],
    merged: {},
  });
  state.apply(record(100, { soc: 81, device_model: "EL100V2", pack_current: -1.5 }), {
    at: Date.UTC(2024, 0, 2, 3, 4, 5),
  });
  state.apply(record(6000, { soc: 80, temp_max: 150 }), { at: Date.UTC(2024, 0, 2, 3, 4, 6) });
  state.apply(
    record(1100, {
      inv_type: "EL100V2",
      software_number: 1,
      software_0_module_id: 4,
      software_0_version: 1,
    }),
    { at: Date.UTC(2024, 0, 2, 3, 4, 7) },
  );
  // A hand-made record with values JSON cannot hold.
  state.apply(
    {
      blockId: 40000,
      name: "ODD",
      values: { nan: NaN, inf: -Infinity, negzero: -0, list: [1, NaN], nested: { x: -0 } },
      units: {},
      warnings: [{ field: null, offset: 3, message: "odd" }],
      missing: [],
      raw: new Uint8Array(4),
      protocolVersion: null,
    },
    { at: Date.UTC(2024, 0, 2, 3, 4, 8) },
  );
  const snapshot = state.snapshot();
  assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot);
  assert.equal(JSON.stringify(snapshot).includes("raw"), false);

  assert.equal(snapshot.updatedAt, "2024-01-02T03:04:08.000Z");
  assert.deepEqual(snapshot.identity, {
    model: "EL100V2",
    serial: null,
    firmware: { module_4: 1 },
    protocolVersion: 2001,
  });
  assert.deepEqual(snapshot.groups, [
    {
      name: "core",
      updatedAt: "2024-01-02T03:04:05.000Z",
      updatedAtMs: 1704164645000,
      blocks: [100],
    },
    {
      name: "battery",
      updatedAt: "2024-01-02T03:04:06.000Z",
      updatedAtMs: 1704164646000,
      blocks: [6000],
    },
    {
      name: "inverter",
      updatedAt: "2024-01-02T03:04:07.000Z",
      updatedAtMs: 1704164647000,
      blocks: [1100],
    },
  ]);
  assert.deepEqual(snapshot.blocks.map((b) => [b.blockId, b.group, b.updatedAt]), [
    [100, "core", "2024-01-02T03:04:05.000Z"],
    [6000, "battery", "2024-01-02T03:04:06.000Z"],
    [1100, "inverter", "2024-01-02T03:04:07.000Z"],
    [40000, null, "2024-01-02T03:04:08.000Z"],
  ]);
  const home = snapshot.blocks[0]!;
  assert.equal(home.values.pack_current, -1.5);
  assert.equal(home.units.soc, "%");
  assert.deepEqual(snapshot.blocks[1]!.warnings.map((w) => w.field), ["temp_max"]);
  assert.deepEqual(snapshot.blocks[3]!.values, {
    nan: null,
    inf: null,
    negzero: 0,
    list: [1, null],
    nested: { x: 0 },
  });
  assert.deepEqual(snapshot.blocks[3]!.warnings, [{ field: null, offset: 3, message: "odd" }]);
  assert.equal(snapshot.merged.soc, 81);
  assert.equal(snapshot.merged.nan, null);

  // The snapshot is the caller's: changing it does not change the state.
  snapshot.blocks[0]!.values.soc = 0;
  snapshot.merged.soc = 0;
  assert.equal(state.block(100)?.values.soc, 81);
  assert.equal(state.merged().soc, 81);
});

Deno.test("DeviceState keeps its own copy of a record's values", () => {
  const state = new DeviceState({ identity: bluettiV2Identity, profile: profile() });
  const home = record(100, { soc: 81 });
  state.apply(home, { at: 1 });
  home.values.soc = 5;
  assert.equal(state.block(100)?.values.soc, 81);
  assert.throws(() => {
    (state.block(100)!.values as Record<string, FieldValue>).soc = 1;
  }, TypeError);
});

Deno.test("DeviceState's copy of a record is deep and frozen: groups, arrays, odd keys and values as structuredClone copies them", () => {
  const state = new DeviceState({
    identity: bluettiV2Identity,
    profile: profile(),
    plausibility: false,
  });
  const when = new Date(5);
  const values = JSON.parse(
    '{"soc": 80, "pack": {"cells": [3.3, 3.4], "name": "a"}, "__proto__": {"x": 1}}',
  );
  values.when = when;
  const home = { ...record(100, {}), values };
  state.apply(home, { at: 1 });
  values.pack.cells[0] = 0;
  values.pack.name = "b";
  values.__proto__.x = 2;
  when.setTime(9);
  const kept = state.block(100)!.values as unknown as {
    pack: { cells: number[]; name: string };
    __proto__: { x: number };
    when: Date;
  };
  assert.deepEqual(kept.pack, { cells: [3.3, 3.4], name: "a" });
  assert.ok(Object.isFrozen(kept.pack) && Object.isFrozen(kept.pack.cells));
  assert.ok(Object.hasOwn(kept, "__proto__"), "an own __proto__ key stays a property");
  assert.equal(Object.getPrototypeOf(kept), Object.prototype);
  assert.equal(kept.__proto__.x, 1);
  assert.ok(kept.when instanceof Date && kept.when.getTime() === 5, "a Date is copied as a Date");
  assert.deepEqual(Object.keys(kept), ["soc", "pack", "__proto__", "when"]);
});
