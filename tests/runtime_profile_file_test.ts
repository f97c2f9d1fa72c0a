// runtime.yaml's `profile_file:`: a Modbus TCP device described by a register-map file, read
// relative to runtime.yaml's folder, checked when the file is loaded (errors located in the map
// file, or at runtime.yaml's `profile_file` when it cannot be read), shown by --dry-run and
// polled by the real CLI (`runtime --once --json`) from a simulated station serving that map.
import assert from "node:assert/strict";
import { readRuntimeConfig, resolveRuntime, type Snapshot } from "../mod.ts";
import { parseRegisterMapFile } from "../src/parser/register_map_file.ts";
import { tempConfig } from "../src/runtime/config/_test_utils.ts";
import { SimulatedModbusStation } from "../testing.ts";
import { lines, powerSdk } from "./_support/cli.ts";

const METER_FILE = new URL("../examples/register-maps/energy_meter.yaml", import.meta.url);

/** runtime.yaml polling meters described by `maps/meter.yaml`, beside it. */
function runtimeYaml(port: number, extra = ""): string {
  return `version: 1
pipelines:
  meters:
    transport: modbus_tcp
    vendor: generic
    protocol: modbus
    transport_opts: { host: 127.0.0.1, port: ${port}, pacing_ms: 0 }
devices:
  - id: house
    pipeline: meters
    profile_file: maps/meter.yaml
    groups: [live]
${extra}`;
}

Deno.test("runtime --once --json polls a device described by profile_file through the real CLI", async () => {
  const text = await Deno.readTextFile(METER_FILE);
  await using station = await SimulatedModbusStation.start({
    map: parseRegisterMapFile(text, "energy_meter.yaml"),
    values: { grid_power: -1234, frequency: 50.01, voltage_l1: 230.4 },
  });
  await using tmp = await tempConfig(runtimeYaml(station.port));
  await Deno.mkdir(`${tmp.dir}/maps`);
  await Deno.writeTextFile(`${tmp.dir}/maps/meter.yaml`, text);

  const dry = await powerSdk(["runtime", "--config", tmp.file, "--dry-run", "--json"]);
  assert.equal(dry.code, 0, dry.stderr);
  const [row] = JSON.parse(dry.stdout);
  assert.equal(row.profile, "ENERGY_METER");
  assert.equal(row.profileFile, `${tmp.dir}/maps/meter.yaml`);
  assert.deepEqual(row.groups, [{ name: "live", intervalS: 10 }]);
  const table = await powerSdk(["runtime", "--config", tmp.file, "--dry-run"]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /ENERGY_METER \(meter\.yaml\)/);

  const run = await powerSdk(["runtime", "--config", tmp.file, "--once", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const snapshots = JSON.parse(run.stdout) as Snapshot[];
  assert.equal(snapshots.length, 1);
  assert.equal(snapshots[0]?.ok, true, JSON.stringify(snapshots[0]?.errors));
  assert.equal(snapshots[0]?.profile, "ENERGY_METER");
  const values = Object.assign({}, ...snapshots[0]!.blocks.map((b) => b.values));
  assert.equal(values.grid_power, -1234);
  assert.equal(values.frequency, 50.01);
  assert.equal(values.voltage_l1, 230.4);
  assert.ok(station.requests.length > 0 && station.requests.every((r) => r.outcome === "reply"));
});

Deno.test("a bad register map is reported at its own file:line:column, a missing one at runtime.yaml's", async () => {
  await using tmp = await tempConfig(
    runtimeYaml(
      1502,
      `  - { id: shed, pipeline: meters, profile_file: maps/missing.yaml }
  - { id: both, pipeline: meters, profile_id: AC500, profile_file: maps/meter.yaml }
`,
    ),
  );
  await Deno.mkdir(`${tmp.dir}/maps`);
  await Deno.writeTextFile(
    `${tmp.dir}/maps/meter.yaml`,
    `id: METER
served: [[0, 9]]
max_span: 10
fields:
  - { name: grid_power, address: 0, type: int33 }
groups: { live: { fields: [grid_power] } }
`,
  );
  const run = await powerSdk(["runtime", "--config", tmp.file, "--dry-run"]);
  assert.equal(run.code, 1);
  const [header, ...problems] = lines(run.stderr);
  assert.match(
    header!,
    /^error: CONFIG_INVALID: Cannot load the runtime configuration: 3 problems/,
  );
  assert.deepEqual(problems, [
    `${tmp.file}:13:49: devices[1].profile_file: cannot read register map ${tmp.dir}/maps/missing.yaml: no such file`,
    `${tmp.file}:14:68: devices[2].profile_file: give profile_id or profile_file, not both (profile_file is a register map describing the device)`,
    `${tmp.dir}/maps/meter.yaml:5:43: fields[0].type: Unknown datatype 'int33': expected one of uint8, int8, uint16, int16, uint32, int32, uint32_lw, int32_lw, string:N, string_swapped:N, serial_u64_rev, bitmap:8|16|32 (the register map of devices[0].profile_file)`,
  ]);
});

Deno.test("a pipeline's profile_file serves its devices; a plugin without register maps refuses one", async () => {
  await using tmp = await tempConfig(`version: 1
pipelines:
  meters:
    transport: modbus_tcp
    vendor: generic
    protocol: modbus
    profile_file: meter.yaml
    transport_opts: { host: 127.0.0.1 }
  cloud: { transport: mqtt, vendor: bluetti, protocol: v2, profile_file: meter.yaml }
devices:
  - { id: a, pipeline: meters }
  - { id: b, pipeline: meters, transport: { opts: { port: 1502 } } }
`);
  await Deno.copyFile(METER_FILE, `${tmp.dir}/meter.yaml`);
  const config = await readRuntimeConfig(tmp.file);
  assert.equal(config.pipelines.meters?.profile_file, `${tmp.dir}/meter.yaml`);
  const [a, b] = resolveRuntime(config).devices;
  assert.equal(a?.profileId, "ENERGY_METER");
  assert.equal(a?.profileFile, `${tmp.dir}/meter.yaml`);
  // One file, read and compiled once: the devices share its plugin.
  assert.equal(a?.plugin, b?.plugin);
  assert.equal(
    a?.plugin?.profiles[0]?.groups.find((g) => g.name === "live")?.pollIntervalMs,
    10_000,
  );

  await Deno.writeTextFile(
    tmp.file,
    (await Deno.readTextFile(tmp.file)) + "  - { id: c, pipeline: cloud }\n",
  );
  await assert.rejects(readRuntimeConfig(tmp.file), (error: Error) => {
    assert.match(
      error.message,
      /runtime\.yaml:9:74: pipelines\.cloud\.profile_file: plugin bluetti\/v2 of pipeline 'cloud' takes no register-map file \(plugins that do: bluetti\/local, generic\/modbus\)/,
    );
    return true;
  });
});
