import assert from "node:assert/strict";
import type { FieldDef } from "../src/parser/types.ts";
import { profileBlocks } from "../src/device/profile.ts";
import { BLUETTI_V2_BLOCKS } from "../src/plugins/bluetti_v2/blocks.ts";
import { BLUETTI_V2_CONTROL_REGISTERS } from "../src/plugins/bluetti_v2/control_registers.ts";
import { BUILTIN_PROFILES, getProfile } from "./mod.ts";

const BLOCKS = new Map(BLUETTI_V2_BLOCKS.map((block) => [block.id, block]));
const SEED = new URL("../src/plugins/bluetti_v2/data/bluetti-v2-blocks.json", import.meta.url);

/** A field by block id and path (`pack_voltage`, or `group.field` inside a group). */
function findField(block: number, path: string): FieldDef | undefined {
  const [head, sub] = path.split(".");
  const entry = BLOCKS.get(block)?.fields.find((f) => f.name === head);
  if (entry?.kind === "group") return entry.fields.find((f) => f.name === sub);
  return sub === undefined ? entry : undefined;
}

Deno.test("BUILTIN_PROFILES have unique ids and only known BLUETTI V2 blocks", () => {
  assert.deepEqual(BUILTIN_PROFILES.map((p) => p.id), [
    "EL30V2",
    "EL100V2",
    "ELITE200V2",
    "GENERIC_V2",
  ]);
  for (const profile of BUILTIN_PROFILES) {
    for (const id of profileBlocks(profile)) {
      assert.ok(BLOCKS.has(id), `${profile.id} polls block ${id}, which has no schema`);
    }
  }
});

Deno.test("BUILTIN_PROFILES groups and cadences follow the seed's used_by_profiles", () => {
  const groups = (id: string): Record<string, [readonly number[], number]> =>
    Object.fromEntries(getProfile(id).groups.map((g) => [g.name, [g.blocks, g.pollIntervalMs]]));
  const small = { core: [[100], 10_000], grid: [[1300], 10_000], battery: [[6000], 30_000] };
  assert.deepEqual(groups("EL30V2"), small);
  assert.deepEqual(groups("ELITE200V2"), small);
  assert.deepEqual(groups("EL100V2"), {
    ...small,
    inverter: [[1100, 1400, 1500], 30_000],
    cells: [[6100], 60_000],
  });
  assert.deepEqual(groups("GENERIC_V2"), { core: [[100], 10_000] });
});

Deno.test({
  name: "BUILTIN_PROFILES groups equal the block data's used_by_profiles",
  async fn() {
    const seed = JSON.parse(await Deno.readTextFile(SEED)) as {
      blocks: { id: number; used_by_profiles: { profile: string; group: string }[] }[];
    };
    const expected: Record<string, Record<string, number[]>> = {};
    for (const block of seed.blocks) {
      for (const { profile, group } of block.used_by_profiles) {
        ((expected[profile] ??= {})[group] ??= []).push(block.id);
      }
    }
    for (const [id, groups] of Object.entries(expected)) {
      const actual = Object.fromEntries(getProfile(id).groups.map((g) => [g.name, g.blocks]));
      assert.deepEqual(actual, groups, id);
    }
  },
});

Deno.test("the documented pack voltage override targets fields that exist", () => {
  // src/plugins/bluetti_v2/profiles/_common.ts tells users to override these with "scale:0.1" (block-evidence.md §4.1).
  for (
    const [block, path] of [[100, "pack_voltage"], [6000, "voltage"], [6100, "voltage"]] as const
  ) {
    assert.deepEqual(findField(block, path)?.transforms, ["scale:0.01"], `${block}.${path}`);
  }
});

Deno.test("BUILTIN_PROFILES are consistent with the block schemas and control registers", () => {
  const control = new Set(BLUETTI_V2_CONTROL_REGISTERS.map((r) => r.register));
  for (const profile of BUILTIN_PROFILES) {
    const names = profile.groups.map((g) => g.name);
    assert.equal(new Set(names).size, names.length, `${profile.id} group names`);
    for (const group of profile.groups) {
      assert.ok(group.blocks.length > 0 && group.pollIntervalMs >= 1000, profile.id);
    }
    assert.equal(profile.protocolVersion, null);
    assert.equal(profile.defaultFraming, "rtu");
    assert.deepEqual(profile.registerCounts, { "100": 62 });
    for (const [id, count] of Object.entries(profile.registerCounts)) {
      assert.ok(profileBlocks(profile).includes(Number(id)), `${profile.id} counts block ${id}`);
      assert.ok(Number.isInteger(count) && count >= 1 && count <= 125);
    }
    for (const override of profile.fieldOverrides) {
      assert.ok(findField(override.block, override.field), `${override.block}.${override.field}`);
    }
    for (const register of profile.writableRegisters) {
      assert.ok(control.has(register), `${profile.id} allows unknown register ${register}`);
    }
  }
});

Deno.test("BUILTIN_PROFILES allow-list every control register on Elite V2 models only", () => {
  const all = BLUETTI_V2_CONTROL_REGISTERS.map((r) => r.register);
  for (const id of ["EL30V2", "EL100V2", "ELITE200V2"]) {
    assert.deepEqual(getProfile(id).writableRegisters, all, id);
  }
  assert.deepEqual(getProfile("GENERIC_V2").writableRegisters, []);
});

Deno.test("getProfile() resolves ids, names and aliases", () => {
  const cases: [string, string][] = [
    ["EL30V2", "EL30V2"],
    ["Elite 30 V2", "EL30V2"],
    ["EL30 V2", "EL30V2"],
    ["el30v2", "EL30V2"],
    ["Elite 100 V2", "EL100V2"],
    ["EL100 V2", "EL100V2"],
    ["el100v2", "EL100V2"],
    ["Elite 200 V2", "ELITE200V2"],
    ["EL200V2", "ELITE200V2"],
    ["elite-200-v2", "ELITE200V2"],
    ["Generic BLUETTI V2", "GENERIC_V2"],
    ["generic_v2", "GENERIC_V2"],
  ];
  for (const [query, id] of cases) assert.equal(getProfile(query).id, id, query);
  for (const profile of BUILTIN_PROFILES) {
    for (const alias of [profile.id, profile.name, ...profile.aliases]) {
      assert.equal(getProfile(alias), profile, `${alias} is taken by another profile`);
    }
  }
});

Deno.test("getProfile() rejects an unknown model listing the known ids", () => {
  assert.throws(() => getProfile("AC500"), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.equal((error as { code?: string }).code, "CONFIG_UNKNOWN_PROFILE");
    for (const profile of BUILTIN_PROFILES) assert.ok(error.message.includes(profile.id));
    assert.match(error.message, /^Unknown profile 'AC500': known profiles are EL30V2 \(Elite 30/);
    return true;
  });
});
