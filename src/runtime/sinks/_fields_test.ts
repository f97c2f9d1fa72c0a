import assert from "node:assert/strict";
import { numericFields, quantityOf, slug } from "./_fields.ts";
import { makeSnapshot } from "./_test_utils.ts";

Deno.test("quantityOf() classifies by unit only; % is a battery level for soc fields", () => {
  assert.equal(quantityOf("%", "soc"), "battery");
  assert.equal(quantityOf("%", "pack_soc"), "battery");
  assert.equal(quantityOf("%", "soh"), "percent");
  assert.equal(quantityOf("kWh", "anything"), "energy");
  assert.equal(quantityOf("°C", "temp_avg"), "temperature");
  assert.equal(quantityOf("min", "time_to_full"), "duration");
  assert.equal(quantityOf("0.1°C", "raw_temp"), "none");
  assert.equal(quantityOf(null, "charging_status"), "none");
});

Deno.test("numericFields() flattens nested groups, keeps null, drops text and bytes", () => {
  const fields = numericFields(makeSnapshot({
    values: {
      soc: 55,
      off: false,
      none: null,
      broken: Number.NaN,
      model: "EL100V2",
      raw: new Uint8Array([1]),
      phases: { "0": { power: 120 } },
    },
    units: { soc: "%", "phases.0.power": "W" },
  }));
  assert.deepEqual(
    fields.map((f) => [f.key, f.value, f.unit, f.quantity]),
    [
      ["app_home_data_soc", 55, "%", "battery"],
      ["app_home_data_off", 0, null, "none"],
      ["app_home_data_none", null, null, "none"],
      ["app_home_data_broken", null, null, "none"],
      ["app_home_data_phases_0_power", 120, "W", "power"],
    ],
  );
  assert.equal(slug("Odd Block--Name!"), "odd_block_name");
});

Deno.test("numericFields() leaves suspect blocks out", () => {
  const snapshot = makeSnapshot({
    blocks: [
      { blockId: 100, name: "APP_HOME_DATA", values: { soc: 55 }, units: {}, warnings: [] },
      {
        blockId: 6000,
        name: "PACK_MAIN_INFO",
        values: { soc: 900 },
        units: {},
        warnings: ["soc: 900 is impossible"],
        suspect: true,
      },
    ],
  });
  assert.deepEqual(numericFields(snapshot).map((f) => f.key), ["app_home_data_soc"]);
});
