// The influxdb sink against Debian's influxd 1.6 (temp config, every directory in a temp folder,
// random ports, reporting off): points written by the runtime and queried back, and names that
// need escaping written and read back unchanged.
import "../mod.ts"; // defines the built-in plugins
import assert from "node:assert/strict";
import {
  InfluxDbSink,
  loadRuntimeConfig,
  resolveRuntime,
  Runtime,
  type Snapshot,
} from "../src/runtime/mod.ts";
import { EmbeddedBroker } from "../testing.ts";
import { GARAGE, startStations } from "./_support/output_stations.ts";
import { findExecutable, freePort, TestProcess, until } from "./_support/processes.ts";

const INFLUXD = findExecutable("influxd");

interface Influx extends AsyncDisposable {
  readonly url: string;
  query(q: string, db?: string): Promise<InfluxSeries[]>;
}

interface InfluxSeries {
  readonly name: string;
  readonly columns: string[];
  readonly values: unknown[][];
  readonly tags?: Record<string, string>;
}

async function startInfluxd(): Promise<Influx> {
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-influxd-" });
  let last = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const http = freePort();
    const rpc = freePort();
    await Deno.writeTextFile(
      `${dir}/influxdb.conf`,
      [
        "reporting-disabled = true",
        `bind-address = "127.0.0.1:${rpc}"`,
        "[meta]",
        `  dir = "${dir}/meta"`,
        "[data]",
        `  dir = "${dir}/data"`,
        `  wal-dir = "${dir}/wal"`,
        "  query-log-enabled = false",
        "[http]",
        "  enabled = true",
        `  bind-address = "127.0.0.1:${http}"`,
        "  log-enabled = false",
        "[monitor]",
        "  store-enabled = false",
        "[subscriber]",
        "  enabled = false",
        "[continuous_queries]",
        "  enabled = false",
        "",
      ].join("\n"),
    );
    const process = new TestProcess(INFLUXD!, ["-config", `${dir}/influxdb.conf`], dir);
    const url = `http://127.0.0.1:${http}`;
    const ready = await until("influxd ready", async () => {
      if (process.exited) return false;
      const response = await fetch(`${url}/ping`);
      await response.body?.cancel();
      return response.status === 204 ? true : undefined;
    });
    if (!ready) {
      last = process.output;
      await process.stop();
      continue;
    }
    const query = async (q: string, db?: string): Promise<InfluxSeries[]> => {
      const params = new URLSearchParams({ q });
      if (db) params.set("db", db);
      const response = await fetch(`${url}/query`, { method: "POST", body: params });
      const body = await response.json() as {
        results: { series?: InfluxSeries[]; error?: string }[];
      };
      const first = body.results[0]!;
      if (first.error) throw new Error(`influx: ${first.error}`);
      return first.series ?? [];
    };
    return {
      url,
      query,
      async [Symbol.asyncDispose]() {
        await process.stop();
        await Deno.remove(dir, { recursive: true });
      },
    };
  }
  await Deno.remove(dir, { recursive: true });
  throw new Error(`influxd did not start: ${last}`);
}

function row(series: InfluxSeries, index = 0): Record<string, unknown> {
  return Object.fromEntries(series.columns.map((c, i) => [c, series.values[index]![i]]));
}

