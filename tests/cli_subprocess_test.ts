// The real CLI as a user runs it: `deno run -P=cli cli.ts ...` in a subprocess, so the tests
// also prove the CLI needs nothing beyond the `cli` permission set.
import assert from "node:assert/strict";
import { SchemaRegistry } from "../src/parser/mod.ts";
import { BLUETTI_V2_BLOCKS } from "../src/plugins/mod.ts";
import { getFraming } from "../src/protocol/mod.ts";
import { buildReadReply } from "../testing.ts";
import { lines, powerSdk } from "./_support/cli.ts";

const registry = new SchemaRegistry(BLUETTI_V2_BLOCKS);

/** Block 100 data as an AP300 reports it, 62 registers. */
function homeData(): Uint8Array {
  return registry.require(100).encode(
    { pack_voltage: 53.13, soc: 95, device_model: "AP300" },
    { length: 124 },
  );
}

Deno.test("power-sdk blocks lists the blocks", async () => {
  const run = await powerSdk(["blocks"]);
  assert.equal(run.stderr, "");
  assert.equal(run.code, 0);
  const rows = lines(run.stdout);
  assert.match(rows[0]!, /^ID\s+NAME\s+REGS\s+STATUS\s+DESCRIPTION$/);
  assert.equal(rows.length, 1 + BLUETTI_V2_BLOCKS.length);
  assert.match(rows[1]!, /^100\s+APP_HOME_DATA\s+72\s+verified_reference\s/);
});

Deno.test("power-sdk blocks show 100 prints the fields", async () => {
  const run = await powerSdk(["blocks", "show", "100"]);
  assert.equal(run.stderr, "");
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^block 100 APP_HOME_DATA: /);
  assert.match(
    run.stdout,
    /\nOFFSET\s+FIELD\s+TYPE\s+TRANSFORMS\s+UNIT\s+REQUIRED\s+SINCE\s+EVIDENCE\n/,
  );
  assert.match(run.stdout, /\n0\s+pack_voltage\s+uint16\s+scale:0\.01\s+V\s+yes\s+-\s+corrected/);
});

Deno.test("power-sdk decode --block 1300 decodes data bytes", async () => {
  const data = registry.require(1300).encode({ frequency: 50, phase_0_voltage: 230.4 });
  const run = await powerSdk(["decode", "--block", "1300", data.toHex()]);
  assert.equal(run.stderr, "");
  assert.equal(run.code, 0);
  assert.match(
    run.stdout,
    /^INV_GRID_INFO \(block 1300\): 34 data bytes, protocol version unknown\n/,
  );
  assert.match(run.stdout, /\nfrequency\s+50\s+Hz\n/);
  assert.match(run.stdout, /\nphase_0_voltage\s+230\.4\s+V\n/);
});

Deno.test("power-sdk decode --framing iot-v2 decodes a captured reply", async () => {
  const framing = getFraming("iot-v2");
  const payload = framing.wrapReply(buildReadReply(0, homeData()));
  const run = await powerSdk(["decode", "--block", "100", "--framing", "iot-v2", payload.toHex()]);
  assert.equal(run.stderr, "");
  assert.equal(run.code, 0);
  assert.match(run.stdout, /from a reply \(iot-v2 framing, 62 registers\)/);
  assert.match(run.stdout, /\npack_voltage\s+53\.13\s+V\n/);
  assert.match(run.stdout, /\nsoc\s+95\s+%\n/);
  assert.match(run.stdout, /\ndevice_model\s+AP300\n/);
});

Deno.test("power-sdk decode reports a CRC failure on one line, exit 1", async () => {
  const framing = getFraming("iot-v2");
  const payload = framing.wrapReply(buildReadReply(0, homeData()));
  payload[payload.length - 2]! ^= 0x01;
  const run = await powerSdk(["decode", "--block", "100", "--framing", "iot-v2", payload.toHex()]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.equal(lines(run.stderr).length, 1, run.stderr);
  assert.match(run.stderr, /^error: PROTOCOL_CRC: Cannot parse reply: CRC mismatch/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

Deno.test("power-sdk blcoks is a usage error with a suggestion, exit 2", async () => {
  const run = await powerSdk(["blcoks"]);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, "");
  assert.deepEqual(lines(run.stderr), [
    "error: unknown command 'blcoks'; did you mean 'blocks'?",
    "Run 'power-sdk --help' for usage.",
  ]);
});

Deno.test("power-sdk profiles --json prints JSON", async () => {
  const run = await powerSdk(["profiles", "--json"]);
  assert.equal(run.stderr, "");
  assert.equal(run.code, 0);
  const profiles: { id: string; groups: { name: string }[] }[] = JSON.parse(run.stdout);
  assert.deepEqual(profiles.map((p) => p.id), ["EL30V2", "EL100V2", "ELITE200V2", "GENERIC_V2"]);
  assert.ok(profiles.every((p) => p.groups.some((g) => g.name === "core")));
});

Deno.test("power-sdk --version prints the version of deno.json", async () => {
  const run = await powerSdk(["--version"]);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^power-sdk \d+\.\d+\.\d+\n$/);
});
