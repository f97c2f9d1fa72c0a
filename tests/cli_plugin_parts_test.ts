// The CLI starts `runtime`, `profiles` and `controls` with the built-in plugins defined without
// their heavy parts (block schemas and compiler, register maps, simulation mapping) and loads
// them when a command needs them (src/plugins/_defined_builtin.ts). That must never show: the
// real CLI, as a subprocess, prints exactly what main() prints in this process, where the
// plugins were imported whole (src/cli/_test_utils.ts imports src/plugins/builtin.ts).
import assert from "node:assert/strict";
import { runCli } from "../src/cli/_test_utils.ts";
import { tempConfig } from "../src/runtime/config/_test_utils.ts";
import { powerSdk } from "./_support/cli.ts";
import { makeFifo } from "./_support/fifo.ts";

const METER_FILE = new URL("../examples/register-maps/energy_meter.yaml", import.meta.url);

const CONFIGS: Readonly<Record<string, string>> = {
  cloud: `version: 1
pipelines: { cloud: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: garage, pipeline: cloud, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }
`,
  // A local station's profile and a register-map file: their plugins' parts load on demand.
  mixed: `version: 1
pipelines:
  lan: { transport: modbus_tcp, vendor: bluetti, protocol: local }
  cloud: { transport: mqtt, vendor: bluetti, protocol: v2 }
  meters: { transport: modbus_tcp, vendor: generic, protocol: modbus }
devices:
  - { id: ac, pipeline: lan, profile_id: ep500pro, transport: { opts: { host: 127.0.0.1 } } }
  - { id: g, pipeline: cloud, profile_id: Elite 100 V2, transport: { opts: { device_sn: "1" } } }
  - { id: meter, pipeline: meters, profile_file: meter.yaml, transport: { opts: { host: 127.0.0.1 } } }
`,
  // Mistakes whose messages list or look up every plugin's profiles.
  wrong: `version: 1
pipelines: { cloud: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: a, pipeline: cloud, profile_id: EL30V3, transport: { opts: { device_sn: "1" } } }
  - { id: b, pipeline: cloud, profile_id: AC500, transport: { opts: { device_sn: "2" } } }
  - { id: c, pipeline: cloud, profile_file: missing.yaml, transport: { opts: { device_sn: "3" } } }
`,
};

Deno.test("runtime --dry-run, profiles and controls print the same as with the plugins whole", async () => {
  await using tmp = await tempConfig();
  await Deno.copyFile(METER_FILE, `${tmp.dir}/meter.yaml`);
  const cases: string[][] = [
    ["profiles"],
    ["profiles", "--json"],
    ["controls", "--profile", "EL100V2"],
    ["controls", "--profile", "AC500", "--json"],
    ["controls"],
  ];
  for (const [name, text] of Object.entries(CONFIGS)) {
    const file = `${tmp.dir}/${name}.yaml`;
    await Deno.writeTextFile(file, text);
    cases.push(["runtime", "--config", file, "--dry-run"]);
    cases.push(["runtime", "--config", file, "--dry-run", "--json"]);
  }
  for (const args of cases) {
    const [whole, lazy] = [await runCli(args), await powerSdk(args)];
    const shown = args.join(" ");
    assert.equal(lazy.code, whole.code, `${shown}: ${lazy.stderr}`);
    assert.equal(lazy.stdout, whole.stdout, shown);
    assert.equal(lazy.stderr, whole.stderr, shown);
  }
  // The comparison would see a difference: the mistakes are reported, the others print rows.
  const wrong = await powerSdk(["runtime", "--config", `${tmp.dir}/wrong.yaml`, "--dry-run"]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /EL30V3/);
  assert.match(wrong.stderr, /profile AC500 is a BLUETTI bluetti_local station/);
  const mixed = await powerSdk(["runtime", "--config", `${tmp.dir}/mixed.yaml`, "--dry-run"]);
  assert.equal(mixed.code, 0, mixed.stderr);
  assert.match(mixed.stdout, /EP500PRO/);
  assert.match(mixed.stdout, /ENERGY_METER \(meter\.yaml\)/);
});

Deno.test({
  name:
    "runtime reads its file once when a local station's profile loads the plugins' parts: a FIFO works",
  ignore: Deno.build.os === "windows",
  async fn() {
    // `--config <(envsubst < template)` gives a pipe, which can be read once. The local
    // station's profile needs the register maps, which load after the first validation; the
    // file must not be read again then (a second read of the FIFO would wait forever).
    await using tmp = await tempConfig();
    const fifo = `${tmp.dir}/runtime-fifo.yaml`;
    await makeFifo(fifo);
    const run = powerSdk(["runtime", "--config", fifo, "--dry-run"], { deadlineMs: 30_000 });
    // Opening a FIFO for writing waits for its reader; closing it ends the reader's text.
    await Deno.writeTextFile(fifo, CONFIGS.mixed!.replace(/\n.*profile_file.*\n/, "\n"));
    const { code, stdout, stderr } = await run;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /EP500PRO/);
  },
});
