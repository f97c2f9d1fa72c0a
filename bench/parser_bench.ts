// Decode throughput of the built-in blocks that every profile polls. Run: deno task bench
import { BlockSchema } from "../src/parser/mod.ts";
import { BLUETTI_V2_BLOCKS } from "../src/plugins/bluetti_v2/blocks.ts";

function schemaOf(id: number): BlockSchema {
  const def = BLUETTI_V2_BLOCKS.find((b) => b.id === id);
  if (!def) throw new Error(`no block ${id}`);
  return new BlockSchema(def);
}

function payload(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = x & 0x7f;
  }
  return bytes;
}

const home = schemaOf(100);
const grid = schemaOf(1300);
const pack = schemaOf(6000);
const homeData = home.encode({
  pack_voltage: 53.13,
  pack_current: 1.2,
  soc: 95,
  device_model: "EL100V2",
  device_serial: "2616113487436",
  total_ac_power: 217,
}, { length: 124 });
const gridData = payload(grid.registerCount * 2, 2);
const packData = payload(pack.registerCount * 2, 3);

Deno.bench(
  "decode block 100 APP_HOME_DATA (124 bytes)",
  { group: "decode", baseline: true },
  () => {
    home.decode(homeData);
  },
);
Deno.bench("decode block 1300 INV_GRID_INFO", { group: "decode" }, () => {
  grid.decode(gridData);
});
Deno.bench("decode block 6000 PACK_MAIN_INFO", { group: "decode" }, () => {
  pack.decode(packData);
});
Deno.bench("encode block 100 APP_HOME_DATA", { group: "encode" }, () => {
  home.encode({ pack_voltage: 53.13, soc: 95, total_ac_power: 217 }, { length: 124 });
});
