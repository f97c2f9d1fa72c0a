// The runtime never reports another block's values as good: a station with frozen values,
// reached through an MQTT broker, under the fault mixes of issue 8 §1 (late replies past the
// timeout, duplicates, other blocks' replies, short unsolicited frames; rtu and iot-v2). Every
// snapshot with `ok: true` must carry exactly the values the station holds.
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { EmbeddedBroker, SimulatedStation } from "../src/testing/mod.ts";
import { loadRuntimeConfig, resolveRuntime, Runtime } from "../src/runtime/mod.ts";
import type { Snapshot } from "../src/runtime/mod.ts";
import { getProfile } from "../profiles/mod.ts";
import { createBluettiRegistry } from "../src/plugins/bluetti_v2/registry.ts";

const FROZEN = () => 1_767_225_600_000;
const SN = "EL100V2000888";

interface Tally {
  snapshots: number;
  ok: number;
  wrongOk: number;
  failed: Record<string, number>;
}

async function run(faults: string, framing: "rtu" | "iot-v2", cycles: number, timeoutMs: number) {
  await using broker = await EmbeddedBroker.start();
  await using station = await SimulatedStation.start({
    profile: "EL100V2",
    sn: SN,
    brokerUrl: broker.url,
    framing,
    now: FROZEN,
    seed: 11,
    faults,
  });
  const registry = createBluettiRegistry();
  const profile = getProfile("EL100V2");
  const expected = (id: number) =>
    JSON.parse(JSON.stringify(
      registry.require(id).decode(
        station.model.blockData(id, profile.registerCounts[String(id)]),
      ).values,
    ));
  const yaml = `
version: 1
pipelines: { local: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 } }
defaults:
  sink: memory
  transport: { opts: { broker: "mqtt://127.0.0.1", port: ${broker.port}, allow_insecure: true } }
devices:
  - id: station
    pipeline: local
    profile_id: EL100V2
    groups: [core, grid, battery]
    transport: { opts: { device_sn: ${SN}, framing: ${framing} } }
`;
  const runtime = new Runtime(resolveRuntime(loadRuntimeConfig(yaml)), { timeoutMs });
  const tally: Tally = { snapshots: 0, ok: 0, wrongOk: 0, failed: {} };
  const wrong: Snapshot[] = [];
  try {
    for (let i = 0; i < cycles; i++) {
      for (const snapshot of await runtime.runOnce()) {
        tally.snapshots++;
        for (const e of snapshot.errors) tally.failed[e.code] = (tally.failed[e.code] ?? 0) + 1;
        if (!snapshot.ok) continue;
        tally.ok++;
        const bad = snapshot.blocks.some((b) =>
          !isDeepStrictEqual(JSON.parse(JSON.stringify(b.values)), expected(b.blockId))
        );
        if (bad) {
          tally.wrongOk++;
          wrong.push(snapshot);
        }
      }
    }
  } finally {
    await runtime.stop();
  }
  return { tally, wrong };
}

for (const framing of ["rtu", "iot-v2"] as const) {
  for (
    const [faults, timeoutMs] of [
      ["late:0.2:450ms", 200], // late past the timeout and the runtime's 200 ms retry wait
      ["duplicate:0.3,foreign:0.3,short:0.3", 1000],
    ] as const
  ) {
    Deno.test(`runtime: no ok snapshot carries wrong values under ${faults} (${framing})`, async () => {
      const { tally, wrong } = await run(faults, framing, 12, timeoutMs);
      assert.equal(tally.wrongOk, 0, JSON.stringify({ tally, first: wrong[0] }));
      assert.ok(tally.ok > tally.snapshots / 2, JSON.stringify(tally));
    });
  }
}

Deno.test("runtime: a station slower than the timeout gives error snapshots, never another block's values", async () => {
  // The late:6000ms with the default 5 s timeout, scaled: every reply is late.
  const { tally, wrong } = await run("late:130ms", "rtu", 2, 100);
  assert.equal(tally.wrongOk, 0, JSON.stringify({ tally, first: wrong[0] }));
  assert.ok((tally.failed.TRANSPORT_TIMEOUT ?? 0) > 0, JSON.stringify(tally));
});
