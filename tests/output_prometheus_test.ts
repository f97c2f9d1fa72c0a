// The prometheus sink against Debian's prometheus package: `promtool check metrics` on what it
// serves, and a real Prometheus server (temp config and storage, random port) scraping it,
// queried through its HTTP API for a station's SOC.
import "../mod.ts"; // defines the built-in plugins
import assert from "node:assert/strict";
import { ConfigError } from "../src/errors/mod.ts";
import { loadRuntimeConfig, PrometheusSink, resolveRuntime, Runtime } from "../src/runtime/mod.ts";
import { EmbeddedBroker } from "../testing.ts";
import { GARAGE, startStations } from "./_support/output_stations.ts";
import { findExecutable, freePort, TestProcess, until } from "./_support/processes.ts";

const PROMTOOL = findExecutable("promtool");
const DASHBOARD = new URL("../docs/grafana/power-sdk-prometheus.json", import.meta.url);

/** The PromQL of the checked-in Grafana dashboard, with its `$device` variable set to all. */
async function dashboardQueries(): Promise<string[]> {
  const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD)) as {
    panels: { targets: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr.replaceAll("$device", ".*")));
}
const PROMETHEUS = findExecutable("prometheus");

function yaml(brokerPort: number, listen: string, withShed = true): string {
  const shed = withShed
    ? "  - { id: shed, pipeline: local, profile_id: EL30V2, transport: { opts: { device_sn: EL30V2077 } } }\n"
    : "";
  return `
version: 1
pipelines:
  local: { mode: pull, transport: mqtt, vendor: bluetti, protocol: v2 }
defaults:
  sink: prom
  transport: { opts: { broker: "mqtt://127.0.0.1", port: ${brokerPort}, allow_insecure: true } }
devices:
  - { id: garage, pipeline: local, profile_id: EL100V2, transport: { opts: { device_sn: EL100V2042 } } }
${shed}sinks:
  prom: { type: prometheus, listen: "${listen}" }
`;
}

async function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(PROMTOOL!, {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

Deno.test({
  name:
    "prometheus sink serves every station's values and the runtime's health; promtool finds no problem",
  ignore: PROMTOOL === null,
  async fn() {
    await using broker = await EmbeddedBroker.start();
    await using _stations = await startStations(broker.url);
    const runtime = new Runtime(
      resolveRuntime(loadRuntimeConfig(yaml(broker.port, "127.0.0.1:0"))),
    );
    try {
      const snapshots = await runtime.runOnce();
      const sink = runtime.sink("prom") as PrometheusSink;
      const response = await fetch(`http://127.0.0.1:${sink.port}/metrics`);
      assert.equal(response.status, 200);
      assert.equal(
        response.headers.get("content-type"),
        "text/plain; version=0.0.4; charset=utf-8",
      );
      const text = await response.text();

      const checked = await promtoolCheck(text);
      assert.equal(checked.output, "", checked.output);
      assert.equal(checked.code, 0);

      // SOC as a ratio in base units, with the device's identity as labels.
      const soc = snapshots.find((s) => s.deviceId === "garage" && s.group === "core")!
        .blocks[0]!.values.soc as number;
      assert.ok(
        text.includes(
          `power_sdk_soc_ratio{device="garage",serial="EL100V2042",model="Elite 100 V2",block="app_home_data"} ${
            soc / 100
          }\n`,
        ),
        text,
      );
      // Energy counters in joules, as counters.
      assert.match(text, /# TYPE power_sdk_total_ac_energy_joules_total counter\n/);
      const energy = snapshots.find((s) => s.deviceId === "shed" && s.group === "core")!
        .blocks[0]!.values.total_ac_energy as number;
      assert.ok(
        text.includes(
          `power_sdk_total_ac_energy_joules_total{device="shed",serial="EL30V2077",model="Elite 30 V2",block="app_home_data"} ${
            energy * 3_600_000
          }\n`,
        ),
      );
      assert.match(text, /power_sdk_total_ac_power_watts\{device="garage",[^}]*\} \d/);
      assert.match(
        text,
        /power_sdk_temp_avg_celsius\{device="garage",[^}]*block="pack_main_info"\} \d/,
      );
      // Health.
      assert.match(
        text,
        /power_sdk_up\{device="garage",serial="EL100V2042",model="Elite 100 V2"\} 1\n/,
      );
      assert.match(text, /power_sdk_polls_total\{device="shed",[^}]*result="ok"\} 3\n/);
      assert.match(
        text,
        /power_sdk_last_success_timestamp_seconds\{device="garage",[^}]*\} \d{10}/,
      );
      assert.match(text, /power_sdk_poll_duration_seconds_count\{device="garage",[^}]*\} 5\n/);
      assert.match(text, /power_sdk_sink_queue_depth\{sink="prom"\} 0\n/);
      assert.match(text, /power_sdk_sink_dropped_total\{sink="prom"\} 0\n/);
      assert.match(
        text,
        /power_sdk_device_info\{device="shed",serial="EL30V2077",model="Elite 30 V2",model_id="EL30V2",manufacturer="BLUETTI"\} 1\n/,
      );
      assert.equal((await fetch(`http://127.0.0.1:${sink.port}/other`)).status, 404);

      // Every metric the checked-in Grafana dashboard charts is served.
      const names = new Set(
        (await dashboardQueries()).flatMap((q) => q.match(/power_sdk_\w+/g) ?? []),
      );
      assert.ok(names.size >= 10);
      for (const name of names) {
        assert.ok(
          new RegExp(`^(# TYPE )?${name}(\\{| )`, "m").test(text),
          `dashboard metric ${name} not served`,
        );
      }
    } finally {
      await runtime.stop();
    }
  },
});

