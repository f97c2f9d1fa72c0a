import assert from "node:assert/strict";
import { ConfigError } from "../errors/errors.ts";
import { type DeviceProfile, findProfile, profileBlocks, profileGroup } from "./profile.ts";

function profile(id: string, name: string, aliases: string[] = []): DeviceProfile {
  return {
    id,
    name,
    aliases,
    vendor: "BLUETTI",
    protocol: "bluetti_v2",
    protocolVersion: null,
    defaultFraming: "rtu",
    groups: [
      { name: "core", blocks: [100], pollIntervalMs: 10_000 },
      { name: "battery", blocks: [6000, 100], pollIntervalMs: 30_000 },
      { name: "cells", blocks: [6100, 6000], pollIntervalMs: 60_000 },
    ],
    registerCounts: { "100": 62 },
    fieldOverrides: [],
    writableRegisters: [],
  };
}

const PROFILES = [
  profile("EL30V2", "Elite 30 V2", ["EL30 V2"]),
  profile("EL100V2", "Elite 100 V2", ["EL100 V2"]),
  profile("ELITE200V2", "Elite 200 V2", ["EL200V2"]),
];

Deno.test("findProfile() matches id, name and alias ignoring case, spaces, dashes, underscores", () => {
  for (
    const query of ["Elite 100 V2", "el100v2", "EL100V2", "EL100 V2", "el-100_v2", " elite100v2 "]
  ) {
    assert.equal(findProfile(PROFILES, query).id, "EL100V2", query);
  }
  assert.equal(findProfile(PROFILES, "el200v2").id, "ELITE200V2");
  assert.equal(findProfile(PROFILES, "Elite_30-V2").id, "EL30V2");
});

Deno.test("findProfile() returns the first profile when two share a key", () => {
  const first = profile("A", "Same");
  const second = profile("B", "same");
  assert.equal(findProfile([first, second], "SAME"), first);
});

Deno.test("findProfile() throws CONFIG_UNKNOWN_PROFILE listing the known profiles", () => {
  assert.throws(() => findProfile(PROFILES, "AC500"), {
    name: "ConfigError",
    code: "CONFIG_UNKNOWN_PROFILE",
    path: "profile",
    message:
      "Unknown profile 'AC500': known profiles are EL30V2 (Elite 30 V2), EL100V2 (Elite 100 V2), " +
      "ELITE200V2 (Elite 200 V2)",
  });
});

Deno.test("findProfile() suggests the closest profiles when the name is near one", () => {
  assert.throws(() => findProfile(PROFILES, "EL30V"), {
    code: "CONFIG_UNKNOWN_PROFILE",
    message: /; did you mean EL30V2\?$/,
  });
  // One edit from EL30V2, EL100V2 and the alias EL200V2 alike.
  assert.throws(() => findProfile(PROFILES, "EL300V2"), {
    message: /; did you mean EL30V2, EL100V2 or ELITE200V2\?$/,
  });
  assert.throws(() => findProfile(PROFILES, "Elite 200"), {
    message: /did you mean ELITE200V2\?$/,
  });
  // EL10V2 is one edit from both EL30V2 and EL100V2.
  assert.throws(() => findProfile(PROFILES, "EL10V2"), {
    message: /did you mean EL30V2 or EL100V2\?$/,
  });
  assert.throws(() => findProfile(PROFILES, "Elite 30 V2 Pro Max"), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.doesNotMatch(error.message, /did you mean/);
    return true;
  });
});

Deno.test("findProfile() says so when no profiles are known", () => {
  assert.throws(() => findProfile([], "EL30V2"), {
    code: "CONFIG_UNKNOWN_PROFILE",
    message: "Unknown profile 'EL30V2': no profiles are known",
  });
});

Deno.test("profileBlocks() lists each block once in first-appearance order", () => {
  assert.deepEqual(profileBlocks(PROFILES[0] as DeviceProfile), [100, 6000, 6100]);
  assert.deepEqual(profileBlocks({ ...profile("X", "X"), groups: [] }), []);
});

Deno.test("profileGroup() returns a group by name", () => {
  const group = profileGroup(PROFILES[1] as DeviceProfile, "battery");
  assert.deepEqual(group, { name: "battery", blocks: [6000, 100], pollIntervalMs: 30_000 });
});

Deno.test("profileGroup() throws CONFIG_INVALID listing the profile's groups", () => {
  assert.throws(() => profileGroup(PROFILES[1] as DeviceProfile, "Core"), {
    name: "ConfigError",
    code: "CONFIG_INVALID",
    path: "group",
    message: "Unknown group 'Core' of profile EL100V2: its groups are core, battery, cells",
  });
});
