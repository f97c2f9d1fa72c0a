/**
 * The executor: runs many stations from a resolved configuration. Pull devices poll their
 * groups on their own cadences (jittered start, one request in flight per device, no device
 * delaying another); push devices emit what their stations send. Every poll yields a
 * snapshot - an error snapshot when it failed, never "OK with 0 blocks" - which goes through a
 * bounded queue to its sink.
 *
 * @module
 */
import { ConfigError } from "../errors/errors.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import type { ReconnectPolicy } from "../transport/reconnect_policy.ts";
import { ConnectLimiter, type ConnectSlots } from "../transport/connect_limiter.ts";
import { DeviceRunner, type RunnerLogEntry } from "./_device_runner.ts";
import { startSpreadMs } from "./_start_spread.ts";
import { LAG_MEMORY_MS, LoadGate } from "./_load_gate.ts";
import { Admission, type AdmissionStats, connectPhaseVerdict } from "./_admission.ts";
import type { DeviceIdentity } from "../device/device_state.ts";
import { RuntimeRegistry } from "./runtime_registry.ts";
import type { ControlWriteResult } from "./sinks/output_device.ts";
import { readConfiguredFile } from "./config/prepare_devices.ts";
import type { DeviceMetrics, ResolvedDevice, Snapshot } from "./types.ts";

/** Takes snapshots for one sink name; false when one had to be dropped. */
export interface SnapshotTarget {
  /** Hand over a snapshot without waiting; false when the queue dropped one. */
  push(snapshot: Snapshot): boolean;
}

/** A log entry of the runtime. Never holds a password, a key or payload bytes. */
export type RuntimeLogEntry = RunnerLogEntry;

export type { AdmissionStats };

/**
 * Thresholds of admission by measured capacity (see {@linkcode ExecutorOptions.admission}).
 * Past capacity the executor serves the devices configured first at their cadence and holds
 * the last ones back; under capacity it changes nothing.
 */
export interface AdmissionOptions {
  /**
   * A poll that starts later than this after it was due, ms, counts as late, as does one
   * skipped because the group's previous poll still ran (only polls of connected devices whose
   * last poll went well are judged: a silent station's queue says nothing about the process).
   *
   * @default {the over-capacity lag: a tenth of the shortest poll interval, 200 to 1,000 ms}
   */
  readonly lateMs?: number;
  /**
   * A window in which more than this share of the polls (at least 20) started late is over
   * capacity; it has headroom once at most half of it did and the event loop's lag is under
   * half of `overloadLagMs`.
   *
   * @default {0.05}
   */
  readonly lateShare?: number;
  /**
   * How often capacity is judged, ms.
   *
   * @default {the shortest poll interval, between 1,000 and 5,000 ms}
   */
  readonly windowMs?: number;
  /**
   * Windows over capacity in a row before the first devices are held back (handshakes are held
   * back at once).
   *
   * @default {3}
   */
  readonly overWindows?: number;
  /**
   * Connected devices held back per step (one step every two windows at most, while over
   * capacity), with the devices without a connection above them.
   *
   * @default {a twentieth of the admitted devices that are connected, up to a tenth when most polls are late (an eighth of the share of late polls), at least 1}
   */
  readonly shedStep?: number;
  /**
   * Headroom this long admits the first held-back device again; each next one waits as long.
   * When devices have to be held back right after an admission, the wait doubles (up to 16
   * times); each admission that follows another halves it back.
   *
   * @default {five windows}
   */
  readonly admitAfterMs?: number;
  /**
   * How long the connect phase may pause the judgement, ms from start: while first handshakes
   * run, a window is not judged (their CPU makes the event loop late, which says nothing about
   * serving the devices once connected), but only while that phase converges - a handshake
   * that timed out, or a connect phase longer than this, shows that it does not, and the
   * windows are judged.
   *
   * @default {the spread of the first polls (5 s for a small fleet, up to the longest interval) plus 30,000 plus 50 per device: 85 s for 1,000 devices every 5 s}
   */
  readonly connectGraceMs?: number;
}

