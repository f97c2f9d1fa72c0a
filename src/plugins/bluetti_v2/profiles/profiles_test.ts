import assert from "node:assert/strict";
import { BLUETTI_V2 } from "../plugin.ts";
import { EL30V2_PROFILE } from "./el30v2.ts";
import { EL100V2_PROFILE } from "./el100v2.ts";
import { ELITE200V2_PROFILE } from "./elite200v2.ts";
import { GENERIC_V2_PROFILE } from "./generic_v2.ts";

// data/profiles_snapshot.json holds the four profiles as JSON, written from the profile files
// before they shared one builder: a change of any field, of its order or of a group shows here.
const SNAPSHOT = new URL("../data/profiles_snapshot.json", import.meta.url);
const PROFILES = [EL30V2_PROFILE, EL100V2_PROFILE, ELITE200V2_PROFILE, GENERIC_V2_PROFILE];

function snapshotText(profiles: readonly unknown[]): string {
  return `${
    JSON.stringify(
      Object.fromEntries(profiles.map((p) => [(p as { id: string }).id, p])),
      null,
      2,
    )
  }\n`;
}

Deno.test("the V2 profiles' JSON equals data/profiles_snapshot.json byte for byte", async () => {
  const expected = await Deno.readTextFile(SNAPSHOT);
  assert.equal(snapshotText(PROFILES), expected);
});

Deno.test("the plugin lists the V2 profiles of the snapshot, in its order", async () => {
  const expected = await Deno.readTextFile(SNAPSHOT);
  assert.equal(snapshotText(BLUETTI_V2.profiles), expected);
});
