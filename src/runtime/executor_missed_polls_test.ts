// A station that stops answering: every poll that comes due gets its snapshot when its timeout
// expires, even while another request to the station is still waiting; polls skipped because
// the group's previous one still runs are counted and warned about, not silently dropped.
import assert from "node:assert/strict";
import { LoopbackTransport } from "../transport/loopback_transport.ts";
import { Executor, type RuntimeLogEntry } from "./executor.ts";
import { RuntimeRegistry } from "./runtime_registry.ts";
import { BLUETTI_V2 } from "../plugins/bluetti_v2/plugin.ts";
import type { ResolvedDevice, ResolvedGroup, Snapshot } from "./types.ts";
import { s } from "../schema/schema.ts";
import { waitUntil, withDeadline } from "../../tests/_support/deadline.ts";

/** A loopback transport whose connect waits until it is aborted (a handshake never granted). */
class NeverConnected extends LoopbackTransport {
  override connect(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    return new Promise((_, reject) => {
      options.signal?.addEventListener("abort", () => reject(options.signal!.reason), {
        once: true,
      });
    });
  }
}

/**
 * A registry whose "silent" transport connects and never answers (`stuck`: never even
 * connects).
 */
function silentRegistry(stuck = false): RuntimeRegistry {
  const registry = new RuntimeRegistry();
  registry.registerPlugin(BLUETTI_V2);
  registry.registerTransport({
    name: "silent",
    description: "connects and never answers",
    options: s.strictObject({ device_sn: s.string().optional() }),
    defaults: {},
    required: [],
    pathOptions: [],
    describe: () => ({ endpoint: "loopback", details: [] }),
    create: () =>
      Promise.resolve(stuck ? new NeverConnected(() => null) : new LoopbackTransport(() => null)),
  });
  return registry;
}

function silentDevice(groups: ResolvedGroup[]): ResolvedDevice {
  return {
    id: "shed",
    pipeline: "test",
    mode: "pull",
    vendor: "bluetti",
    protocol: "v2",
    profileId: "EL100V2",
    transport: { type: "silent", framing: "rtu", options: { device_sn: "EL100V2000077" } },
    groups,
    sink: "collect",
    deviceAddress: null,
    protocolVersion: null,
    writeEnabled: false,
  };
}

/** Collects snapshots; `until(predicate)` resolves once the snapshots so far satisfy it. */
function collector() {
  const snapshots: Snapshot[] = [];
  let waiter: { test: (all: Snapshot[]) => boolean; resolve: () => void } | null = null;
  return {
    snapshots,
    target: {
      push(snapshot: Snapshot) {
        snapshots.push(snapshot);
        if (waiter?.test(snapshots)) waiter.resolve();
        return true;
      },
    },
    until(test: (all: Snapshot[]) => boolean): Promise<void> {
      if (test(snapshots)) return Promise.resolve();
      const done = Promise.withResolvers<void>();
      waiter = { test, resolve: done.resolve };
      // A safety net that fails the test instead of hanging it; never a measurement.
      return withDeadline(
        done.promise,
        30_000,
        () =>
          `the snapshots awaited; snapshots: ${
            JSON.stringify(snapshots.map((s) => [s.group, s.errors[0]?.code]))
          }`,
      );
    },
  };
}

Deno.test("Executor: polls waiting behind a silent station's request get POLL_MISSED snapshots when their timeout expires", async () => {
  const sink = collector();
  // Every group due at once (no jitter), and not again for ten minutes.
  const groups = ["core", "grid", "battery"].map((name) => ({ name, intervalMs: 600_000 }));
  const executor = new Executor({
    registry: silentRegistry(),
    devices: [silentDevice(groups)],
    sinks: { collect: sink.target },
    timeoutMs: 100,
    random: () => 0,
  });
  executor.start();
  try {
    await sink.until((all) => new Set(all.map((s) => s.group)).size === 3);
  } finally {
    await executor.stop(0);
  }
  const byGroup = new Map(sink.snapshots.map((s) => [s.group, s]));
  // core went first and is still waiting for its replies (then its retries) when grid and
  // battery time out behind it: they do not wait for it to end.
  for (const group of ["grid", "battery"]) {
    const snapshot = byGroup.get(group)!;
    assert.equal(snapshot.ok, false);
    assert.equal(snapshot.errors.length, 1);
    assert.equal(snapshot.errors[0]!.code, "POLL_MISSED");
    assert.match(snapshot.errors[0]!.message, /the previous request to the station \(group core\)/);
  }
  const last = sink.snapshots.at(-1)!;
  assert.equal(last.metrics.missedPolls, 2);
  // Missed polls are not failed polls: they do not push the device towards a reconnect.
  assert.equal(byGroup.get("battery")!.metrics.consecutiveErrors, 0);
});

