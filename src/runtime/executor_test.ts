import assert from "node:assert/strict";
import { LoopbackTransport } from "../transport/loopback_transport.ts";
import { StationModel } from "../testing/simulated_station.ts";
import { Executor } from "./executor.ts";
import { RuntimeRegistry } from "./runtime_registry.ts";
import { BLUETTI_V2 } from "../plugins/bluetti_v2/plugin.ts";
import type { ResolvedDevice, Snapshot } from "./types.ts";
import type { Transport, UnsolicitedFrame } from "../transport/types.ts";
import type { TransportDefinition } from "../transport/transport_definition.ts";
import { s } from "../schema/schema.ts";
import { withDeadline } from "../../tests/_support/deadline.ts";

const LOOPBACK_OPTIONS = s.strictObject({ device_sn: s.string().optional() });

/** A "loopback" transport definition around `create`. */
function loopback(
  create: (options: { device_sn?: string }) => Promise<Transport>,
): TransportDefinition<{ device_sn?: string }> {
  return {
    name: "loopback",
    description: "in-process station models",
    options: LOOPBACK_OPTIONS,
    defaults: {},
    required: ["device_sn"],
    pathOptions: [],
    describe: (o) => ({ endpoint: "loopback", details: [`sn ${o.device_sn}`] }),
    create,
  };
}
import { createBluettiRegistry } from "../plugins/bluetti_v2/registry.ts";

/** A registry whose "loopback" transport answers from in-process station models. */
function loopbackRuntime(
  stations: Map<string, StationModel>,
  behaviour: { silent?: Set<string> } = {}, // serial numbers that never answer
) {
  const registry = new RuntimeRegistry();
  registry.registerPlugin(BLUETTI_V2);
  let created = 0;
  registry.registerTransport(loopback((options) => {
    created++;
    const sn = options.device_sn!;
    const station = stations.get(sn)!;
    return Promise.resolve(
      new LoopbackTransport(
        (payload) => (behaviour.silent?.has(sn) ? null : station.handle(payload)),
        {
          requestTimeoutMs: 50,
        },
      ),
    );
  }));
  return { registry, created: () => created };
}

function device(
  id: string,
  sn: string,
  groups: { name: string; intervalMs: number }[],
  mode: "pull" | "push" = "pull",
): ResolvedDevice {
  return {
    id,
    pipeline: "test",
    mode,
    vendor: "bluetti",
    protocol: "v2",
    profileId: "EL100V2",
    transport: { type: "loopback", framing: "rtu", options: { device_sn: sn } },
    groups,
    sink: "collect",
    deviceAddress: null,
    protocolVersion: null,
    writeEnabled: false,
  };
}

/**
 * A sink that keeps every snapshot; `until` resolves at the first snapshot after which the
 * condition holds (an event, not a polling loop), and fails after a generous deadline with
 * what was seen, so that a broken executor fails the test instead of hanging it.
 */
function collector() {
  const snapshots: Snapshot[] = [];
  const waiters = new Set<() => void>();
  const until = async (condition: () => boolean, what: string, deadlineMs = 20_000) => {
    const reached = Promise.withResolvers<void>();
    const check = () => {
      if (condition()) reached.resolve();
    };
    waiters.add(check);
    check();
    try {
      await withDeadline(
        reached.promise,
        deadlineMs,
        () => `${what}: ${snapshots.length} snapshots seen`,
      );
    } finally {
      waiters.delete(check);
    }
  };
  const push = (s: Snapshot) => {
    snapshots.push(s);
    for (const check of [...waiters]) check();
    return true;
  };
  return { snapshots, until, target: { push } };
}

Deno.test("Executor.runOnce() polls every group of every device once", async () => {
  const stations = new Map([
    ["EL100V2000001", new StationModel({ profile: "EL100V2", sn: "EL100V2000001" })],
    ["EL100V2000002", new StationModel({ profile: "EL100V2", sn: "EL100V2000002" })],
  ]);
  const { registry } = loopbackRuntime(stations);
  const sink = collector();
  const executor = new Executor({
    registry,
    devices: [
      device("a", "EL100V2000001", [{ name: "core", intervalMs: 1000 }, {
        name: "battery",
        intervalMs: 1000,
      }]),
      device("b", "EL100V2000002", [{ name: "grid", intervalMs: 1000 }]),
    ],
    sinks: { collect: sink.target },
  });
  const snapshots = await executor.runOnce();
  await executor.stop();
  assert.deepEqual(snapshots.map((s) => [s.deviceId, s.group, s.ok]), [
    ["a", "core", true],
    ["a", "battery", true],
    ["b", "grid", true],
  ]);
  assert.equal(sink.snapshots.length, 3);
  assert.equal(snapshots[0]!.blocks[0]!.blockId, 100);
  assert.equal(executor.metrics().a!.ok, 2);
});

