import assert from "node:assert/strict";
import { shardOf } from "../runtime/mod.ts";
import { runCli, runtimeConfigFile as configFile } from "./_test_utils.ts";

const IDS = Array.from({ length: 12 }, (_, i) => `station_${i}`);

Deno.test("runtime --shard i/n: n instances of one file run every device exactly once", async () => {
  await using file = await configFile([
    "version: 1",
    "pipelines:",
    "  lan:",
    "    transport: mqtt",
    "    vendor: bluetti",
    "    protocol: v2",
    '    transport_opts: { broker: "mqtt://127.0.0.1", port: 1883, allow_insecure: true }',
    "devices:",
    ...IDS.map((id, i) =>
      `  - { id: ${id}, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: SN${i} } } }`
    ),
    "",
  ].join("\n"));
  const parts: string[][] = [];
  for (let index = 0; index < 3; index++) {
    const run = await runCli([
      "runtime",
      "--config",
      file.path,
      "--dry-run",
      "--json",
      "--shard",
      `${index}/3`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const rows: { device: string }[] = JSON.parse(run.stdout);
    parts.push(rows.map((row) => row.device));
    assert.deepEqual(rows.map((row) => row.device), IDS.filter((id) => shardOf(id, 3) === index));
  }
  assert.deepEqual(parts.flat().sort(), [...IDS].sort());
  assert.ok(parts.every((part) => part.length > 0), JSON.stringify(parts));
});

Deno.test("runtime --shard refuses a malformed or out-of-range shard as a usage error", async () => {
  for (const [shard, message] of [["3/3", "the index must be 0..2"], ["x", "expected i/n"]]) {
    const run = await runCli(["runtime", "--config", "a.yaml", "--dry-run", "--shard", shard!]);
    assert.equal(run.code, 2, run.stderr);
    assert.ok(run.stderr.includes(message!), run.stderr);
  }
});
