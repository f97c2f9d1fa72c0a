// The device runner's queue: a poll that starts at once needs no deadline, one queued behind
// another operation of the device (a poll, a control read, a write) gets its POLL_MISSED
// snapshot when its timeout expires.
import assert from "node:assert/strict";
import "../plugins/builtin.ts";
import { getProfile } from "../../profiles/mod.ts";
import { pluginOf } from "../plugin/plugin.ts";
import { StationModel } from "../testing/station_model.ts";
import { LoopbackTransport } from "../transport/loopback_transport.ts";
import { DeviceRunner } from "./_device_runner.ts";
import { SCHEDULES } from "../_shared/_deadlines.ts";
import type { ResolvedDevice, Snapshot } from "./types.ts";

const PROFILE = getProfile("EL100V2");
const SN = "EL100V2000042";

function device(intervalMs = 600_000): ResolvedDevice {
  return {
    id: "shed",
    pipeline: "test",
    mode: "pull",
    vendor: "bluetti",
    protocol: "v2",
    profileId: PROFILE.id,
    transport: { type: "loopback", framing: "rtu", options: {} },
    groups: ["core", "grid", "battery"].map((name) => ({ name, intervalMs })),
    sink: "collect",
    deviceAddress: null,
    protocolVersion: null,
    writeEnabled: false,
  };
}

/** A runner on a station in this process; its connection is made once `connect` resolves. */
function runner(connect: Promise<void>, timeoutMs: number, intervalMs?: number) {
  const station = new StationModel({ profile: PROFILE, sn: SN, framing: "rtu" });
  const plugin = pluginOf(PROFILE);
  const snapshots: Snapshot[] = [];
  const run = new DeviceRunner({
    device: device(intervalMs),
    profile: PROFILE,
    registry: plugin.createRegistry(PROFILE),
    plugin,
    createTransport: async () => {
      await connect;
      return new LoopbackTransport((payload) => station.handle(payload));
    },
    emit: (snapshot) => {
      snapshots.push(snapshot);
      return true;
    },
    log: () => {},
    reconnectAfter: 3,
    reconnectPolicy: { initialDelayMs: 1_000, maxDelayMs: 1_000 },
    timeoutMs,
    random: () => 0,
  });
  return { run, snapshots };
}

Deno.test("DeviceRunner: polls of an idle device run at once, every one ok", async () => {
  const { run, snapshots } = runner(Promise.resolve(), 5_000);
  try {
    const polled = await run.pollOnce();
    assert.deepEqual(polled.map((s) => [s.group, s.ok]), [
      ["core", true],
      ["grid", true],
      ["battery", true],
    ]);
    assert.equal(snapshots.length, 3);
    assert.equal(run.metrics().missedPolls, 0);
    // One time string per poll: the snapshot's is the last success's.
    assert.equal(snapshots[2]!.metrics.lastSuccess, snapshots[2]!.at);
  } finally {
    await run.stop(0);
  }
});

Deno.test("DeviceRunner: a poll queued behind a control read that outlasts its timeout gets POLL_MISSED, the next polls run", async () => {
  // The connection takes 600 ms; the control read waits for it, the poll behind the read has
  // a 300 ms timeout.
  const connected = Promise.withResolvers<void>();
  const timer = setTimeout(connected.resolve, 600);
  const { run, snapshots } = runner(connected.promise, 300);
  try {
    const controls = run.readControls(["ac_output"]);
    const polled = await run.pollOnce();
    assert.deepEqual(Object.keys(await controls), ["ac_output"]);
    assert.equal(polled[0]!.group, "core");
    assert.equal(polled[0]!.ok, false);
    assert.equal(polled[0]!.errors[0]?.code, "POLL_MISSED");
    assert.deepEqual(polled.slice(1).map((s) => [s.group, s.ok]), [["grid", true], [
      "battery",
      true,
    ]]);
    assert.equal(snapshots.length, 3);
    assert.equal(run.metrics().missedPolls, 1);
  } finally {
    clearTimeout(timer);
    await run.stop(0);
  }
});

Deno.test("DeviceRunner: the schedules are deadlines of the shared queue (one per group), all cancelled by a hold-back and by stop", async () => {
  let count = 0;
  const { run, snapshots } = runner(Promise.resolve(), 5_000, 40);
  const enough = Promise.withResolvers<void>();
  const emitted = snapshots.push.bind(snapshots);
  snapshots.push = (...items: Snapshot[]) => {
    const n = emitted(...items);
    if (++count === 15) enough.resolve();
    return n;
  };
  let liveWhileRunning: number, liveWhileHeld: number;
  try {
    run.start();
    // Five polls of each group (random() is 0: every group first due at start).
    await enough.promise;
    liveWhileRunning = SCHEDULES.live;
    run.hold();
    liveWhileHeld = SCHEDULES.live;
    run.admit();
  } finally {
    await run.stop(0);
  }
  assert.ok(liveWhileRunning >= 3, `${liveWhileRunning} deadlines live while running`);
  assert.equal(liveWhileHeld, 0);
  assert.equal(SCHEDULES.live, 0);
  assert.equal(SCHEDULES.holding, false, "a timer holds the process open after stop");
  assert.ok(snapshots.every((s) => s.ok));
  for (const group of ["core", "grid", "battery"]) {
    const polls = snapshots.filter((s) => s.group === group);
    assert.ok(polls.length >= 4, `${group}: ${polls.length} polls`);
  }
  assert.ok(run.metrics().missedPolls === 0);
});
