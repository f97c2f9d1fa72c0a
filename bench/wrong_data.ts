// Wrong-but-ok reads under the fault mixes of issue 8 §1: a station with frozen values behind
// mosquitto (the embedded broker when mosquitto is missing), read through the library
// (Client.readBlock) and through the runtime (snapshots), rtu and iot-v2. A read may fail; it
// must never return another block's values as good.
// Run: deno task bench:wrong-data [reads per mix] [only mixes containing this text]   — prints Markdown tables for docs/benchmarks.md.
import { isDeepStrictEqual } from "node:util";
import { Client } from "../src/client/mod.ts";
import { PowerSdkError } from "../src/errors/errors.ts";
import { MqttTransport } from "../src/transport/mod.ts";
import { EmbeddedBroker, SimulatedStation } from "../src/testing/mod.ts";
import { loadRuntimeConfig, resolveRuntime, Runtime } from "../src/runtime/mod.ts";
import { getProfile } from "../profiles/mod.ts";
import { createBluettiRegistry } from "../src/plugins/bluetti_v2/registry.ts";
import { startMosquitto } from "../tests/_support/mosquitto.ts";

const READS = Number(Deno.args[0] ?? "500");
const ONLY = Deno.args[1] ?? ""; // run only the mixes whose spec contains this text
const FROZEN = () => 1_767_225_600_000;
const BLOCKS = [100, 1300, 6000, 1100, 1400, 1500, 6100];
const ALL_MIXES: readonly { faults: string; timeoutMs: number; share?: number }[] = [
  { faults: "late:0.1:500ms", timeoutMs: 400 },
  // A station slower than the timeout (the late:6000ms with the 5 s default, scaled):
  // every read fails; a tenth of the reads, each costs a timeout and a grace period.
  { faults: "late:500ms", timeoutMs: 400, share: 0.1 },
  { faults: "duplicate:0.3", timeoutMs: 2000 },
  { faults: "foreign:0.3", timeoutMs: 2000 },
  { faults: "short:0.3,unsolicited:0.3", timeoutMs: 2000 },
];
const MIXES = ALL_MIXES.filter((m) => m.faults.includes(ONLY));
const readsOf = (mix: (typeof MIXES)[number]) => Math.ceil(READS * (mix.share ?? 1));

interface Row {
  path: string;
  framing: string;
  faults: string;
  reads: number;
  good: number;
  wrong: number;
  suspect: number;
  failures: Record<string, number>;
}

const registry = createBluettiRegistry();
const profile = getProfile("EL100V2");
let serial = 0;

function expectedValues(station: SimulatedStation, id: number): unknown {
  const data = station.model.blockData(id, profile.registerCounts[String(id)]);
  return JSON.parse(JSON.stringify(registry.require(id).decode(data).values));
}

/** What became of one read: judged against the station's values, suspect, failed, or unjudged. */
type Outcome =
  | { kind: "good" | "wrong" | "suspect" | "unjudged" }
  | { kind: "failed"; code: string };

/** A way to read the station: each call makes one or more reads and says what became of them. */
type Reads = (station: SimulatedStation, sn: string) => Promise<{
  next(): Promise<Outcome[]>;
  close(): Promise<void>;
}>;

function judge(station: SimulatedStation, id: number, values: unknown): Outcome {
  const same = isDeepStrictEqual(JSON.parse(JSON.stringify(values)), expectedValues(station, id));
  return { kind: same ? "good" : "wrong" };
}

/** The measurement loop, the same for both paths: a station with the mix, `reads` reads. */
async function measure(
  path: string,
  url: string,
  framing: "rtu" | "iot-v2",
  mix: (typeof MIXES)[number],
  open: Reads,
): Promise<Row> {
  const sn = `EL100V2WD${++serial}`;
  await using station = await SimulatedStation.start({
    profile: "EL100V2",
    sn,
    brokerUrl: url,
    framing,
    now: FROZEN,
    faults: mix.faults,
  });
  const reads = await open(station, sn);
  const row: Row = {
    path,
    framing,
    faults: mix.faults,
    reads: 0,
    good: 0,
    wrong: 0,
    suspect: 0,
    failures: {},
  };
  try {
    while (row.reads < readsOf(mix)) {
      for (const outcome of await reads.next()) {
        row.reads++;
        if (outcome.kind === "failed") {
          row.failures[outcome.code] = (row.failures[outcome.code] ?? 0) + 1;
        } else if (outcome.kind !== "unjudged") row[outcome.kind]++;
      }
    }
  } finally {
    await reads.close();
  }
  return row;
}

