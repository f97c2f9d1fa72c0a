// Decode speed on bad data: no input may make a decode more than 3× slower than a valid block
// of the same length. Run: deno task bench bench/bad_data_bench.ts
import { BlockSchema } from "../src/parser/mod.ts";
import { BLUETTI_V2_BLOCKS } from "../src/plugins/bluetti_v2/blocks.ts";

function schemaOf(id: number): BlockSchema {
  const def = BLUETTI_V2_BLOCKS.find((b) => b.id === id);
  if (!def) throw new Error(`no block ${id}`);
  return new BlockSchema(def);
}

const home = schemaOf(100);
// A valid 62-register reply with a full-length model string and a serial above 2^53.
const valid = home.encode({
  pack_voltage: 53.13,
  pack_current: 1.2,
  soc: 95,
  device_model: "ELITE200V2AB",
  device_serial: "18446744073709551000",
  total_ac_power: 217,
}, { length: 124 });
// The same reply with the 12 bytes of the model string (offset 20) replaced by control bytes.
const garbageModel = valid.slice();
for (let i = 20; i < 32; i++) garbageModel[i] = 0x01 + i;
const allOnes = new Uint8Array(124).fill(0xff);
const noise = new Uint8Array(124);
for (let i = 0, x = 7; i < noise.length; i++) {
  x = (x * 1103515245 + 12345) & 0x7fffffff;
  noise[i] = x >>> 16;
}

if (home.decode(garbageModel).warnings.length === 0) throw new Error("garbage model not flagged");

Deno.bench("decode block 100, valid (124 bytes)", { group: "bad-data", baseline: true }, () => {
  home.decode(valid);
});
Deno.bench("decode block 100, 12 garbage model-string bytes", { group: "bad-data" }, () => {
  home.decode(garbageModel);
});
Deno.bench("decode block 100, all bytes 0xff", { group: "bad-data" }, () => {
  home.decode(allOnes);
});
Deno.bench("decode block 100, noise", { group: "bad-data" }, () => {
  home.decode(noise);
});

const iot = schemaOf(11000);
const iotLength = iot.registerCount * 2;
const iotValid = new Uint8Array(iotLength);
for (let i = 0; i < iotLength; i++) iotValid[i] = 0x41 + (i % 26);
Deno.bench(
  "decode block 11000 IOT_INFO, valid text",
  { group: "bad-data-11000", baseline: true },
  () => {
    iot.decode(iotValid);
  },
);
const iotOnes = new Uint8Array(iotLength).fill(0xff);
Deno.bench("decode block 11000 IOT_INFO, all bytes 0xff", { group: "bad-data-11000" }, () => {
  iot.decode(iotOnes);
});