Deno.test({
  name:
    "influxdb sink (v1) writes one point per group with device tags; influxd 1.6 answers them back",
  ignore: INFLUXD === null,
  async fn() {
    await using influx = await startInfluxd();
    await influx.query("CREATE DATABASE power");
    await using broker = await EmbeddedBroker.start();
    await using _garage = await startStations(broker.url, [GARAGE]);
    const yaml = `
version: 1
pipelines:
  local: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 }
defaults:
  sink: influx
  transport: { opts: { broker: "mqtt://127.0.0.1", port: ${broker.port}, allow_insecure: true } }
devices:
  - { id: garage, pipeline: local, profile_id: EL100V2, groups: [core, battery], transport: { opts: { device_sn: EL100V2042 } } }
sinks:
  influx: { type: influxdb, url: "${influx.url}", database: power, batch_size: 5000, flush_interval: 60 }
`;
    const runtime = new Runtime(resolveRuntime(loadRuntimeConfig(yaml)));
    let snapshots: Snapshot[] = [];
    try {
      snapshots = await runtime.runOnce();
      snapshots.push(...await runtime.runOnce());
    } finally {
      // Stopping flushes the batch (the interval is a minute).
      await runtime.stop();
    }
    const core = snapshots.filter((s) => s.group === "core");
    const series = await influx.query(
      'SELECT * FROM "core" WHERE "device" = \'garage\' ORDER BY time ASC',
      "power",
    );
    assert.equal(series.length, 1);
    assert.equal(series[0]!.values.length, 2);
    const first = row(series[0]!);
    assert.equal(first.device, "garage");
    assert.equal(first.serial, "EL100V2042");
    assert.equal(first.model, "Elite 100 V2");
    assert.equal(first.app_home_data_soc, core[0]!.blocks[0]!.values.soc);
    assert.equal(first.app_home_data_total_ac_energy, core[0]!.blocks[0]!.values.total_ac_energy);
    // InfluxDB trims trailing zeros of the fraction (…24.9Z for …24.900Z): compare instants.
    assert.equal(Date.parse(first.time as string), Date.parse(core[0]!.at));
    const battery = await influx.query('SELECT "pack_main_info_soh" FROM "battery"', "power");
    assert.equal(battery[0]!.values.length, 2);
    // Fields are floats: a later fractional value never conflicts with an earlier integer one.
    const types = await influx.query('SHOW FIELD KEYS FROM "core"', "power");
    const soc = types[0]!.values.find((v) => v[0] === "app_home_data_soc");
    assert.deepEqual(soc, ["app_home_data_soc", "float"]);
  },
});

Deno.test({
  name:
    "influxdb sink escapes measurement, tag and field names; influxd 1.6 reads them back unchanged",
  ignore: INFLUXD === null,
  async fn() {
    await using influx = await startInfluxd();
    await influx.query("CREATE DATABASE odd");
    const errors: Error[] = [];
    const sink = new InfluxDbSink("influx", {
      url: influx.url,
      database: "odd",
      username: "nobody",
      password: "unused",
      devices: [{
        id: "shed",
        serial: "SN 1,2=3\\",
        model: 'Model "X", v=2',
        modelId: "X",
        manufacturer: "ACME",
        controls: [],
        writeEnabled: false,
      }],
      onError: (error) => errors.push(error),
    });
    await sink.write({
      deviceId: "shed",
      profile: "X",
      mode: "pull",
      group: "my group,one",
      at: "2026-11-27T05:00:00.123Z",
      ok: true,
      errors: [],
      blocks: [{
        blockId: 1,
        name: "Odd Block",
        values: { "a b=c,d": 1.5, nan: Number.NaN, none: null, text: "skip" },
        units: {},
        warnings: [],
      }],
      metrics: {
        ok: 1,
        errors: 0,
        consecutiveErrors: 0,
        lastSuccess: null,
        reconnects: 0,
        droppedSnapshots: 0,
        lastLatencyMs: 5,
        lastLatenessMs: 0,
      },
    });
    await sink.close();
    assert.deepEqual(errors, []);
    assert.equal(sink.counters.written, 1);
    const series = await influx.query('SELECT * FROM "my group,one"', "odd");
    const point = row(series[0]!);
    assert.equal(point.device, "shed");
    // A trailing backslash cannot be written to InfluxDB 1.x: it is dropped, the rest kept.
    assert.equal(point.serial, "SN 1,2=3");
    assert.equal(point.model, 'Model "X", v=2');
    assert.equal(point.odd_block_a_b_c_d, 1.5);
    assert.equal(point.time, "2026-11-27T05:00:00.123Z");
    assert.ok(!("odd_block_nan" in point) && !("odd_block_none" in point));
  },
});
