import assert from "node:assert/strict";
import { CredentialsError, TransportError } from "../errors/errors.ts";
import { ConnectLimiter, type ConnectSlotRequest } from "../transport/connect_limiter.ts";
import { LoopbackTransport } from "../transport/loopback_transport.ts";
import { StationModel } from "../testing/simulated_station.ts";
import { Executor } from "./executor.ts";
import { RuntimeRegistry } from "./runtime_registry.ts";
import { BLUETTI_V2 } from "../plugins/bluetti_v2/plugin.ts";
import type { TransportDefinition } from "../transport/transport_definition.ts";
import { s } from "../schema/schema.ts";
import type { RuntimeLogEntry } from "./executor.ts";
import type { ResolvedDevice, Snapshot } from "./types.ts";

function device(id: string, sn: string): ResolvedDevice {
  return {
    id,
    pipeline: "test",
    mode: "pull",
    vendor: "bluetti",
    protocol: "v2",
    profileId: "EL100V2",
    transport: {
      type: "fake",
      framing: "rtu",
      options: { device_sn: sn, cert_file: `/certs/${id}.p12`, cert_password: "pw" },
    },
    groups: [{ name: "core", intervalMs: 60_000 }, { name: "grid", intervalMs: 60_000 }],
    sink: "collect",
    deviceAddress: null,
    protocolVersion: null,
    writeEnabled: false,
  };
}

interface FakeOptions {
  device_sn?: string;
  cert_file?: string;
  cert_password?: string;
}

/** A transport definition named "fake" with the given factory (and prepare). */
function fake(
  hooks: Pick<TransportDefinition<FakeOptions>, "create" | "prepare">,
): TransportDefinition<FakeOptions> {
  return {
    name: "fake",
    description: "in memory",
    options: s.strictObject({
      device_sn: s.string().optional(),
      cert_file: s.string().optional(),
      cert_password: s.string().optional(),
    }),
    defaults: {},
    required: [],
    pathOptions: ["cert_file"],
    describe: () => ({ endpoint: "fake", details: [] }),
    ...hooks,
  };
}

/** The device id a fake's options belong to (from its bundle path). */
const idOf = (options: FakeOptions) => /\/certs\/(.*)\.p12$/.exec(options.cert_file ?? "")![1]!;

/** A transport whose prepare refuses the bundle of device `bad`; counts every call. */
function fakeRegistry() {
  const station = new StationModel({ profile: "EL100V2", sn: "EL100V2000001" });
  const calls = { prepare: new Map<string, number>(), create: new Map<string, number>() };
  const count = (map: Map<string, number>, id: string) => map.set(id, (map.get(id) ?? 0) + 1);
  const registry = new RuntimeRegistry();
  registry.registerPlugin(BLUETTI_V2);
  registry.registerTransport(fake({
    prepare(options) {
      count(calls.prepare, idOf(options));
      if (idOf(options) === "bad") {
        return Promise.reject(
          new CredentialsError(
            "wrong_password",
            "Cannot open the PKCS#12 bundle: wrong passphrase (the bundle's integrity check failed)",
          ),
        );
      }
      return Promise.resolve({ ok: true });
    },
    create(options, context) {
      count(calls.create, idOf(options));
      assert.deepEqual(context.prepared, { ok: true });
      return Promise.resolve(new LoopbackTransport((payload) => station.handle(payload)));
    },
  }));
  return { registry, calls };
}

