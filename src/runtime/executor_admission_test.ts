// Admission by measured capacity, on the real executor: stations whose every request costs CPU
// (a loopback transport that computes for a while before it answers) make more work than the
// process can do at the configured cadence. The executor then serves the devices configured
// first on time and holds the last ones back (no polls, no connection), and admits them again
// once the work fits. A healthy process holds nothing back.
import "../plugins/builtin.ts";
import assert from "node:assert/strict";
import { LoopbackTransport } from "../transport/loopback_transport.ts";
import { StationModel } from "../testing/simulated_station.ts";
import { type AdmissionOptions, Executor, type RuntimeLogEntry } from "./executor.ts";
import { RuntimeRegistry } from "./runtime_registry.ts";
import { BLUETTI_V2 } from "../plugins/bluetti_v2/plugin.ts";
import type { ResolvedDevice, Snapshot } from "./types.ts";
import { s } from "../schema/schema.ts";
import { waitUntil, withDeadline } from "../../tests/_support/deadline.ts";
import { ConnectLimiter, type ConnectSlots } from "../transport/connect_limiter.ts";
import { TransportError } from "../errors/errors.ts";

/**
 * Stations that compute `load.burnMs` per request (the ones in `silent` never answer); counts
 * the connections open. With `slots`, each connect takes a slot of the executor's connect
 * limiter.
 */
function burningRegistry(
  load: { burnMs: number },
  silent: ReadonlySet<string> = new Set(),
  slots = false,
) {
  const station = new StationModel({ profile: "EL100V2", sn: "EL100V2000001" });
  const open = new Set<string>();
  class Burning extends LoopbackTransport {
    #open = false;
    constructor(readonly id: string, readonly limiter?: ConnectSlots) {
      super((payload) => {
        if (silent.has(id)) return null;
        const until = performance.now() + load.burnMs;
        while (performance.now() < until) { /* the station's work, on this process's CPU */ }
        return station.handle(payload);
      }, { requestTimeoutMs: 50 });
    }
    override async connect(options?: { readonly signal?: AbortSignal }): Promise<void> {
      if (slots) (await this.limiter!.acquire({ signal: options?.signal }))(true);
      await super.connect();
      this.#open = true;
      open.add(this.id);
    }
    override async close(): Promise<void> {
      if (this.#open) open.delete(this.id);
      this.#open = false;
      await super.close();
    }
  }
  const registry = new RuntimeRegistry();
  registry.registerPlugin(BLUETTI_V2);
  registry.registerTransport({
    name: "burning",
    description: "in-process stations that cost CPU per request",
    options: s.strictObject({ device_sn: s.string() }),
    defaults: {},
    required: ["device_sn"],
    pathOptions: [],
    describe: () => ({ endpoint: "loopback", details: [] }),
    create: (options, context) =>
      Promise.resolve(new Burning(options.device_sn, context.connectLimiter)),
  });
  return { registry, open };
}

function devices(n: number, groups: string[], intervalMs: number): ResolvedDevice[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `d${i}`,
    pipeline: "test",
    mode: "pull",
    vendor: "bluetti",
    protocol: "v2",
    profileId: "EL100V2",
    transport: { type: "burning", framing: "rtu", options: { device_sn: `d${i}` } },
    groups: groups.map((name) => ({ name, intervalMs })),
    sink: "collect",
    deviceAddress: null,
    protocolVersion: null,
    writeEnabled: false,
  }));
}

/**
 * Keeps every snapshot; `until(test)` resolves at the first snapshot after which `test` holds
 * (checked at each snapshot: an event, not a sleep), and fails after a generous deadline.
 */