Deno.test("prometheus sink withdraws a group's values after a failed poll and counts its errors", async () => {
  const sink = new PrometheusSink("prom", { listen: "127.0.0.1:0" });
  try {
    const metrics = {
      ok: 1,
      errors: 0,
      consecutiveErrors: 0,
      lastSuccess: "2026-11-27T05:00:00.000Z",
      reconnects: 0,
      droppedSnapshots: 0,
      lastLatencyMs: 80,
      lastLatenessMs: 0,
    };
    const base = {
      deviceId: "garage",
      profile: "EL100V2",
      mode: "pull" as const,
      group: "core",
      at: "2026-11-27T05:00:00.000Z",
    };
    await sink.write({
      ...base,
      ok: true,
      errors: [],
      metrics,
      blocks: [{
        blockId: 100,
        name: "APP_HOME_DATA",
        values: { soc: 40, pv_power: null },
        units: { soc: "%", pv_power: "W" },
        warnings: [],
      }],
    });
    let text = await sink.metrics();
    assert.match(text, /power_sdk_soc_ratio\{[^}]*\} 0.4\n/);
    // No value is not 0: the field is left out.
    assert.doesNotMatch(text, /power_sdk_pv_power_watts\{/);
    await sink.write({
      ...base,
      ok: false,
      blocks: [],
      errors: [{ blockId: 100, code: "TRANSPORT_TIMEOUT", message: "no reply" }],
      metrics: { ...metrics, errors: 1, consecutiveErrors: 1 },
    });
    text = await sink.metrics();
    assert.doesNotMatch(text, /power_sdk_soc_ratio\{/);
    assert.match(text, /power_sdk_up\{device="garage",serial="",model="EL100V2"\} 0\n/);
    assert.match(
      text,
      /power_sdk_poll_errors_total\{device="garage",serial="",model="EL100V2",code="TRANSPORT_TIMEOUT"\} 1\n/,
    );
  } finally {
    await sink.close();
  }
});

Deno.test({
  name: "a real Prometheus server scrapes the sink and answers a query for a station's SOC",
  ignore: PROMETHEUS === null,
  async fn() {
    await using broker = await EmbeddedBroker.start();
    await using _station = await startStations(broker.url, [GARAGE]);
    const runtime = new Runtime(
      resolveRuntime(loadRuntimeConfig(yaml(broker.port, "127.0.0.1:0", false))),
    );
    const dir = await Deno.makeTempDir({ prefix: "power-sdk-prometheus-" });
    let server: TestProcess | null = null;
    try {
      const snapshots = await runtime.runOnce();
      const soc = snapshots.find((s) => s.group === "core")!.blocks[0]!.values.soc as number;
      const sink = runtime.sink("prom") as PrometheusSink;
      await Deno.writeTextFile(
        `${dir}/prometheus.yml`,
        [
          "global: { scrape_interval: 1s, evaluation_interval: 1s }",
          "scrape_configs:",
          "  - job_name: power_sdk",
          `    static_configs: [{ targets: ["127.0.0.1:${sink.port}"] }]`,
          "",
        ].join("\n"),
      );
      let port = 0;
      for (let attempt = 0; attempt < 5 && server === null; attempt++) {
        port = freePort();
        const candidate = new TestProcess(PROMETHEUS!, [
          `--config.file=${dir}/prometheus.yml`,
          `--storage.tsdb.path=${dir}/data`,
          `--web.listen-address=127.0.0.1:${port}`,
          "--log.level=warn",
        ]);
        const ready = await until("prometheus ready", async () => {
          if (candidate.exited) return false;
          const response = await fetch(`http://127.0.0.1:${port}/-/ready`);
          await response.body?.cancel();
          return response.ok ? true : undefined;
        });
        if (ready) server = candidate;
        else {
          await candidate.stop();
          assert.match(candidate.output, /address already in use/, candidate.output);
        }
      }
      assert.ok(server, "prometheus did not start");
      const query = encodeURIComponent(
        'power_sdk_soc_ratio{device="garage",block="app_home_data"}',
      );
      const result = await until("the SOC in Prometheus", async () => {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${query}`);
        const body = await response.json() as {
          status: string;
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        return body.status === "success" && body.data.result.length === 1
          ? body.data.result[0]
          : undefined;
      });
      assert.equal(result!.metric.serial, "EL100V2042");
      assert.equal(result!.metric.model, "Elite 100 V2");
      assert.equal(Number(result!.value[1]), soc / 100);

      // The Grafana dashboard's queries are valid PromQL for this Prometheus, with data behind
      // the instant ones.
      for (const query of await dashboardQueries()) {
        const response = await fetch(
          `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(query)}`,
        );
        const body = await response.json() as { status: string; error?: string };
        assert.equal(body.status, "success", `${query}: ${body.error}`);
      }
    } finally {
      await server?.stop();
      await runtime.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("prometheus sink names the address and the sink when it cannot listen", async () => {
  const first = new PrometheusSink("first", { listen: "127.0.0.1:0" });
  try {
    assert.throws(
      () => new PrometheusSink("second", { listen: `127.0.0.1:${first.port}` }),
      (error: unknown) =>
        error instanceof ConfigError && error.code === "CONFIG_INVALID" &&
        error.message ===
          `Cannot serve Prometheus sink 'second' on 127.0.0.1:${first.port}: the address is in use (another sink or program listens there)`,
    );
  } finally {
    await first.close();
  }
});