/** Options of an {@linkcode Executor}. */
export interface ExecutorOptions {
  /** The devices to run. */
  readonly devices: readonly ResolvedDevice[];
  /** Sink name -> where its snapshots go (a `SinkQueue`, usually). */
  readonly sinks: Readonly<Record<string, SnapshotTarget>>;
  /** Plugins and transports. @default {RuntimeRegistry.withBuiltins()} */
  readonly registry?: RuntimeRegistry;
  /** Log sink. @default {none} */
  readonly logger?: (entry: RuntimeLogEntry) => void;
  /** Re-make a device's connection after this many failed polls in a row. @default {3} */
  readonly reconnectAfter?: number;
  /** Backoff between connection attempts of one device. @default {{ initialDelayMs: 2000, maxDelayMs: 300000 }} */
  readonly reconnectPolicy?: ReconnectPolicy;
  /** Time allowed for one reply, ms. @default {5000} */
  readonly timeoutMs?: number;
  /** Reads a configured file (certificate bundle, CA). @default {Deno.readFile} */
  readonly readFile?: (path: string) => Promise<Uint8Array>;
  /** Random source for jitter. @default {Math.random} */
  readonly random?: () => number;
  /**
   * What the transport factories' `prepare` returned for each device, by device id (from
   * {@linkcode prepareDevices} at configuration load). A device missing here is prepared at
   * its first connect, once.
   */
  readonly prepared?: ReadonlyMap<string, unknown>;
  /**
   * Devices that cannot run, by id, with the reason (a bundle that cannot be opened, from
   * {@linkcode prepareDevices}): each reports one error snapshot per group and is never
   * connected nor retried; the others run.
   */
  readonly failed?: ReadonlyMap<string, Error>;
  /**
   * Bounds the handshakes of every device (concurrency, reconnect budget).
   *
   * @default {a new ConnectLimiter() for this executor}
   */
  readonly connectLimiter?: ConnectLimiter;
  /**
   * Event-loop lag, ms, past which the process counts as over capacity: while the lag (smoothed
   * over about half a second) is over it, new handshakes - first connects and reconnects -
   * wait, so that the devices already connected keep their schedule instead of sharing the CPU
   * with handshakes that would time out; they go on once the lag is back under half of it. A
   * warning says so (at most once a minute). 0 turns it off. Applies to the executor's own
   * connect limiter only (not to a given `connectLimiter`).
   *
   * @default {a tenth of the shortest poll interval, between 200 and 1,000 ms}
   */
  readonly overloadLagMs?: number;
  /**
   * Devices, by id, whose polls keep their raw frames for a `record` sink (`framesOf(snapshot)`);
   * the others keep none.
   *
   * @default {none}
   */
  readonly recordFrames?: ReadonlySet<string>;
  /**
   * Admission by measured capacity. While the process is over capacity - its event loop runs
   * later than `overloadLagMs`, or too many polls start late - no device is admitted and the
   * last admitted ones in configuration order are held back, a few at a time, until the
   * others run at their cadence: a held-back device does not poll (its due polls are counted
   * as skipped, without a snapshot each), drops its connection, and is admitted again, one
   * device at a time, once the process has had headroom for a while. `false` turns it off.
   *
   * @default {on, with the defaults of each threshold}
   */
  readonly admission?: AdmissionOptions | false;
}

/**
 * Runs many stations.
 *
 * @example One poll cycle of a station in the same process
 * ```ts
 * import { MemorySink } from "@power-sdk/sdk";
 * import { Executor, SinkQueue } from "@power-sdk/sdk/runtime";
 * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * await using broker = await EmbeddedBroker.start();
 * await using _station = await SimulatedStation.start({ profile: "EL30V2", sn: "EL30V2001", brokerUrl: broker.url });
 * const memory = new MemorySink("memory");
 * const queue = new SinkQueue(memory);
 * const executor = new Executor({
 *   devices: [{
 *     id: "garage", pipeline: "p", mode: "pull", vendor: "bluetti", protocol: "v2", profileId: "EL30V2",
 *     transport: {
 *       type: "mqtt", framing: "rtu",
 *       options: {
 *         broker: broker.url, port: broker.port, device_sn: "EL30V2001",
 *         topics: { request: "SUB/{sn}", response: "PUB/{sn}" }, allow_insecure: true,
 *       },
 *     },
 *     groups: [{ name: "core", intervalMs: 10_000 }], sink: "memory", deviceAddress: null,
 *     protocolVersion: null, writeEnabled: false,
 *   }],
 *   sinks: { memory: queue },
 * });
 * const snapshots = await executor.runOnce();
 * await executor.stop();
 * await queue.close();
 * assert.equal(snapshots[0]?.ok, true);
 * assert.equal(memory.latest("garage")?.blocks[0]?.blockId, 100);
 * ```
 */
