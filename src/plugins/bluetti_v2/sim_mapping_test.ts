import assert from "node:assert/strict";
import "../builtin.ts";
import { BLUETTI_LOCAL } from "../bluetti_local/plugin.ts";
import { StationModel } from "../../testing/station_model.ts";
import { simulationOf } from "../../plugin/station_simulation.ts";
import { BLUETTI_V2 } from "./plugin.ts";
import { BLUETTI_V2_SIMULATION } from "./sim_mapping.ts";

Deno.test("the V2 mapping is reached through the plugin and turns registers into settings", () => {
  assert.equal(simulationOf(BLUETTI_V2), BLUETTI_V2_SIMULATION);
  const profile = BLUETTI_V2.profiles.find((p) => p.id === "EL30V2")!;
  const spec = BLUETTI_V2_SIMULATION.spec(profile);
  assert.equal(spec.capacityWh, 288);
  const registers = new Map<number, number>([[2011, 0], [2012, 1], [2020, 2], [2023, 0]]);
  const station = BLUETTI_V2_SIMULATION.createStation({
    profile,
    sn: "EL30V2123",
    spec,
    random: () => 0.5,
    register: (r) => registers.get(r) ?? 0,
  });
  assert.deepEqual([station.modelName, station.serialNumber], ["EL30V2", "123"]);
  const settings = station.settings();
  assert.equal(settings.acOutput, false);
  assert.equal(settings.dcOutput, true);
  assert.equal(settings.chargeRate, 1); // turbo
  assert.equal(settings.socCeiling, 100); // 0 reads as no ceiling
  assert.ok(station.initialRegisters.some(([r, v]) => r === 2011 && v === 1));
});

Deno.test("a profile whose plugin brings no simulation mapping cannot be simulated", () => {
  assert.equal(BLUETTI_LOCAL.simulation, undefined);
  assert.throws(
    () => new StationModel({ profile: BLUETTI_LOCAL.profiles[0]!, sn: "AC5001" }),
    { code: "CONFIG_INVALID", message: /bluetti_local .* cannot be simulated/ },
  );
});
