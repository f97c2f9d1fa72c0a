// runtime.yaml with `transport: modbus_tcp`: BLUETTI local stations polled by the runtime, over
// real sockets to simulated Modbus TCP stations.
import assert from "node:assert/strict";
import {
  loadRuntimeConfig,
  resolveRuntime,
  Runtime,
  type RuntimeOptions,
  type Snapshot,
} from "../mod.ts";
import { SimulatedModbusStation } from "../testing.ts";

/** runtime.yaml's head: the pipeline `local` (local stations over Modbus TCP) with `opts`. */
function localPipeline(opts: string): string {
  return `version: 1
pipelines:
  local:
    transport: modbus_tcp
    vendor: bluetti
    protocol: local
    transport_opts: { ${opts} }
`;
}

/** A runtime of `yaml`, which errors name `local.yaml`; the caller stops it. */
function runtimeOf(yaml: string, options: RuntimeOptions = {}): Runtime {
  return new Runtime(resolveRuntime(loadRuntimeConfig(yaml, { file: "local.yaml" })), options);
}

/** The value of `field` in the first block of `snapshot` that has it. */
function valueOf(snapshot: Snapshot | undefined, field: string): unknown {
  return snapshot?.blocks.find((b) => b.values[field] !== undefined)?.values[field];
}

Deno.test("the runtime polls local Modbus TCP stations named in runtime.yaml; devices on one station share its connection", async () => {
  await using ac500 = await SimulatedModbusStation.start({
    profile: "AC500",
    values: { soc: 81, pack_voltage: 53.9, total_ac_power: 310 },
  });
  await using balco = await SimulatedModbusStation.start({
    profile: "BALCO260",
    values: { soc: 44, pack_voltage: 51.2 },
  });
  const yaml = `${localPipeline("host: 127.0.0.1, pacing_ms: 0")}defaults:
  sink: memory
devices:
  - id: garage
    pipeline: local
    profile_id: AC500
    transport: { opts: { port: ${ac500.port} } }
  - id: garage_again
    pipeline: local
    profile_id: ac 500
    transport: { opts: { port: ${ac500.port} } }
  - id: balcony
    pipeline: local
    profile_id: Balco 260
    transport: { opts: { port: ${balco.port} } }
`;
  const resolved = resolveRuntime(loadRuntimeConfig(yaml, { file: "local.yaml" }));
  assert.deepEqual(resolved.devices.map((d) => d.transport.type), [
    "modbus_tcp",
    "modbus_tcp",
    "modbus_tcp",
  ]);
  const runtime = new Runtime(resolved);
  try {
    const snapshots = await runtime.runOnce();
    // One snapshot per device and group: live, totals, identity, controls.
    const values = (id: string) =>
      Object.assign(
        {},
        ...snapshots.filter((s) => s.deviceId === id).flatMap((s) => s.blocks.map((b) => b.values)),
      ) as Record<string, unknown>;
    assert.ok(snapshots.every((s) => s.ok), JSON.stringify(snapshots.map((s) => s.errors)));
    assert.equal(values("garage").soc, 81);
    assert.equal(values("garage").pack_voltage, 53.9);
    assert.equal(values("garage").total_ac_power, 310);
    assert.equal(values("garage_again").soc, 81);
    assert.equal(values("balcony").soc, 44);
    assert.equal(values("balcony").pack_voltage, 51.2);
    assert.equal(values("balcony").device_model, "BALCO260");
    assert.equal(values("garage").device_serial, "2345000012345678");
  } finally {
    await runtime.stop();
  }
  assert.equal(ac500.connections, 1, "two devices on one station: one connection");
  assert.equal(ac500.refusedConnections, 0);
  // AC500: every field read alone, each read answered (none across an unserved address).
  const fieldAt = new Map(ac500.map.fields.map((f) => [f.address, f.registers]));
  assert.ok(
    ac500.requests.every((r) => r.outcome === "reply" && fieldAt.get(r.address) === r.quantity),
  );
  assert.ok(balco.requests.every((r) => r.outcome === "reply"));
});

Deno.test("runtime.yaml's modbus_tcp options are checked at file:line:column", () => {
  const yaml = `version: 1
pipelines:
  local: { transport: modbus_tcp, vendor: bluetti, protocol: local }
devices:
  - id: a
    pipeline: local
    profile_id: AC500
    transport: { opts: { host: 127.0.0.1, port: 70000 } }
  - id: b
    pipeline: local
    profile_id: AC500
`;
  assert.throws(
    () => resolveRuntime(loadRuntimeConfig(yaml, { file: "local.yaml" })),
    (error: unknown) => {
      const lines = (error as Error).message.split("\n").slice(1);
      assert.match(
        lines[0]!,
        /^local\.yaml:8:\d+: devices\[0\]\.transport\.opts\.port: expected an integer 1\.\.65535/,
      );
      assert.match(
        lines[1]!,
        /^local\.yaml:9:\d+: devices\[1\]\.transport\.opts\.host: missing host/,
      );
      return true;
    },
  );
});

