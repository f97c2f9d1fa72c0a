import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseRegisterMapFile } from "../parser/register_map_file.ts";
import { SimulatedModbusStation } from "../testing/simulated_modbus_station.ts";
import { assertUsageError, runCli } from "./_test_utils.ts";

Deno.test("read --modbus-tcp prints a group's values with units, and JSON with a values map", async () => {
  await using station = await SimulatedModbusStation.start({
    profile: "AC500",
    values: { soc: 87, pack_voltage: 54.1, total_ac_power: 420 },
  });
  const where = `127.0.0.1:${station.port}`;
  const text = await runCli([
    "read",
    "--profile",
    "AC500",
    "--modbus-tcp",
    where,
    "--group",
    "live",
    "--pacing",
    "0",
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^AC500 \\(AC500\\) at ${where.replace(".", "\\.")}:\n`));
  assert.match(text.stdout, /\n {2}soc\s+87 %\n/);
  assert.match(text.stdout, /\n {2}pack_voltage\s+54\.1 V\n/);
  await station.whenIdle();
  const json = await runCli([
    "read",
    "--profile",
    "ac500",
    "--modbus-tcp",
    where,
    "--field",
    "soc,total_ac_power",
    "--json",
    "--pacing",
    "0",
  ]);
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.deepEqual(out.values, { total_ac_power: 420, soc: 87 });
  assert.equal(out.ok, true);
  assert.equal(out.transport, "modbus_tcp");
});

Deno.test("read --modbus-tcp exits 1 and names the fields a failed read would have given", async () => {
  await using station = await SimulatedModbusStation.start({
    profile: "AC500",
    values: { soc: 5 },
  });
  station.injectException(2);
  const run = await runCli([
    "read",
    "--profile",
    "AC500",
    "--modbus-tcp",
    `127.0.0.1:${station.port}`,
    "--field",
    "soc,pv_power",
    "--json",
    "--pacing",
    "0",
  ]);
  assert.equal(run.code, 1);
  const out = JSON.parse(run.stdout);
  assert.deepEqual(out.values, { soc: 5 });
  assert.equal(out.errors[0].code, "PROTOCOL_MODBUS_EXCEPTION");
  assert.match(
    run.stderr,
    /^error: PROTOCOL_MODBUS_EXCEPTION: pv_power \(registers 50004\.\.50004\): /,
  );
});

Deno.test("read --modbus-tcp refuses another unit id without --allow-unit-id, and a bad address", async () => {
  await assertUsageError(
    [
      "read",
      "--profile",
      "AC500",
      "--modbus-tcp",
      "127.0.0.1:1",
      "--unit-id",
      "2",
      "--group",
      "live",
    ],
    "Cannot use unit id 2 for AC500: the station answers on unit 1, and requests to other unit ids have frozen some stations' Modbus TCP server until a power cycle; allow it explicitly (allow_other_unit_id: true / --allow-unit-id) if you are sure",
    "read",
  );
  await assertUsageError(
    ["read", "--profile", "AC500", "--modbus-tcp", "host:99999", "--group", "live"],
    "option '--modbus-tcp' needs a port 1..65535, got '99999'",
    "read",
  );
  await assertUsageError(
    ["read", "--profile", "AC500", "--modbus-tcp", "h", "--group", "nope"],
    "unknown group 'nope' for profile AC500: expected one of live, totals, identity, controls",
    "read",
  );
});

Deno.test("write --modbus-tcp goes through the gates and reads the value back", async () => {
  await using station = await SimulatedModbusStation.start({
    profile: "BALCO260",
    quirks: { staleAfterWriteMs: 0 },
  });
  const base = [
    "write",
    "--profile",
    "Balco 260",
    "--modbus-tcp",
    `127.0.0.1:${station.port}`,
    "--read-back-delay",
    "0",
  ];
  const disabled = await runCli([...base, "--field", "soc_floor", "--value", "20"]);
  assert.equal(disabled.code, 1);
  assert.match(
    disabled.stderr,
    /^error: WRITE_REFUSED: Cannot write register 57016 \(soc_floor\): writes are disabled/,
  );
  await station.whenIdle();
  const range = await runCli([...base, "--field", "soc_floor", "--value", "95", "--enable-writes"]);
  assert.equal(range.code, 1);
  assert.match(range.stderr, /WRITE_REFUSED/);
  assert.equal(station.requests.length, 0, "nothing sent for refused writes");
  await station.whenIdle();
  const ok = await runCli([
    ...base,
    "--field",
    "soc_floor",
    "--value",
    "20",
    "--enable-writes",
    "--json",
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), {
    profile: "BALCO260",
    field: "soc_floor",
    register: 57016,
    value: 20,
    echoed_register: 2022,
    read_back: 20,
    tries: 1,
  });
});

Deno.test("read --profile-file reads any Modbus TCP device from a register-map file", async () => {
  const file = new URL("../../examples/register-maps/energy_meter.yaml", import.meta.url);
  const map = parseRegisterMapFile(await Deno.readTextFile(file), "energy_meter.yaml");
  await using station = await SimulatedModbusStation.start({
    map,
    values: { voltage_l1: 231.4, grid_power: -1520, frequency: 49.98 },
  });
  const run = await runCli([
    "read",
    "--profile-file",
    fileURLToPath(file),
    "--modbus-tcp",
    `127.0.0.1:${station.port}`,
    "--group",
    "live",
    "--json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const values = JSON.parse(run.stdout).values;
  assert.equal(values.voltage_l1, 231.4);
  assert.equal(values.grid_power, -1520);
  assert.equal(values.frequency, 49.98);
  assert.deepEqual(station.requests.map((r) => [r.address, r.quantity]), [[0, 15]]);
  await assertUsageError(
    [
      "read",
      "--profile",
      "AC500",
      "--profile-file",
      "x.yaml",
      "--modbus-tcp",
      "h",
      "--group",
      "live",
    ],
    "give '--profile' or '--profile-file', not both",
    "read",
  );
});
