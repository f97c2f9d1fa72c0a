// The real CLI in subprocesses: a simulated Modbus TCP station and a read against it.
import assert from "node:assert/strict";
import { CliProcess, powerSdk } from "./_support/cli.ts";

Deno.test("simulate --transport modbus-tcp serves a station that read --modbus-tcp reads", async () => {
  await using station = new CliProcess([
    "simulate",
    "--transport",
    "modbus-tcp",
    "--profile",
    "EP500Pro",
    "--set",
    "soc=71,pack_voltage=53.2",
  ]);
  const line = await station.waitFor(/running on 127\.0\.0\.1:\d+/);
  const port = /127\.0\.0\.1:(\d+)/.exec(line)![1]!;
  const run = await powerSdk([
    "read",
    "--profile",
    "EP500PRO",
    "--modbus-tcp",
    `127.0.0.1:${port}`,
    "--field",
    "soc,pack_voltage,device_model",
    "--json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).values, {
    device_model: "EP500PRO",
    pack_voltage: 53.2,
    soc: 71,
  });
  station.signal("SIGTERM");
  assert.equal((await station.exited()).code, 0);
});