export class Executor {
  #runners: DeviceRunner[];
  #gate: LoadGate | null = null;
  #admission: Admission | null = null;
  #admissionWindowMs = 0;
  #admissionTimer: ReturnType<typeof setTimeout> | null = null;
  #started = false;
  #stopped = false;

  /**
   * Check the devices against the registry and prepare their runners; nothing connects yet.
   *
   * @param options Devices, sinks and the rest.
   * @throws {ConfigError} for an unknown plugin, transport, profile or sink.
   */
  constructor(options: ExecutorOptions) {
    const registry = options.registry ?? RuntimeRegistry.withBuiltins();
    const log = options.logger ?? (() => {});
    const readFile = options.readFile ?? readConfiguredFile;
    const random = options.random ?? Math.random;
    const schemaRegistries = new Map<unknown, SchemaRegistry>();
    const connectLimiter = options.connectLimiter ?? new ConnectLimiter();
    const { shortest, longest } = intervalBounds(options.devices);
    const lagLimitMs = options.overloadLagMs ?? Math.min(1_000, Math.max(200, shortest / 10));
    // New handshakes wait while the event loop runs late or admission finds the process over
    // capacity (only those of the executor's own limiter).
    const own = options.connectLimiter === undefined;
    const holdBack = () => {
      if (own) {
        connectLimiter.holdBack((this.#gate?.over ?? false) || (this.#admission?.over ?? false));
      }
    };
    this.#gate = overloadGate(connectLimiter, lagLimitMs, own, holdBack, log);
    const prepareCache = new Map<string, Promise<unknown>>();
    // Handshakes that timed out, first connects and reconnects alike: the connect phase does
    // not converge (see below).
    const timeouts = { count: 0 };
    const reconnectSlots = countedSlots(connectLimiter.reconnects(), timeouts);
    // First connects, counted: while they run, admission does not judge (see below).
    const firstSlots = countedSlots(connectLimiter, timeouts);
    const shared = new Map<string, unknown>(); // connection pools of the transports
    // First polls: spread wider for a large fleet (its grid stays as it starts).
    const polls = options.devices.reduce(
      (n, d) => n + (d.mode === "pull" && !options.failed?.has(d.id) ? d.groups.length : 0),
      0,
    );
    const spread = (intervalMs: number) => startSpreadMs(polls, intervalMs);
    this.#runners = options.devices.map((device) => {
      const plugin = registry.pluginOf(device);
      const profile = registry.profileOf(device);
      const factory = registry.transport(device.transport.type);
      const target = options.sinks[device.sink];
      if (!target) {
        throw new ConfigError(
          "CONFIG_INVALID",
          `Device ${device.id}: no sink named '${device.sink}'`,
          {
            path: `devices.${device.id}.sink`,
          },
        );
      }
      // Devices of one profile share one compiled schema registry.
      // A profile from a file is its plugin's own.
      const key = device.plugin ?? `${device.vendor}/${device.protocol}/${profile.id}`;
      let schemas = schemaRegistries.get(key);
      if (!schemas) {
        schemas = plugin.createRegistry(profile);
        schemaRegistries.set(key, schemas);
      }
      const known = options.prepared?.has(device.id) ?? false;
      const prepared = { done: known, value: options.prepared?.get(device.id) };
      const failure = options.failed?.get(device.id);
      let connects = 0;
      const runner: DeviceRunner = new DeviceRunner({
        device,
        profile,
        registry: schemas,
        plugin,
        createTransport: async () => {
          // Files are opened once per device (and once per distinct bundle), not per connect.
          if (!prepared.done && factory.prepare) {
            prepared.value = await factory.prepare(device.transport.options, {
              readFile,
              cache: prepareCache,
            });
          }
          prepared.done = true;
          // The first connection is a first connect; every later one replaces a connection
          // that failed or was dropped and spends the process's reconnect budget.
          // A connect a user waits for (a write, a control read: of a held-back device too)
          // goes ahead of the other devices' handshakes, past a hold-back.
          const slots = prioritized(
            connects++ === 0 ? firstSlots : reconnectSlots,
            () => runner.userWaiting,
          );
          return factory.create(device.transport.options, {
            readFile,
            model: profile.id,
            logger: (entry) =>
              log({ level: entry.level, message: entry.message, deviceId: device.id }),
            connectLimiter: slots,
            shared,
            ...(prepared.value === undefined ? {} : { prepared: prepared.value }),
          });
        },
        ...(failure === undefined ? {} : { failed: failure }),
        recordFrames: options.recordFrames?.has(device.id) ?? false,
        onDue: (latenessMs) => this.#admission?.pollDue(latenessMs),
        emit: (snapshot) => target.push(snapshot),
        log,
        reconnectAfter: Math.max(1, options.reconnectAfter ?? 3),
        reconnectPolicy: options.reconnectPolicy ?? { initialDelayMs: 2_000, maxDelayMs: 300_000 },
        timeoutMs: options.timeoutMs ?? 5_000,
        random,
        startSpreadMs: spread,
      });
      return runner;
    });
    const members = this.#runners.filter((r) =>
      r.device.mode === "pull" && !options.failed?.has(r.device.id)
    );
    if (options.admission !== false && members.length > 0) {
      const o = options.admission ?? {};
      this.#admissionWindowMs = o.windowMs ?? Math.min(5_000, Math.max(1_000, shortest));
      this.#admission = new Admission(members, {
        lateMs: o.lateMs ??
          (lagLimitMs > 0 ? lagLimitMs : Math.min(1_000, Math.max(200, shortest / 10))),
        lateShare: o.lateShare ?? 0.05,
        windowMs: this.#admissionWindowMs,
        overWindows: o.overWindows ?? 3,
        shedStep: o.shedStep ?? 0,
        admitAfterMs: o.admitAfterMs ?? 5 * this.#admissionWindowMs,
      }, (level, message) => log({ level, message }));
      const admission = this.#admission;
      const windowMs = this.#admissionWindowMs;
      const overWindows = o.overWindows ?? 3;
      const graceMs = o.connectGraceMs ??
        spread(longest) + 30_000 + 50 * members.length;
      let startedAt = 0;
      let granted = 0;
      let timedOut = 0;
      let timedOutAt = -Infinity;
      let toldJudged = false;
      const tick = () => {
        // Start-up is not overload: a window in which first handshakes ran (their CPU makes
        // the event loop late) is not judged, nor one while the lag they caused still shows in
        // the smoothed lag. While the devices already connected make the
        // process late on their own, the load gate holds new handshakes back, none runs, and
        // the windows are judged again.
        // But only while the connect phase converges. A handshake that times out was starved
        // (of CPU here, or by the broker): the process does not keep up with what it connected
        // already plus its handshakes, and connecting more only makes more of them time out
        // and retry. Then the windows are judged, from that window on and for as many windows
        // as it takes to find the process over capacity (`overWindows`, and one more), so that
        // holding devices back can stop the storm. And a connect phase that lasts longer than
        // the grace (the first polls' spread plus 30 s plus 50 ms per device: 600 TLS devices
        // connected in 17 s on a shared 2-core machine, 1,000 in 36 s at load 9.5) is judged
        // too, a backstop: with the load gate flapping around its limit, handshakes can go on
        // a few at a time for minutes and would otherwise keep every window unjudged.
        const now = performance.now();
        if (timeouts.count !== timedOut) timedOutAt = now;
        timedOut = timeouts.count;
        const handshaking = firstSlots.active > 0 || firstSlots.granted !== granted ||
          now - firstSlots.lastEndAt < LAG_MEMORY_MS;
        granted = firstSlots.granted;
        // Once devices are held back, no pause either (see ConnectPhaseVerdict).
        const verdict = connectPhaseVerdict({
          heldBack: admission.heldBack,
          sinceTimeoutMs: now - timedOutAt,
          sinceStartMs: now - startedAt,
          windowMs,
          overWindows,
          graceMs,
        });
        const connecting = handshaking && verdict === "pause";
        const converges = verdict === "pause" || verdict === "held back";
        if (handshaking && !converges && !toldJudged) {
          // Once: why windows are judged while devices still make their first handshakes.
          toldJudged = true;
          log({
            level: "info",
            message: `admission: the connect phase does not converge (${
              verdict === "handshake timed out"
                ? `${timeouts.count} ${
                  timeouts.count === 1 ? "handshake" : "handshakes"
                } timed out so far`
                : `first handshakes still run ${Math.round((now - startedAt) / 1000)} s after start`
            }, ${firstSlots.granted} of ${members.length} devices tried): capacity is judged while devices still connect`,
          });
        }
        admission.evaluate(now, {
          over: this.#gate?.over ?? false,
          lagMs: this.#gate?.lagMs ?? 0,
          limitMs: lagLimitMs,
          connecting,
        });
        holdBack();
        this.#admissionTimer = setTimeout(tick, this.#admissionWindowMs);
      };
      this.#startAdmission = () => {
        startedAt = performance.now();
        this.#admissionTimer = setTimeout(tick, this.#admissionWindowMs);
      };
    }
  }

  #startAdmission: () => void = () => {};

  /** The device ids, in configuration order. */
  get deviceIds(): string[] {
    return this.#runners.map((r) => r.device.id);
  }

  /** Start every device's schedule (pull) or listener (push); returns at once. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#gate?.start();
    for (const runner of this.#runners) runner.start();
    this.#startAdmission();
  }

  /**
   * One poll cycle: every pull device polls each of its groups once, devices concurrently.
   *
   * @returns Every snapshot produced (they also went to the sinks).
   */
  async runOnce(): Promise<Snapshot[]> {
    const all = await Promise.all(this.#runners.map((r) => r.pollOnce()));
    return all.flat();
  }

  /**
   * The counters of every device.
   *
   * @returns Device id -> metrics.
   */
  metrics(): Record<string, DeviceMetrics> {
    return Object.fromEntries(this.#runners.map((r) => [r.device.id, r.metrics()]));
  }

  /**
   * Admission by measured capacity: how many devices are admitted and held back, and the
   * polls the held-back ones skipped (see {@linkcode ExecutorOptions.admission}).
   *
   * @returns The counters; all zeros when admission is off.
   */
  admission(): AdmissionStats {
    return this.#admission?.stats() ?? {
      devices: 0,
      admitted: 0,
      heldBack: 0,
      mostHeldBack: 0,
      shed: 0,
      readmitted: 0,
      skippedWhileHeld: 0,
      over: false,
    };
  }

  /**
   * Write a control of a device through its write gates (between its polls), and read it back.
   *
   * @param deviceId The device's id.
   * @param control The control's name (`ac_output`) or register number.
   * @param value `on`/`off`, a label, or a number.
   * @returns The control's name, the read-back (as a label when the control has labels) and
   * whether it equals the value written.
   * @throws {ConfigError} `CONFIG_INVALID` for an unknown device; {WriteError} when a gate
   * refuses; {TransportError} or {ProtocolError} when the exchange fails.
   */
  writeControl(
    deviceId: string,
    control: string,
    value: string | number,
  ): Promise<ControlWriteResult> {
    const runner = this.#runners.find((r) => r.device.id === deviceId);
    if (!runner) {
      return Promise.reject(
        new ConfigError("CONFIG_INVALID", `No device '${deviceId}' in this runtime`),
      );
    }
    return runner.writeControl(control, value);
  }

  /**
   * Read the current value of a device's controls, between its polls.
   *
   * @param deviceId The device's id.
   * @param controls The controls' names.
   * @returns Control -> value (a label for switch/enum controls); a control whose value
   * matches none of its labels is left out.
   * @throws {ConfigError} `CONFIG_INVALID` for an unknown device; {TransportError} or
   * {ProtocolError} when a read fails.
   */
  readControls(
    deviceId: string,
    controls: readonly string[],
  ): Promise<Record<string, string | number>> {
    const runner = this.#runners.find((r) => r.device.id === deviceId);
    if (!runner) {
      return Promise.reject(
        new ConfigError("CONFIG_INVALID", `No device '${deviceId}' in this runtime`),
      );
    }
    return runner.readControls(controls);
  }

  /**
   * Who a device is, as its plugin's identity extraction found it in the blocks read so far.
   *
   * @param deviceId The device's id.
   * @returns Model, serial, firmware; null for an unknown device or before any read.
   */
  identity(deviceId: string): DeviceIdentity | null {
    return this.#runners.find((r) => r.device.id === deviceId)?.identity() ?? null;
  }

  /**
   * Stop polling, let running polls finish (aborting them after `deadlineMs`), close every
   * connection. Sinks are not touched: drain and close them after.
   *
   * @param deadlineMs Longest wait for running polls. @default {3000}
   */
  async stop(deadlineMs = 3_000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#gate?.stop();
    if (this.#admissionTimer !== null) clearTimeout(this.#admissionTimer);
    this.#admissionTimer = null;
    await Promise.all(this.#runners.map((r) => r.stop(deadlineMs)));
  }
}

/** Handshake slots that count how many were granted, run now and timed out. */
interface CountedSlots extends ConnectSlots {
  /** Handshakes running now. */
  readonly active: number;
  /** Slots granted so far. */
  readonly granted: number;
  /** When the last handshake ended (performance.now() time), -Infinity before any. */
  readonly lastEndAt: number;
}

/**
 * `slots`, counting the handshakes that run through them; those that timed out (released with
 * `false`) are added to `timeouts.count`.
 */
function countedSlots(slots: ConnectSlots, timeouts: { count: number }): CountedSlots {
  let active = 0;
  let granted = 0;
  let lastEndAt = -Infinity;
  return {
    get active() {
      return active;
    },
    get granted() {
      return granted;
    },
    get lastEndAt() {
      return lastEndAt;
    },
    acquire: async (request) => {
      const release = await slots.acquire(request);
      active++;
      granted++;
      let released = false;
      return (succeeded) => {
        if (!released) {
          active--;
          if (succeeded === false) timeouts.count++;
        }
        released = true;
        lastEndAt = performance.now();
        release(succeeded);
      };
    },
    timeoutFactor: () => slots.timeoutFactor(),
  };
}

/** `slots`, whose handshakes ask for priority while `urgent()` says so (when they ask). */
function prioritized(slots: ConnectSlots, urgent: () => boolean): ConnectSlots {
  return {
    acquire: (request = {}) => slots.acquire(urgent() ? { ...request, priority: true } : request),
    timeoutFactor: () => slots.timeoutFactor(),
  };
}

/** The least time between two over-capacity warnings. */
const OVERLOAD_WARNING_INTERVAL_MS = 60_000;

/** The shortest and longest poll intervals of the pull devices, ms (5 s when there is none). */
function intervalBounds(
  devices: readonly ResolvedDevice[],
): { readonly shortest: number; readonly longest: number } {
  let shortest = Infinity;
  let longest = 0;
  for (const device of devices) {
    if (device.mode !== "pull") continue;
    for (const group of device.groups) {
      shortest = Math.min(shortest, group.intervalMs);
      longest = Math.max(longest, group.intervalMs);
    }
  }
  return shortest === Infinity ? { shortest: 5_000, longest: 5_000 } : { shortest, longest };
}

/**
 * The gate that measures how late the event loop runs (for admission) and holds `limiter`'s
 * handshakes back while it runs late (when the limiter is the executor's own), or null when
 * turned off (`limitMs` 0).
 */
function overloadGate(
  limiter: ConnectLimiter,
  limitMs: number,
  own: boolean,
  holdBack: () => void,
  log: (entry: RuntimeLogEntry) => void,
): LoadGate | null {
  if (!(limitMs > 0)) return null;
  let warnedAt: number | null = null;
  let warned = false; // the last change to "over" was logged: log its end too
  return new LoadGate({
    limitMs,
    onChange: (over, lag) => {
      holdBack();
      if (!own) return;
      const waiting = limiter.stats.waiting;
      const now = performance.now();
      if (!over) {
        if (warned) {
          log({
            level: "info",
            message: `back under capacity (event loop ${
              Math.round(lag)
            } ms late): new connections go on (${waiting} waiting)`,
          });
        }
        warned = false;
        return;
      }
      warned = warnedAt === null || now - warnedAt >= OVERLOAD_WARNING_INTERVAL_MS;
      if (!warned) return;
      warnedAt = now;
      log({
        level: "warn",
        message: `over capacity: the event loop runs ${
          Math.round(lag)
        } ms late (limit ${limitMs} ms); new connections wait until it catches up (${waiting} waiting now), connected devices keep their schedule; warned at most once a minute`,
      });
    },
  });
}