/** Through the library: one Client.readBlock per read, no retry. */
function library(framing: "rtu" | "iot-v2", mix: (typeof MIXES)[number], url: string): Reads {
  return async (station, sn) => {
    const client = new Client({
      transport: new MqttTransport({
        broker: url,
        deviceSn: sn,
        allowInsecure: true,
        logger: () => {},
      }),
      profile,
      framing,
      timeoutMs: mix.timeoutMs,
    });
    await client.connect();
    let i = 0;
    return {
      async next() {
        const id = BLOCKS[i++ % BLOCKS.length]!;
        try {
          const record = await client.readBlock(id, { retry: false });
          return [
            record.suspect === true ? { kind: "suspect" } : judge(station, id, record.values),
          ];
        } catch (error) {
          if (!(error instanceof PowerSdkError)) throw error;
          return [{ kind: "failed", code: error.code }];
        }
      },
      close: () => client.close(),
    };
  };
}

/**
 * Through the runtime: every block of a snapshot is a read (suspect when the snapshot marks it
 * so, judged only when the snapshot is ok), and so is every error but the suspect marks.
 */
function runtime(framing: "rtu" | "iot-v2", mix: (typeof MIXES)[number], url: string): Reads {
  return (station, sn) => {
    const yaml = `
version: 1
pipelines: { local: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 } }
defaults:
  sink: memory
  transport: { opts: { broker: "mqtt://127.0.0.1", port: ${
      new URL(url).port
    }, allow_insecure: true } }
devices:
  - { id: station, pipeline: local, profile_id: EL100V2, transport: { opts: { device_sn: ${sn}, framing: ${framing} } } }
`;
    const rt = new Runtime(resolveRuntime(loadRuntimeConfig(yaml)), { timeoutMs: mix.timeoutMs });
    return Promise.resolve({
      async next() {
        const outcomes: Outcome[] = [];
        for (const snapshot of await rt.runOnce()) {
          const suspect = new Set(
            snapshot.errors.filter((e) => e.code === "PARSER_SUSPECT_BLOCK").map((e) => e.blockId),
          );
          for (const e of snapshot.errors) {
            if (e.code !== "PARSER_SUSPECT_BLOCK") outcomes.push({ kind: "failed", code: e.code });
          }
          for (const block of snapshot.blocks) {
            if (suspect.has(block.blockId)) outcomes.push({ kind: "suspect" });
            else if (!snapshot.ok) outcomes.push({ kind: "unjudged" });
            else outcomes.push(judge(station, block.blockId, block.values));
          }
        }
        return outcomes;
      },
      close: () => rt.stop(),
    });
  };
}

const mosquitto = await startMosquitto();
await using embedded = mosquitto === null ? await EmbeddedBroker.start() : null;
const url = mosquitto?.url ?? embedded!.url;
const rows: Row[] = [];
try {
  for (const framing of ["rtu", "iot-v2"] as const) {
    for (const mix of MIXES) {
      rows.push(await measure("library", url, framing, mix, library(framing, mix, url)));
      rows.push(await measure("runtime", url, framing, mix, runtime(framing, mix, url)));
      console.error(JSON.stringify(rows.at(-2)), JSON.stringify(rows.at(-1)));
    }
  }
} finally {
  await mosquitto?.stop();
}

console.log(`broker: ${mosquitto === null ? "embedded" : "mosquitto"}\n`);
console.log(
  "| path | framing | faults (timeout) | reads | good | failed (by kind) | suspect | wrong-but-ok |",
);
console.log(
  "| ---- | ------- | ---------------- | ----- | ---- | ---------------- | ------- | ------------ |",
);
for (const r of rows) {
  const mix = MIXES.find((m) => m.faults === r.faults)!;
  const failed = Object.entries(r.failures).filter(([code]) => code !== "PARSER_SUSPECT_BLOCK")
    .map(([code, n]) => `${code} ${n}`).join(", ") || "none";
  console.log(
    `| ${r.path} | ${r.framing} | \`${r.faults}\` (${mix.timeoutMs} ms) | ${r.reads} | ${r.good} | ${failed} | ${r.suspect} | **${r.wrong}** |`,
  );
}