Deno.test("Executor: a dead device produces counted error snapshots and does not delay others", async () => {
  const stations = new Map([
    ["EL100V2000001", new StationModel({ profile: "EL100V2", sn: "EL100V2000001" })],
    ["EL100V2000002", new StationModel({ profile: "EL100V2", sn: "EL100V2000002" })],
  ]);
  const { registry, created } = loopbackRuntime(stations, { silent: new Set(["EL100V2000001"]) });
  const sink = collector();
  const executor = new Executor({
    registry,
    devices: [
      device("dead", "EL100V2000001", [{ name: "core", intervalMs: 40 }]),
      device("alive", "EL100V2000002", [{ name: "core", intervalMs: 40 }]),
    ],
    sinks: { collect: sink.target },
    reconnectAfter: 2,
    timeoutMs: 30,
    reconnectPolicy: { initialDelayMs: 1, maxDelayMs: 5, jitter: 0 },
    random: () => 0,
  });
  executor.start();
  // Wait for events, not time: until the dead device has been re-made twice.
  try {
    await sink.until(
      () => executor.metrics().dead!.reconnects >= 2 && executor.metrics().alive!.ok >= 3,
      "two reconnects of the dead device and three good polls of the other",
    );
  } finally {
    await executor.stop();
  }
  const dead = sink.snapshots.filter((s) => s.deviceId === "dead");
  const alive = sink.snapshots.filter((s) => s.deviceId === "alive");
  assert.ok(dead.every((s) => !s.ok && s.blocks.length === 0 && s.errors.length > 0));
  assert.ok(dead.some((s) => s.errors[0]!.code === "TRANSPORT_TIMEOUT"));
  assert.ok(alive.length >= 3 && alive.every((s) => s.ok));
  const m = executor.metrics().dead!;
  assert.equal(m.ok, 0);
  assert.ok(m.errors >= 4 && m.consecutiveErrors === m.errors);
  assert.ok(created() >= 3, "the dead device's connection was re-made");
});

Deno.test("Executor: push mode emits what the station sends", async () => {
  // A fixed clock: the values pushed and those expected come from the same state (on the real
  // clock the station's power moved between the pushes and the check: 187 W against 188 W).
  const at = Date.now();
  const station = new StationModel({ profile: "EL100V2", sn: "EL100V2000009", now: () => at });
  const registry = new RuntimeRegistry();
  registry.registerPlugin(BLUETTI_V2);
  // The event that says the device listens: its client subscribes to unsolicited frames.
  let listening!: (transport: LoopbackTransport) => void;
  const ready = new Promise<LoopbackTransport>((resolve) => (listening = resolve));
  class ListenedTransport extends LoopbackTransport {
    override onUnsolicited(listener: (frame: UnsolicitedFrame) => void): () => void {
      const stop = super.onUnsolicited(listener);
      listening(this);
      return stop;
    }
  }
  registry.registerTransport(
    loopback(() => Promise.resolve(new ListenedTransport((p) => station.handle(p)))),
  );
  const sink = collector();
  const executor = new Executor({
    registry,
    devices: [device("pushy", "EL100V2000009", [], "push")],
    sinks: { collect: sink.target },
  });
  executor.start();
  let transport: LoopbackTransport;
  try {
    transport = await ready;
  } catch (error) {
    await executor.stop();
    throw error;
  }
  // Four frames: the station alternates a 0x03 frame (no register address: not a block) and a
  // 0x10 push of block 100 (decoded). Delivery is synchronous.
  for (let i = 0; i < 4; i++) transport.push(station.unsolicitedFrame());
  await executor.stop();
  const pushes = sink.snapshots.filter((s) => s.mode === "push");
  assert.equal(pushes.length, 2, JSON.stringify(sink.snapshots.map((s) => s.errors)));
  const expected = createBluettiRegistry().require(100).decode(station.blockData(100, 62)).values;
  for (const s of pushes) {
    assert.deepEqual([s.ok, s.group, s.deviceId, s.blocks.length], [true, null, "pushy", 1]);
    assert.equal(s.blocks[0]!.blockId, 100);
    assert.deepEqual(s.blocks[0]!.values, expected);
  }
});

Deno.test("Executor refuses unknown sinks, plugins and profiles at construction", () => {
  const registry = new RuntimeRegistry();
  registry.registerPlugin(BLUETTI_V2);
  const d = device("x", "EL100V2000001", []);
  assert.throws(
    () => new Executor({ registry, devices: [d], sinks: {} }),
    /no transport of type 'loopback'|No transport/,
  );
  registry.registerTransport(loopback(() => Promise.reject(new Error("unused"))));
  assert.throws(
    () => new Executor({ registry, devices: [d], sinks: {} }),
    /no sink named 'collect'/,
  );
  assert.throws(
    () =>
      new Executor({
        registry,
        devices: [{ ...d, vendor: "acme" }],
        sinks: { collect: collector().target },
      }),
    /No plugin for vendor 'acme'/,
  );
  assert.throws(
    () =>
      new Executor({
        registry,
        devices: [{ ...d, profileId: "EL999" }],
        sinks: { collect: collector().target },
      }),
    /Unknown profile 'EL999'/,
  );
});
