import assert from "node:assert/strict";
import { getLocalProfile, listLocalProfiles } from "./registry.ts";

function raw(words: number[]): Uint8Array {
  return new Uint8Array(words.flatMap((w) => [w >>> 8, w & 0xff]));
}

Deno.test("local profiles: scales differ per model at the same address (issue-confirmed raw values)", () => {
  assert.equal(getLocalProfile("AC200L").decode("pack_voltage", raw([5409]), 0), 54.09);
  assert.equal(getLocalProfile("FP").decode("pack_voltage", raw([2007]), 0), 20.07);
  assert.equal(getLocalProfile("AC500").decode("pack_voltage", raw([541]), 0), 54.1);
  assert.equal(getLocalProfile("AC500").decode("frequency", raw([5003]), 0), 50.03);
  assert.equal(getLocalProfile("BALCO260").decode("frequency", raw([500]), 0), 50);
});

Deno.test("local profiles: string byte order per family, serial low word first", () => {
  // "AC500" with the first character in the high byte (AC500/AC200L/EP500P/PA030).
  const highFirst = raw([0x4143, 0x3530, 0x3000, 0, 0, 0]);
  assert.equal(getLocalProfile("AC500").decode("device_model", highFirst, 0), "AC500");
  assert.equal(
    getLocalProfile("PA030").decode("device_model", raw([0x5041, 0x3033, 0x3000, 0, 0, 0]), 0),
    "PA030",
  );
  // Balco/FP: low byte first.
  const lowFirst = raw([0x4142, 0x434c, 0x324f, 0x3036, 0, 0]);
  assert.equal(getLocalProfile("BALCO260").decode("device_model", lowFirst, 0), "BALCO260");
  // 2345000012345678 = 0x0008_54C3_DCBB_F14E → words low first.
  const serial = raw([0xf14e, 0xdcbb, 0x54c3, 0x0008]);
  for (const map of listLocalProfiles()) {
    assert.equal(map.decode("device_serial", serial, 0), "2345000012345678", map.id);
  }
});

Deno.test("local profiles: field names match the V2 plugin and writable sets follow the evidence", () => {
  const v2Names = [
    "soc",
    "pack_voltage",
    "total_ac_power",
    "pv_power",
    "grid_power",
    "device_model",
    "device_serial",
    "total_ac_energy",
  ];
  for (const map of listLocalProfiles()) {
    for (const name of v2Names) assert.ok(map.field(name), `${map.id}.${name}`);
  }
  const writable = (id: string) =>
    getLocalProfile(id).fields.filter((f) => f.def.writable !== undefined).map((f) => f.name)
      .sort();
  assert.deepEqual(writable("AC500"), ["ac_output", "dc_output"]);
  assert.deepEqual(writable("BALCO260"), [
    "ac_output",
    "feed_in",
    "grid_charge",
    "soc_ceiling",
    "soc_floor",
  ]);
  assert.deepEqual(getLocalProfile("BALCO260").field("soc_floor").def.writable, {
    min: 5,
    max: 90,
    echo: 2022,
  });
  assert.throws(() => getLocalProfile("BALCO260").field("dc_output"), {
    code: "SCHEMA_INVALID_FIELD",
  });
});

Deno.test("getLocalProfile() finds ids and aliases and suggests on a typo", () => {
  assert.equal(getLocalProfile("ep500p").id, "EP500PRO");
  assert.equal(getLocalProfile("Balco 260").id, "BALCO260");
  assert.throws(() => getLocalProfile("AC50"), (error: unknown) => {
    assert.equal((error as { code: string }).code, "CONFIG_UNKNOWN_PROFILE");
    assert.match((error as Error).message, /did you mean 'AC500'/);
    return true;
  });
});