Deno.test("runtime polls retry once on Modbus exceptions 05 (acknowledge) and 06 (busy)", async () => {
  await using station = await SimulatedModbusStation.start({
    profile: "AC500",
    values: { soc: 77 },
  });
  const opts = `host: 127.0.0.1, port: ${station.port}, pacing_ms: 0`;
  const yaml = `${localPipeline(opts)}defaults: { sink: memory }
devices: [{ id: garage, pipeline: local, profile_id: AC500, groups: [live] }]
`;
  const runtime = runtimeOf(yaml);
  try {
    // One busy and one acknowledge: each request is asked again once, and the poll is whole.
    station.injectException(6);
    let [snapshot] = await runtime.runOnce();
    assert.equal(snapshot?.ok, true, JSON.stringify(snapshot?.errors));
    assert.deepEqual(station.requests.map((r) => r.outcome).slice(0, 2), ["exception", "reply"]);
    station.injectException(5);
    [snapshot] = await runtime.runOnce();
    assert.equal(snapshot?.ok, true, JSON.stringify(snapshot?.errors));
    assert.equal(valueOf(snapshot, "soc"), 77);
    // Busy twice in a row: one retry only, and that block is an error, not a value.
    const before = station.requests.length;
    station.injectException(6, 2);
    [snapshot] = await runtime.runOnce();
    assert.equal(snapshot?.ok, false);
    assert.deepEqual(snapshot?.errors.map((e) => e.code), ["PROTOCOL_MODBUS_EXCEPTION"]);
    assert.deepEqual(station.requests.slice(before, before + 3).map((r) => r.outcome), [
      "exception",
      "exception",
      "reply",
    ]);
  } finally {
    await runtime.stop();
  }
});

Deno.test("a unit id other than 1 without allow_other_unit_id is refused at file:line:column", () => {
  const yaml = `${localPipeline("host: 127.0.0.1, unit_id: 2")}devices:
  - { id: a, pipeline: local, profile_id: AC500 }
  - { id: b, pipeline: local, profile_id: AC500, transport: { opts: { unit_id: 1 } } }
`;
  assert.throws(
    () => loadRuntimeConfig(yaml, { file: "local.yaml" }),
    (error: unknown) => {
      const lines = (error as Error).message.split("\n").slice(1);
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(
        lines[0]!,
        /^local\.yaml:7:49: pipelines\.local\.transport_opts\.unit_id: unit id 2 needs allow_other_unit_id: true/,
      );
      return true;
    },
  );
  // The opt-in at any level (here the device's) accepts it.
  const allowed = yaml.replace(
    "profile_id: AC500 }\n  - { id: b",
    "profile_id: AC500, transport: { opts: { allow_other_unit_id: true } } }\n  - { id: b",
  );
  const [a] = resolveRuntime(loadRuntimeConfig(allowed, { file: "local.yaml" })).devices;
  assert.equal(a?.transport.options.unit_id, 2);
});

Deno.test("with allow_other_unit_id the runtime warns once per station and unit id", async () => {
  await using station = await SimulatedModbusStation.start({
    profile: "AC500",
    unitId: 7,
    values: { soc: 64 },
  });
  const opts =
    `host: 127.0.0.1, port: ${station.port}, pacing_ms: 0, unit_id: 7, allow_other_unit_id: true`;
  const yaml = `${localPipeline(opts)}defaults: { sink: memory, groups: [live] }
devices:
  - { id: a, pipeline: local, profile_id: AC500 }
  - { id: b, pipeline: local, profile_id: AC500 }
`;
  const warnings: string[] = [];
  const runtime = runtimeOf(yaml, {
    logger: (entry) => {
      if (entry.level === "warn") warnings.push(entry.message);
    },
  });
  try {
    const snapshots = [...await runtime.runOnce(), ...await runtime.runOnce()];
    assert.ok(snapshots.every((s) => s.ok), JSON.stringify(snapshots.map((s) => s.errors)));
    assert.equal(valueOf(snapshots[0], "soc"), 64);
  } finally {
    await runtime.stop();
  }
  assert.equal(warnings.filter((w) => w.includes("unit id 7")).length, 1, warnings.join("\n"));
  assert.ok(station.requests.every((r) => r.unitId === 7));
});

Deno.test("transport options are checked by the transport each device resolves to, at file:line:column", () => {
  const yaml = `version: 1
pipelines:
  local: { transport: modbus_tcp, vendor: bluetti, protocol: local }
  cloud: { transport: mqtt, vendor: bluetti, protocol: v2 }
defaults:
  transport: { opts: { port: "\${PORT}" } }
devices:
  - { id: a, pipeline: local, profile_id: AC500, transport: { opts: { host: h, broker: b } } }
  - { id: b, pipeline: cloud, profile_id: EL30V2, transport: { opts: { device_sn: S1, pacing_ms: 10 } } }
  - { id: c, pipeline: local, profile_id: AC500, transport: { opts: { host: h, unit_idd: 2 } } }
`;
  assert.throws(
    () => loadRuntimeConfig(yaml, { file: "mixed.yaml", env: () => "1502" }),
    (error: unknown) => {
      const lines = (error as Error).message.split("\n").slice(1);
      assert.deepEqual(lines, [
        "mixed.yaml:8:80: devices[0].transport.opts.broker: option 'broker' is not an option of transport 'modbus_tcp' (its options: host, port, unit_id, allow_other_unit_id, timeout_ms, pacing_ms)",
        "mixed.yaml:9:87: devices[1].transport.opts.pacing_ms: option 'pacing_ms' is not an option of transport 'mqtt' (its options: broker, port, device_sn, cert_file, cert_password, ca_file, topics, keepalive, allow_insecure, share_connection, devices_per_connection)",
        "mixed.yaml:10:80: devices[2].transport.opts.unit_idd: unknown key 'unit_idd'; did you mean 'unit_id'?",
      ]);
      return true;
    },
  );
  // The shared key `port` is each transport's own, and an interpolated one is a number for both.
  const fixed = yaml.replace(", broker: b", "").replace(", pacing_ms: 10", "").replace(
    "unit_idd",
    "unit_id",
  ).replace("unit_id: 2", "unit_id: 1");
  const devices = resolveRuntime(loadRuntimeConfig(fixed, { env: () => "1502" })).devices;
  assert.deepEqual(devices.map((d) => d.transport.options.port), [1502, 1502, 1502]);
});