Deno.test("Executor: a poll skipped because the group's previous poll still runs is counted, warned about once, and gets a POLL_SKIPPED snapshot", async () => {
  const sink = collector();
  const warnings: RuntimeLogEntry[] = [];
  // A poll of core takes two 100 ms timeouts per block plus a retry wait: far longer than its
  // 20 ms interval, so the group comes due again and again while it runs.
  const executor = new Executor({
    registry: silentRegistry(),
    devices: [silentDevice([{ name: "core", intervalMs: 20 }])],
    sinks: { collect: sink.target },
    timeoutMs: 100,
    random: () => 0,
    logger: (entry) => entry.level === "warn" && warnings.push(entry),
  });
  executor.start();
  try {
    await sink.until((all) =>
      all.some((s) => s.errors[0]?.code === "POLL_SKIPPED") &&
      all.some((s) => s.errors[0]?.code === "TRANSPORT_TIMEOUT")
    );
  } finally {
    await executor.stop(0);
  }
  const skipped = sink.snapshots.find((s) => s.errors[0]?.code === "POLL_SKIPPED")!;
  assert.equal(skipped.group, "core");
  assert.equal(skipped.ok, false);
  assert.match(skipped.errors[0]!.message, /its previous poll was still running/);
  const skippedPolls = executor.metrics().shed!.skippedPolls!;
  assert.ok(skippedPolls >= 2, `skippedPolls ${skippedPolls}`);
  // Rate-limited: one warning for the first skip, not one per skipped poll.
  const skipWarnings = warnings.filter((w) => /skipped/.test(w.message));
  assert.equal(skipWarnings.length, 1, JSON.stringify(warnings));
  assert.match(
    skipWarnings[0]!.message,
    /^1 poll skipped \(group core last\): the previous poll of the group was still running; 1 in all$/,
  );
});

Deno.test("Executor: a device stuck connecting queues no more polls: one missed poll per group, then skips counted without snapshots", async () => {
  const sink = collector();
  const warnings: RuntimeLogEntry[] = [];
  // core's first poll waits for a connection that never comes; grid and battery queue behind
  // it once and miss their timeout; from then on every due time of every group is skipped and
  // counted instead of queueing one more poll per interval behind the stuck one (what let a
  // runtime past capacity fill its heap), and, the device waiting for its connection, without
  // a POLL_SKIPPED snapshot and its timer per due time (what the devices waiting for a
  // handshake spent the CPU of those already connected on).
  const groups = ["core", "grid", "battery"].map((name) => ({ name, intervalMs: 10 }));
  const executor = new Executor({
    registry: silentRegistry(true),
    devices: [silentDevice(groups)],
    sinks: { collect: sink.target },
    timeoutMs: 30,
    random: () => 0,
    logger: (entry) => entry.level === "warn" && warnings.push(entry),
  });
  executor.start();
  const missed = (group: string) =>
    sink.snapshots.filter((s) => s.group === group && s.errors[0]?.code === "POLL_MISSED").length;
  try {
    await sink.until(() => missed("grid") === 1 && missed("battery") === 1);
    // No snapshot comes for a skip: wait for the counter (a safety net fails instead of hanging).
    await waitUntil(
      () => (executor.metrics().shed!.skippedPolls ?? 0) >= 30,
      "30 skipped polls",
      30_000,
    );
  } finally {
    await executor.stop(0);
  }
  assert.equal(missed("core"), 0); // it started: it is the stuck one
  assert.equal(
    missed("grid"),
    1,
    JSON.stringify(sink.snapshots.map((s) => [s.group, s.errors[0]?.code])),
  );
  assert.equal(missed("battery"), 1);
  assert.equal(sink.snapshots.filter((s) => s.errors[0]?.code === "POLL_SKIPPED").length, 0);
  assert.ok(sink.snapshots.every((s) => !s.ok));
  const shed = executor.metrics().shed!;
  assert.equal(shed.missedPolls, 2);
  assert.ok(shed.skippedPolls! >= 30, `skippedPolls ${shed.skippedPolls}`);
  const skipWarnings = warnings.filter((w) => /skipped/.test(w.message));
  assert.equal(skipWarnings.length, 1, JSON.stringify(warnings));
  assert.match(skipWarnings[0]!.message, /still waiting for its connection; \d+ in all$/);
});

Deno.test("Executor: an event loop running late is reported as over capacity, and its end once it catches up", async () => {
  const entries: RuntimeLogEntry[] = [];
  const over = Promise.withResolvers<void>();
  const under = Promise.withResolvers<void>();
  const executor = new Executor({
    registry: silentRegistry(),
    devices: [silentDevice([{ name: "core", intervalMs: 600_000 }])],
    sinks: { collect: collector().target },
    timeoutMs: 100,
    random: () => 0,
    overloadLagMs: 50,
    logger: (entry) => {
      entries.push(entry);
      if (entry.message.startsWith("over capacity")) over.resolve();
      if (entry.message.startsWith("back under capacity")) under.resolve();
    },
  });
  executor.start();
  // Safety nets that fail the test instead of hanging it; never a measurement.
  const reported = (what: string) => () => `${what}; log: ${JSON.stringify(entries)}`;
  try {
    // Hold the event loop for 400 ms, as a process past its capacity does: the gate's next
    // sample sees it late by about 300 ms, far over the 50 ms limit.
    const until = performance.now() + 400;
    while (performance.now() < until) { /* busy */ }
    await withDeadline(over.promise, 30_000, reported("'over capacity'"));
    await withDeadline(under.promise, 30_000, reported("'back under capacity'"));
  } finally {
    await executor.stop(0);
  }
  const warning = entries.find((e) => e.message.startsWith("over capacity"))!;
  assert.equal(warning.level, "warn");
  assert.match(warning.message, /\(limit 50 ms\); new connections wait until it catches up/);
  assert.equal(entries.find((e) => e.message.startsWith("back under capacity"))!.level, "info");
});