function collector() {
  const snapshots: Snapshot[] = [];
  let waiter: { test: () => boolean; resolve: () => void } | null = null;
  return {
    snapshots,
    target: {
      push(snapshot: Snapshot) {
        snapshots.push(snapshot);
        if (waiter?.test()) waiter.resolve();
        return true;
      },
    },
    async until(test: () => boolean, what: string | (() => string)): Promise<void> {
      if (test()) return;
      const done = Promise.withResolvers<void>();
      waiter = { test, resolve: done.resolve };
      // A safety net that fails the test instead of hanging it; never a measurement.
      try {
        await withDeadline(done.promise, 60_000, what);
      } finally {
        waiter = null;
      }
    },
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Thresholds scaled to a 100 ms cadence (the defaults suit seconds). */
const FAST: AdmissionOptions = {
  lateMs: 30,
  windowMs: 200,
  overWindows: 2,
  shedStep: 2,
};

/** Run `n` devices of one group every 100 ms until admission has held devices back and settled. */
async function overloaded(
  n: number,
  load: { burnMs: number },
  admission: AdmissionOptions,
  writeEnabled = false,
  connectLimiter?: ConnectLimiter,
) {
  const { registry, open } = burningRegistry(load, new Set(), connectLimiter !== undefined);
  const sink = collector();
  const logs: RuntimeLogEntry[] = [];
  let lastChange = performance.now();
  const executor = new Executor({
    registry,
    devices: devices(n, ["core"], 100).map((d) => ({ ...d, writeEnabled })),
    sinks: { collect: sink.target },
    overloadLagMs: 30,
    admission,
    ...(connectLimiter === undefined ? {} : { connectLimiter }),
    logger: (entry) => {
      logs.push(entry);
      if (entry.message.startsWith("admission:")) lastChange = performance.now();
    },
  });
  executor.start();
  // Settled: devices held back, and no step for a second.
  await sink.until(
    () => executor.admission().heldBack > 0 && performance.now() - lastChange > 1_000,
    `held back and settled: ${JSON.stringify(executor.admission())}`,
  );
  return { executor, sink, logs, open };
}

Deno.test("Executor admission: past capacity, the last devices are held back (no polls, no connection, skips counted, warned) and the others poll on time", async () => {
  // 24 devices each asking 12 ms of CPU every 100 ms: about three times what one core does.
  const n = 24;
  const { executor, sink, logs, open } = await overloaded(n, { burnMs: 12 }, {
    ...FAST,
    admitAfterMs: 600_000,
  });
  let stats, end, held: string[], window: Snapshot[], skippedBefore: number, openAtEnd: string[];
  const ids = executor.deviceIds;
  const admittedNow = () => ids.slice(0, executor.admission().admitted);
  try {
    stats = executor.admission();
    held = ids.slice(stats.admitted);
    const metrics = executor.metrics();
    skippedBefore = held.reduce((sum, id) => sum + metrics[id]!.skippedPolls!, 0);
    // A window of five polls of each device admitted (a busy machine may hold back more).
    const from = sink.snapshots.length;
    const polls = (id: string) =>
      sink.snapshots.slice(from).filter((s) => s.deviceId === id).length;
    await sink.until(
      () => admittedNow().every((id) => polls(id) >= 5),
      () =>
        `five polls each: ${
          JSON.stringify(admittedNow().map((id) => [id, polls(id), executor.metrics()[id]]))
        } ${JSON.stringify(executor.admission())}`,
    );
    window = sink.snapshots.slice(from);
    end = executor.admission();
    openAtEnd = [...open];
  } finally {
    await executor.stop(0);
  }
  assert.ok(stats.admitted >= 1 && stats.admitted < n, JSON.stringify(stats));
  assert.equal(stats.devices, n);
  assert.equal(stats.heldBack, held.length);
  assert.equal(end.readmitted, 0);
  // The first in configuration order poll, the last ones are held back: no poll, no
  // connection; their due polls are counted as skipped.
  const polled = new Set(window.map((s) => s.deviceId));
  assert.ok(ids.slice(0, end.admitted).every((id) => polled.has(id)));
  assert.ok(held.every((id) => !polled.has(id)), `${[...polled]} polled, ${held} held`);
  assert.ok(openAtEnd.every((id) => ids.indexOf(id) < end.admitted), `${openAtEnd} open`);
  assert.deepEqual([...open], []); // closed at stop
  const after = executor.metrics();
  const skippedAfter = held.reduce((sum, id) => sum + after[id]!.skippedPolls!, 0);
  assert.ok(skippedAfter > skippedBefore, `${skippedBefore} → ${skippedAfter}`);
  assert.ok(executor.admission().skippedWhileHeld >= skippedAfter);
  // The admitted devices poll on time (without admission every poll ran seconds late).
  const lateness = window.map((s) => s.metrics.lastLatenessMs!);
  assert.ok(window.every((s) => s.ok), JSON.stringify(window.find((s) => !s.ok)));
  assert.ok(quantile(lateness, 0.5) < 30, `lateness p50 ${quantile(lateness, 0.5)} ms`);
  const warning = logs.find((l) => l.level === "warn" && /devices held back/.test(l.message));
  assert.ok(warning, JSON.stringify(logs.filter((l) => l.level !== "info")));
  assert.match(
    warning.message,
    /^over capacity: \d+ of 24 devices held back \(the last in configuration order, from d\d+\) because .*; they do not poll and hold no connection \(\d+ due polls skipped so far\); .*warned at most once a minute$/,
  );
  assert.ok(
    logs.some((l) => /^admission: \d+ devices? held back \(d\d+/.test(l.message)),
    "each step is logged",
  );
});

Deno.test("Executor admission: held-back devices drop their connections; with headroom they are admitted again one by one, first configured first", async () => {
  const n = 12;
  const load = { burnMs: 25 };
  const { executor, sink, logs, open } = await overloaded(n, load, { ...FAST, admitAfterMs: 400 });
  let heldAtFirst: string[], openWhileHeld: string[], fromLog: number;
  try {
    const stats = executor.admission();
    heldAtFirst = executor.deviceIds.slice(stats.admitted);
    openWhileHeld = [...open];
    // The stations become cheap: the work fits, the held-back devices come back.
    fromLog = logs.length;
    load.burnMs = 0;
    await sink.until(
      () => executor.admission().heldBack === 0 && open.size === n,
      `all admitted again: ${JSON.stringify(executor.admission())}, ${open.size} open`,
    );
    const back = sink.snapshots.length;
    await sink.until(
      () => new Set(sink.snapshots.slice(back).map((s) => s.deviceId)).size === n,
      "every device polls again",
    );
  } finally {
    await executor.stop(0);
  }
  assert.ok(heldAtFirst.length > 0);
  // No connection held for a held-back device.
  assert.ok(
    openWhileHeld.every((id) => !heldAtFirst.includes(id)),
    `${openWhileHeld} open, ${heldAtFirst} held`,
  );
  // One at a time, always the first held back in configuration order (a device may be held
  // back again while the last expensive polls drain, and comes back in the same order).
  const readmitted = logs.slice(fromLog).flatMap((l) => {
    const m =
      /^admission: d(\d+) admitted again after [\d.]+ s with headroom; (\d+) of 12 admitted$/
        .exec(l.message);
    return m === null ? [] : [{ index: Number(m[1]), admitted: Number(m[2]) }];
  });
  assert.ok(readmitted.every((r) => r.admitted === r.index + 1), JSON.stringify(readmitted));
  assert.deepEqual(
    readmitted.slice(-heldAtFirst.length).map((r) => `d${r.index}`),
    heldAtFirst,
  );
  const metrics = executor.metrics();
  for (const id of heldAtFirst) {
    assert.ok(metrics[id]!.skippedPolls! > 0, `${id} skipped ${metrics[id]!.skippedPolls}`);
    assert.ok(sink.snapshots.some((s) => s.deviceId === id && s.ok));
  }
});

Deno.test("Executor admission: a healthy process holds no device back", async () => {
  const { registry } = burningRegistry({ burnMs: 0 });
  const sink = collector();
  const logs: RuntimeLogEntry[] = [];
  const n = 20;
  const executor = new Executor({
    registry,
    devices: devices(n, ["core", "grid", "battery"], 200),
    sinks: { collect: sink.target },
    logger: (entry) => logs.push(entry),
  });
  executor.start();
  // 25 polls of each group of each device: five windows of the default 1 s.
  const counts = new Map<string, number>();
  sink.target.push = ((push) => (s: Snapshot) => {
    counts.set(s.deviceId, (counts.get(s.deviceId) ?? 0) + 1);
    return push(s);
  })(sink.target.push);
  try {
    await sink.until(
      () => counts.size === n && [...counts.values()].every((c) => c >= 75),
      "75 polls of every device",
    );
  } finally {
    await executor.stop(0);
  }
  assert.deepEqual(executor.admission(), {
    devices: n,
    admitted: n,
    heldBack: 0,
    mostHeldBack: 0,
    shed: 0,
    readmitted: 0,
    skippedWhileHeld: 0,
    over: false,
  });
  assert.deepEqual(logs.filter((l) => /admission|held back/.test(l.message)), []);
  assert.ok(sink.snapshots.every((s) => s.ok));
});

Deno.test("Executor admission: a silent station's timeouts and skipped polls are no sign of overload", async () => {
  // d9 never answers: each of its polls times out and its groups come due again meanwhile.
  // Counted as late polls, they would be a tenth of the fleet's: over capacity.
  const { registry } = burningRegistry({ burnMs: 0 }, new Set(["d9"]));
  const sink = collector();
  const logs: RuntimeLogEntry[] = [];
  const n = 10;
  const executor = new Executor({
    registry,
    devices: devices(n, ["core", "grid", "battery"], 100),
    sinks: { collect: sink.target },
    timeoutMs: 50,
    overloadLagMs: 100,
    admission: { ...FAST, lateMs: 100 },
    logger: (entry) => logs.push(entry),
  });
  executor.start();
  const ok = new Map<string, number>();
  try {
    // 60 polls of each answering device's groups: 30 windows of 200 ms.
    await sink.until(() => {
      const last = sink.snapshots.at(-1);
      if (last?.ok === true) ok.set(last.deviceId, (ok.get(last.deviceId) ?? 0) + 1);
      return ok.size === n - 1 && [...ok.values()].every((c) => c >= 60);
    }, "60 ok polls of every answering device");
  } finally {
    await executor.stop(0);
  }
  assert.ok(sink.snapshots.some((s) => s.deviceId === "d9" && !s.ok));
  assert.ok(executor.metrics().d9!.skippedPolls! > 0);
  assert.equal(
    executor.admission().shed,
    0,
    JSON.stringify(logs.filter((l) => /admission/.test(l.message))),
  );
});

Deno.test("Executor admission: a write or a control read to a held-back device is served, and the connection it opened is closed after; the device stays held back", async () => {
  const n = 24;
  const { executor, sink, open } = await overloaded(n, { burnMs: 12 }, {
    ...FAST,
    admitAfterMs: 600_000,
  }, true);
  let write, read, openAfterWrite: boolean, openAfterRead: boolean, id: string;
  let before: number, heldAfter: number, polledAfter: boolean;
  try {
    const ids = executor.deviceIds;
    id = ids[n - 1]!;
    assert.ok(executor.admission().admitted < n, JSON.stringify(executor.admission()));
    assert.ok(!open.has(id), `${id} holds a connection while held back`);
    before = sink.snapshots.length;
    write = await executor.writeControl(id, "ac_output", "on");
    openAfterWrite = open.has(id);
    read = await executor.readControls(id, ["ac_output"]);
    openAfterRead = open.has(id);
    heldAfter = executor.admission().heldBack;
    // A few more polls of the others: the held-back device still does not poll.
    const from = sink.snapshots.length;
    await sink.until(() => sink.snapshots.length - from >= 20, "20 more polls");
    polledAfter = sink.snapshots.slice(before).some((s) => s.deviceId === id);
  } finally {
    await executor.stop(0);
  }
  assert.deepEqual(write, { control: "ac_output", readBack: "on", applied: true });
  assert.deepEqual(read, { ac_output: "on" });
  assert.equal(openAfterWrite, false, `${id}'s connection stayed open after the write`);
  assert.equal(openAfterRead, false, `${id}'s connection stayed open after the read`);
  assert.ok(heldAfter > 0);
  assert.equal(polledAfter, false, `${id} polled while held back`);
  assert.deepEqual([...open], []);
});

Deno.test("Executor admission: the connect of a write to a held-back device goes ahead of the handshakes waiting for a slot, past a hold-back of the limiter", async () => {
  const limiter = new ConnectLimiter({ maxConcurrent: 1 });
  const n = 24;
  const { executor, open } = await overloaded(
    n,
    { burnMs: 12 },
    {
      ...FAST,
      admitAfterMs: 600_000,
    },
    true,
    limiter,
  );
  const id = executor.deviceIds[n - 1]!;
  let write, waitingAfter: number;
  const order: string[] = [];
  const others: Promise<void>[] = [];
  try {
    assert.ok(executor.admission().admitted < n, JSON.stringify(executor.admission()));
    assert.ok(!open.has(id));
    // The one slot is taken by a slow handshake, five more wait for it, and the limiter holds
    // back what has not started (over capacity).
    const slow = await limiter.acquire();
    for (let i = 0; i < 5; i++) {
      others.push(
        limiter.acquire().then((release) => {
          order.push(`other ${i}`);
          release();
        }),
      );
    }
    limiter.holdBack(true);
    const writing = executor.writeControl(id, "ac_output", "on").then((result) => {
      order.push("write");
      return result;
    });
    // The write's connect is queued (at the front) only once its turn on the device's chain
    // came; the slow handshake ends then.
    await waitUntil(() => limiter.stats.waiting === 6, "the write's connect queued", 30_000);
    slow();
    let served = false;
    void writing.then(() => (served = true), () => (served = true));
    await waitUntil(() => served, "the write served while the others are held back", 30_000);
    write = await writing;
    waitingAfter = limiter.stats.waiting;
    limiter.holdBack(false);
    await Promise.all(others);
  } finally {
    limiter.holdBack(false);
    await executor.stop(0);
  }
  assert.deepEqual(write, { control: "ac_output", readBack: "on", applied: true });
  assert.equal(order[0], "write");
  assert.equal(waitingAfter, 5, "the others stayed held back");
  assert.deepEqual(order.slice(1), [0, 1, 2, 3, 4].map((i) => `other ${i}`));
  assert.deepEqual([...open], []);
});

Deno.test("Executor admission: a connect storm at start-up (handshakes making the event loop late) holds no device back when the connected fleet fits", async () => {
  // 48 devices whose connects cost 60 ms of CPU each (about 2.9 s of handshakes, the event
  // loop far later than its limit meanwhile); once connected their polls cost next to nothing.
  const n = 48;
  // Connects that cost 60 ms of CPU and never time out; polls that cost none.
  const { registry, connected } = starvedHandshakeRegistry(0, 60, Infinity);
  const sink = collector();
  const logs: RuntimeLogEntry[] = [];
  const executor = new Executor({
    registry,
    devices: devices(n, ["core"], 200),
    sinks: { collect: sink.target },
    // Limits a shared machine keeps once the handshakes are over; the storm is far above them.
    overloadLagMs: 100,
    admission: { ...FAST, lateMs: 100, overWindows: 3 },
    logger: (entry) => logs.push(entry),
  });
  const ok = new Map<string, number>();
  let lagOver = false;
  let stats;
  try {
    executor.start();
    // Ten ok polls of every device once all are connected (2 s at their cadence).
    await sink.until(
      () => {
        const last = sink.snapshots.at(-1);
        if (last?.ok === true) ok.set(last.deviceId, (ok.get(last.deviceId) ?? 0) + 1);
        if (connected.size < n) ok.clear();
        return ok.size === n && [...ok.values()].every((c) => c >= 10);
      },
      () =>
        `ten polls of every device after all connected: ${connected.size} connected, ${
          JSON.stringify(executor.admission())
        }`,
    );
    lagOver = logs.some((l) => /event loop runs \d+ ms late/.test(l.message));
    stats = executor.admission();
  } finally {
    await executor.stop(0);
  }
  // The storm made the event loop late (else this test shows nothing)...
  assert.ok(lagOver, JSON.stringify(logs.filter((l) => l.level !== "info").slice(0, 5)));
  // ...and no device was held back for it.
  assert.equal(
    stats.shed,
    0,
    JSON.stringify(logs.filter((l) => /admission|held back/.test(l.message)).slice(0, 5)),
  );
  assert.equal(stats.admitted, n);
});

/**
 * Stations whose every request costs `pollMs` of CPU and whose connect costs `handshakeMs` of
 * CPU in three slices inside a slot of the executor's connect limiter, between which the event
 * loop runs (a TLS handshake's work between network round trips); a handshake that took longer
 * than `timeoutMs` in all times out (a connack that came too late), as on a starved process.
 * Counts the devices that were granted a handshake and those connected.
 */
function starvedHandshakeRegistry(pollMs: number, handshakeMs: number, timeoutMs: number) {
  const station = new StationModel({ profile: "EL100V2", sn: "EL100V2000001" });
  const tried = new Set<string>();
  const connected = new Set<string>();
  let timeouts = 0;
  const burn = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) { /* work, on this process's CPU */ }
  };
  class Starved extends LoopbackTransport {
    constructor(readonly id: string, readonly slots: ConnectSlots | undefined) {
      super((payload) => {
        burn(pollMs);
        return station.handle(payload);
      }, { requestTimeoutMs: 1_000 });
    }
    override async connect(options?: { readonly signal?: AbortSignal }): Promise<void> {
      const release = await this.slots?.acquire({ signal: options?.signal });
      tried.add(this.id);
      const start = performance.now();
      let answered = true;
      try {
        for (let i = 0; i < 3; i++) {
          burn(handshakeMs / 3);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        if (performance.now() - start > timeoutMs) {
          answered = false;
          timeouts++;
          throw new TransportError(
            "TRANSPORT_TIMEOUT",
            `Cannot connect ${this.id}: connack timeout`,
          );
        }
      } finally {
        release?.(answered);
      }
      await super.connect();
      connected.add(this.id);
    }
    override async close(): Promise<void> {
      connected.delete(this.id);
      await super.close();
    }
  }
  const registry = new RuntimeRegistry();
  registry.registerPlugin(BLUETTI_V2);
  registry.registerTransport({
    name: "burning",
    description: "in-process stations whose requests and connects cost CPU",
    options: s.strictObject({ device_sn: s.string() }),
    defaults: {},
    required: ["device_sn"],
    pathOptions: [],
    describe: () => ({ endpoint: "loopback", details: [] }),
    create: (options, context) =>
      Promise.resolve(new Starved(options.device_sn, context.connectLimiter)),
  });
  return { registry, tried, connected, timeouts: () => timeouts };
}

/**
 * 80 devices each asking 10 ms of CPU every 100 ms once connected (eight times what one core
 * does), whose handshakes cost 45 ms of CPU and time out after `timeoutMs`; the load gate is
 * off, so that only admission can stop the storm (at 2,000 TLS stations the gate flapped around
 * its limit and let handshakes through a few at a time). Waits until admission settled, then
 * checks that devices were held back before their turn in the handshake queue came and that
 * the connected ones poll at their cadence.
 */
async function connectStorm(
  timeoutMs: number,
  admission: AdmissionOptions = {},
  cadence = true,
) {
  const n = 80;
  const { registry, tried, connected, timeouts } = starvedHandshakeRegistry(10, 45, timeoutMs);
  const sink = collector();
  const logs: RuntimeLogEntry[] = [];
  const executor = new Executor({
    registry,
    devices: devices(n, ["core"], 100),
    sinks: { collect: sink.target },
    overloadLagMs: 0,
    admission: { ...FAST, windowMs: 500, admitAfterMs: 600_000, ...admission },
    logger: (entry) => logs.push(entry),
  });
  const ids = executor.deviceIds;
  let stats, window: Snapshot[], triedAtEnd: number;
  try {
    executor.start();
    let lastChange = performance.now();
    let changes = 0;
    await sink.until(() => {
      const count = logs.filter((l) => l.message.startsWith("admission:")).length;
      if (count !== changes) (changes = count, lastChange = performance.now());
      return executor.admission().heldBack > 0 && performance.now() - lastChange > 1_500;
    }, () => `held back and settled: ${JSON.stringify(executor.admission())}, ${tried.size} tried`);
    // Five polls of each admitted device.
    const admitted = () => ids.slice(0, executor.admission().admitted);
    const from = sink.snapshots.length;
    const polls = (id: string) =>
      sink.snapshots.slice(from).filter((s) => s.deviceId === id && s.ok).length;
    await sink.until(
      () => admitted().every((id) => !connected.has(id) || polls(id) >= 5),
      () => `five polls each: ${JSON.stringify(executor.admission())}`,
    );
    window = sink.snapshots.slice(from).filter((s) => connected.has(s.deviceId));
    stats = executor.admission();
    triedAtEnd = tried.size;
  } finally {
    await executor.stop(0);
  }
  // Devices were held back before their turn in the handshake queue came: never connected.
  assert.ok(stats.shed > 0 && stats.admitted < n, JSON.stringify(stats));
  assert.ok(
    triedAtEnd < n,
    `every device made its first handshake before any was held back (${triedAtEnd} of ${n}); ${
      JSON.stringify(logs.filter((l) => l.message.startsWith("admission:")).slice(0, 3))
    }`,
  );
  assert.ok(ids.slice(stats.admitted).every((id) => !connected.has(id)));
  // The devices that are connected poll at their cadence: most polls start within one interval
  // (100 ms) of their due time. Without the hold-back the fleet asks eight cores and polls fall
  // behind by seconds; alone on the machine p50 is under 10 ms, but the suite runs in parallel
  // on 2 cores, and other files' work made it 36 ms once (a bound at the lateness limit, 30 ms,
  // measured the machine, not admission).
  assert.ok(window.length > 0);
  const lateness = window.map((s) => s.metrics.lastLatenessMs!);
  if (cadence) {
    const p50 = quantile(lateness, 0.5);
    assert.ok(p50 < 100, `lateness p50 ${p50} ms`);
  }
  const told = logs.filter((l) => l.message.startsWith("admission: the connect phase"));
  assert.equal(told.length, 1, "said once why capacity is judged while devices connect");
  return { timeouts: timeouts(), told: told[0]!.message };
}

Deno.test("Executor admission: a connect phase that does not converge (handshakes starved by the devices already connected time out) is judged: the last devices are held back before their handshakes, the first ones poll at their cadence", async () => {
  // Once a few devices are connected, handshakes starve and time out (and each device's failed
  // first connect is retried). Before, every window in which a first handshake ran went
  // unjudged, so no device was held back until each had made its first handshake.
  const { timeouts, told } = await connectStorm(150);
  assert.ok(timeouts > 0, "no handshake timed out: the storm was not shown");
  assert.match(
    told,
    /^admission: the connect phase does not converge \(\d+ handshakes? timed out so far, \d+ of 80 devices tried\): capacity is judged while devices still connect$/,
  );
});

Deno.test("Executor admission: a connect phase longer than its grace is judged, even when no handshake times out", async () => {
  // Handshakes never time out here, but the connect phase (80 × 45 ms of handshakes while the
  // connected devices already ask for more than the process does) outlasts the grace. (The
  // admitted devices' handshakes still run for a while after: their lateness is not checked.)
  const { timeouts, told } = await connectStorm(Infinity, { connectGraceMs: 500 }, false);
  assert.equal(timeouts, 0);
  assert.match(
    told,
    /^admission: the connect phase does not converge \(first handshakes still run \d+ s after start, \d+ of 80 devices tried\)/,
  );
});
