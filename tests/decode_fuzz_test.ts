// The built-in plugins register the iot-v2 and v1 envelopes.
import "../src/plugins/mod.ts";
// A bounded, seeded fuzz of the whole decode path (framing → frame validation → block decode)
// over random and mutated frames: nothing but the project's typed errors may escape.
// CI runs FUZZ_ITERATIONS (default 20,000); `deno task fuzz` runs 1,000,000.
import assert from "node:assert/strict";
import { PowerSdkError } from "../src/errors/mod.ts";
import { type FramingName, getFraming, parseReply } from "../src/protocol/mod.ts";
import { buildReadReply } from "../src/protocol/build_reply.ts";
import { createBluettiRegistry } from "../src/plugins/bluetti_v2/registry.ts";
import { seededRandom } from "../src/testing/faults.ts";

const iterations = Number(Deno.env.get("FUZZ_ITERATIONS") ?? "20000");
const seed = Number(Deno.env.get("FUZZ_SEED") ?? "20261127");

Deno.test(`decode path throws only typed errors on ${iterations} random and mutated frames`, () => {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const schemas = createBluettiRegistry().list();
  const framings: FramingName[] = ["rtu", "iot-v2", "v1"];
  const outcomes = { decoded: 0, typedErrors: 0 };
  const codes = new Set<string>();

  for (let i = 0; i < iterations; i++) {
    const schema = schemas[int(schemas.length)]!;
    const framing = getFraming(framings[int(3)]!);
    const quantity = schema.registerCount;
    const data = new Uint8Array(2 * (1 + int(quantity)));
    for (let k = 0; k < data.length; k++) data[k] = int(256);
    let payload = framing.wrapReply(buildReadReply(framing.deviceAddress, data));
    switch (int(5)) {
      case 0: // a valid frame
        break;
      case 1: { // flip bits
        payload = payload.slice();
        for (let n = 1 + int(4); n > 0; n--) payload[int(payload.length)]! ^= 1 << int(8);
        break;
      }
      case 2: // truncate
        payload = payload.subarray(0, int(payload.length));
        break;
      case 3: { // extend
        const longer = new Uint8Array(payload.length + 1 + int(8));
        longer.set(payload);
        for (let k = payload.length; k < longer.length; k++) longer[k] = int(256);
        payload = longer;
        break;
      }
      default: { // pure noise
        payload = new Uint8Array(int(300));
        for (let k = 0; k < payload.length; k++) payload[k] = int(256);
      }
    }
    try {
      const rtu = framing.unwrap(payload);
      const reply = parseReply(rtu, {
        function: 0x03,
        address: framing.deviceAddress,
        start: schema.id,
        quantity,
      });
      if (reply.function !== 0x03) throw new Error("a read request got a non-read reply");
      schema.decode(reply.data, { strict: random() < 0.5 });
      outcomes.decoded++;
    } catch (error) {
      if (!(error instanceof PowerSdkError)) {
        throw new Error(`iteration ${i} (seed ${seed}) threw an untyped error: ${error}`, {
          cause: error,
        });
      }
      codes.add(error.code);
      outcomes.typedErrors++;
    }
  }
  assert.equal(outcomes.decoded + outcomes.typedErrors, iterations);
  if (iterations >= 5000) {
    // The mix must exercise both outcomes and the main failure kinds, or the fuzz is idle.
    assert.ok(outcomes.decoded > iterations / 10, JSON.stringify(outcomes));
    for (const code of ["PROTOCOL_CRC", "PROTOCOL_TRUNCATED", "PROTOCOL_FRAMING"]) {
      assert.ok(codes.has(code), `no ${code} among ${[...codes]}`);
    }
  }
});
