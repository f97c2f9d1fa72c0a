import assert from "node:assert/strict";
import { BLUETTI_V2_BLOCKS } from "../plugins/mod.ts";
import { lines, runCli } from "./_test_utils.ts";

Deno.test("blocks lists every block in a table", async () => {
  const run = await runCli(["blocks"]);
  assert.equal(run.code, 0);
  assert.equal(run.stderr, "");
  const [header, ...rows] = lines(run.stdout);
  assert.match(header!, /^ID\s+NAME\s+REGS\s+STATUS\s+DESCRIPTION$/);
  assert.equal(rows.length, BLUETTI_V2_BLOCKS.length);
  assert.match(rows[0]!, /^100\s+APP_HOME_DATA\s+72\s+verified_reference\s+Main dashboard data/);
  assert.match(rows.find((row) => row.startsWith("12002 "))!, /holds secrets: always redacted/);
});

Deno.test("blocks --json lists every block with its counts and status", async () => {
  const run = await runCli(["blocks", "--json"]);
  assert.equal(run.code, 0);
  const blocks = JSON.parse(run.stdout);
  assert.equal(blocks.length, BLUETTI_V2_BLOCKS.length);
  assert.deepEqual(blocks[0], {
    id: 100,
    name: "APP_HOME_DATA",
    description: "Main dashboard data (SOC, power flows, energy totals)",
    minLength: 52,
    registerCount: 72,
    recommendedRegisterCount: 62,
    verificationStatus: "verified_reference",
    protocolVersion: 2000,
    strict: false,
    sensitive: false,
    fieldCount: 37,
  });
});

Deno.test("blocks show prints a block's fields by id or by name", async () => {
  const byId = await runCli(["blocks", "show", "100"]);
  assert.equal(byId.code, 0);
  assert.equal(byId.stderr, "");
  const text = lines(byId.stdout);
  assert.equal(
    text[0],
    "block 100 APP_HOME_DATA: Main dashboard data (SOC, power flows, energy totals)",
  );
  assert.match(byId.stdout, /live clients request 62 registers/);
  assert.match(byId.stdout, /withdrawn fields: pack_power, /);
  const header = text.find((line) => line.startsWith("OFFSET"));
  assert.match(
    header!,
    /^OFFSET\s+FIELD\s+TYPE\s+TRANSFORMS\s+UNIT\s+REQUIRED\s+SINCE\s+EVIDENCE$/,
  );
  assert.match(
    byId.stdout,
    /\n0\s+pack_voltage\s+uint16\s+scale:0\.01\s+V\s+yes\s+-\s+corrected: /,
  );
  assert.match(byId.stdout, /\n80\s+total_dc_power\s+uint32_lw\s+-\s+W\s+no\s+2001\s+corrected/);
  for (const name of ["APP_HOME_DATA", "app_home_data"]) {
    assert.equal((await runCli(["blocks", "show", name])).stdout, byId.stdout);
  }
  assert.equal((await runCli(["blocks", "--json", "show", "100"])).code, 0);
});

Deno.test("blocks show --json gives each field's layout", async () => {
  const run = await runCli(["blocks", "show", "100", "--json"]);
  assert.equal(run.code, 0);
  const block = JSON.parse(run.stdout);
  assert.equal(block.name, "APP_HOME_DATA");
  assert.equal(block.maxFieldEnd, 144);
  assert.deepEqual(block.fields[0], {
    path: "pack_voltage",
    offset: 0,
    end: 2,
    type: "uint16",
    transforms: ["scale:0.01"],
    unit: "V",
    required: true,
    minProtocolVersion: null,
    sensitive: false,
    description: "Total pack voltage",
    evidence:
      "corrected: scale 0.01 V (raw 5313 on a 16-cell LFP AP300 = 53.13 V; 0.1 gives an impossible 531.3 V)",
  });
});

Deno.test("blocks show marks secret fields and group paths", async () => {
  const secret = await runCli(["blocks", "show", "2200"]);
  assert.equal(secret.code, 0);
  assert.match(secret.stdout, /secrets: adv_login_password \(values always redacted/);
  assert.match(secret.stdout, /\n0\s+adv_login_password \(secret\)\s+string:8/);
  const grouped = await runCli(["blocks", "show", "17400"]);
  assert.match(grouped.stdout, /\s+top_level_enables\.chg_from_grid_enable\s+/);
});

Deno.test("blocks show of an unknown block fails with PARSER_UNKNOWN_BLOCK and a suggestion", async () => {
  const byName = await runCli(["blocks", "show", "APP_HOME_DAT"]);
  assert.equal(byName.code, 1);
  assert.equal(byName.stdout, "");
  assert.deepEqual(lines(byName.stderr), [
    "error: PARSER_UNKNOWN_BLOCK: Unknown block 'APP_HOME_DAT': run 'power-sdk blocks' to list the 45 known blocks; did you mean 'APP_HOME_DATA'?",
  ]);
  const byId = await runCli(["blocks", "show", "99999"]);
  assert.equal(byId.code, 1);
  assert.match(byId.stderr, /^error: PARSER_UNKNOWN_BLOCK: Unknown block '99999'/);
});

Deno.test("blocks returns 2 for a missing id, an extra argument or an unknown subcommand", async () => {
  const cases: [string[], string][] = [
    [["blocks", "show"], "error: missing the block id or name"],
    [["blocks", "show", "100", "1300"], "error: unexpected argument '1300': give one block"],
    [
      ["blocks", "shw", "100"],
      "error: unknown subcommand 'shw' for 'blocks'; did you mean 'show'?",
    ],
    [
      ["blocks", "100"],
      "error: unknown subcommand '100' for 'blocks'; did you mean 'blocks show 100'?",
    ],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, 2, args.join(" "));
    assert.equal(lines(run.stderr)[0], message);
    assert.match(lines(run.stderr)[1]!, /^Run 'power-sdk blocks( show)? --help' for usage\.$/);
  }
});

Deno.test("blocks show --help prints the subcommand's help", async () => {
  const run = await runCli(["blocks", "show", "--help"]);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^Usage: power-sdk blocks show <id\|name> \[--json\]/);
});