Deno.test("Executor: a credentials error is permanent: one error per group, no retry, the other device goes on", async () => {
  const { registry, calls } = fakeRegistry();
  const snapshots: Snapshot[] = [];
  const logs: RuntimeLogEntry[] = [];
  const executor = new Executor({
    devices: [device("bad", "EL100V2000009"), device("good", "EL100V2000001")],
    sinks: { collect: { push: (s) => (snapshots.push(s), true) } },
    registry,
    logger: (entry) => logs.push(entry),
    reconnectAfter: 1,
  });
  try {
    for (let round = 0; round < 3; round++) await executor.runOnce();
  } finally {
    await executor.stop();
  }
  assert.equal(calls.prepare.get("bad"), 1, "the bundle is opened once, never again");
  assert.equal(calls.create.get("bad"), undefined, "nothing connects with it");
  assert.equal(calls.prepare.get("good"), 1, "prepared once, not at every connect");
  const bad = snapshots.filter((s) => s.deviceId === "bad");
  assert.equal(bad.length, 6, "3 rounds × 2 groups");
  for (const snapshot of bad) {
    assert.equal(snapshot.ok, false);
    assert.deepEqual(snapshot.errors.map((e) => e.code), ["TRANSPORT_CREDENTIALS"]);
    assert.match(snapshot.errors[0]!.message, /wrong passphrase/);
  }
  const good = snapshots.filter((s) => s.deviceId === "good");
  assert.equal(good.length, 6);
  assert.ok(good.every((s) => s.ok), JSON.stringify(good.map((s) => s.errors)));
  const badLogs = logs.filter((entry) => entry.deviceId === "bad" && entry.level !== "info");
  assert.equal(badLogs.length, 1, JSON.stringify(badLogs));
  assert.equal(badLogs[0]!.level, "error");
  assert.match(badLogs[0]!.message, /^cannot run, not retried: TRANSPORT_CREDENTIALS: /);
});

Deno.test("Executor: a device failed at configuration load reports once at start and never connects", async () => {
  const { registry, calls } = fakeRegistry();
  const snapshots: Snapshot[] = [];
  const failure = new CredentialsError("expired", "the client certificate expired");
  const executor = new Executor({
    devices: [device("bad", "EL100V2000009")],
    sinks: { collect: { push: (s) => (snapshots.push(s), true) } },
    registry,
    failed: new Map([["bad", failure]]),
  });
  executor.start();
  await executor.stop();
  assert.equal(calls.prepare.get("bad"), undefined);
  assert.equal(calls.create.get("bad"), undefined);
  assert.equal(snapshots.length, 1);
  assert.equal(snapshots[0]!.group, null);
  assert.deepEqual(snapshots[0]!.errors, [{
    blockId: null,
    code: "TRANSPORT_CREDENTIALS",
    message: "the client certificate expired",
  }]);
});

Deno.test("Executor: a device's connection made again after a failure spends the reconnect budget", async () => {
  const kinds: boolean[] = [];
  class RecordingLimiter extends ConnectLimiter {
    override acquire(request: ConnectSlotRequest = {}) {
      kinds.push(request.reconnect === true);
      return super.acquire(request);
    }
  }
  const station = new StationModel({ profile: "EL100V2", sn: "EL100V2000001" });
  const registry = new RuntimeRegistry();
  registry.registerPlugin(BLUETTI_V2);
  let creates = 0;
  registry.registerTransport(fake({
    async create(_options, context) {
      // What a transport does before its handshake.
      (await context.connectLimiter!.acquire())();
      if (creates++ === 0) throw new TransportError("TRANSPORT_CONNECT_FAILED", "refused");
      return new LoopbackTransport((payload) => station.handle(payload));
    },
  }));
  const snapshots: Snapshot[] = [];
  const executor = new Executor({
    devices: [device("a", "EL100V2000001")],
    sinks: { collect: { push: (s) => (snapshots.push(s), true) } },
    registry,
    connectLimiter: new RecordingLimiter(),
    reconnectPolicy: { initialDelayMs: 0, jitter: 0 },
  });
  try {
    await executor.runOnce();
    await executor.runOnce();
  } finally {
    await executor.stop();
  }
  assert.deepEqual(kinds, [false, true], "first connect, then a budgeted reconnect");
  assert.equal(snapshots.at(-1)?.ok, true);
});
