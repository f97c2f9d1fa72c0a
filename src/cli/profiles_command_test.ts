import assert from "node:assert/strict";
import { BUILTIN_PROFILES } from "../../mod.ts";
import { lines, runCli } from "./_test_utils.ts";

Deno.test("profiles lists id, name, aliases, framing and groups with cadence", async () => {
  const run = await runCli(["profiles"]);
  assert.equal(run.code, 0);
  assert.equal(run.stderr, "");
  const all = lines(run.stdout);
  const [header, ...rows] = all.slice(0, all.indexOf(""));
  assert.match(header!, /^ID\s+NAME\s+ALIASES\s+FRAMING\s+GROUPS$/);
  assert.equal(rows.length, BUILTIN_PROFILES.length);
  const el100 = rows.find((row) => row.startsWith("EL100V2 "))!;
  assert.match(el100, /Elite 100 V2\s+Elite 100 V2, EL100 V2\s+rtu\s+core: 100 every 10 s; /);
  assert.match(el100, /inverter: 1100, 1400, 1500 every 30 s; cells: 6100 every 60 s$/);
});

Deno.test("profiles --json prints the built-in profiles", async () => {
  const run = await runCli(["profiles", "--json"]);
  assert.equal(run.code, 0);
  assert.deepEqual(JSON.parse(run.stdout), JSON.parse(JSON.stringify(BUILTIN_PROFILES)));
});

Deno.test("profiles show finds a profile by id, name or alias", async () => {
  const run = await runCli(["profiles", "show", "EL100 V2"]);
  assert.equal(run.code, 0);
  const text = lines(run.stdout);
  assert.equal(text[0], "EL100V2: Elite 100 V2");
  assert.match(run.stdout, /\nprotocol version:\s+unknown/);
  assert.match(run.stdout, /\nregister counts:\s+100: 62\n/);
  assert.match(
    run.stdout,
    /\ninverter\s+30 s\s+1100 INV_BASE_INFO, 1400 INV_LOAD_INFO, 1500 INV_INV_INFO\n/,
  );
  // A name typed without quotes arrives as several arguments.
  assert.equal((await runCli(["profiles", "show", "Elite", "100", "V2"])).stdout, run.stdout);
  assert.equal((await runCli(["profiles", "show", "el100v2"])).stdout, run.stdout);
});

Deno.test("profiles show --json prints the profile", async () => {
  const run = await runCli(["profiles", "show", "el30v2", "--json"]);
  assert.equal(run.code, 0);
  const profile = JSON.parse(run.stdout);
  assert.equal(profile.id, "EL30V2");
  assert.deepEqual(profile.groups.map((g: { name: string }) => g.name), [
    "core",
    "grid",
    "battery",
  ]);
});

Deno.test("profiles show of an unknown profile fails with CONFIG_UNKNOWN_PROFILE", async () => {
  const run = await runCli(["profiles", "show", "EL10V2"]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.equal(lines(run.stderr).length, 1);
  assert.match(
    run.stderr,
    /^error: CONFIG_UNKNOWN_PROFILE: Unknown profile 'EL10V2': .*did you mean/,
  );
});

Deno.test("profiles returns 2 for a missing name or an unknown subcommand", async () => {
  const missing = await runCli(["profiles", "show"]);
  assert.equal(missing.code, 2);
  assert.deepEqual(lines(missing.stderr), [
    "error: missing the profile name or alias",
    "Run 'power-sdk profiles show --help' for usage.",
  ]);
  const bare = await runCli(["profiles", "el100v2"]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /did you mean 'profiles show el100v2'\?/);
  const typo = await runCli(["profiles", "shwo"]);
  assert.match(typo.stderr, /did you mean 'show'\?/);
});

Deno.test("profiles lists the local Modbus TCP models with their transport; show prints one", async () => {
  const run = await runCli(["profiles"]);
  const all = lines(run.stdout);
  const local = all.slice(all.indexOf("") + 1);
  assert.match(local[0]!, /^Local Modbus TCP profiles/);
  assert.match(local[1]!, /^ID\s+NAME\s+ALIASES\s+TRANSPORT\s+GROUPS$/);
  const ids = local.slice(2).map((row) => row.split(/\s+/)[0]);
  assert.deepEqual(ids, ["AC500", "EP500PRO", "AC200L", "PA030", "BALCO260", "FP"]);
  assert.ok(local.slice(2).every((row) => / modbus_tcp /.test(row)));
  const show = await runCli(["profiles", "show", "Balco", "260"]);
  assert.equal(show.code, 0);
  assert.match(show.stdout, /^BALCO260: Balco 260\n/);
  assert.match(show.stdout, /\nsoc_floor\s+57016\s+uint16\s+1\s+%\s+5\.\.90\n/);
  const json = JSON.parse((await runCli(["profiles", "show", "ac500", "--json"])).stdout);
  assert.equal(json.id, "AC500");
  assert.equal(json.isolate_all, true);
});
