// One device in the executor: its client, its group schedules, its counters. Polls of one device
// run one at a time (the transport serializes them anyway); a poll still waiting when its group
// comes due again is not queued twice. Devices never wait for each other.
import { Client } from "../client/client.ts";
import type { RetryPolicy } from "../client/retry_policy.ts";
import { ConfigError, CredentialsError, PowerSdkError, TransportError } from "../errors/errors.ts";
import type { DeviceIdentity } from "../device/device_state.ts";
import type { DeviceProfile } from "../device/profile.ts";
import type { SchemaRegistry } from "../parser/registry.ts";
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import { type Deadline, SCHEDULES } from "../_shared/_deadlines.ts";
import { linkedSignal } from "../_shared/linked_signal.ts";
import { backoffDelay, type ReconnectPolicy } from "../transport/reconnect_policy.ts";
import type { Transport } from "../transport/types.ts";
import { snapshotBlock, snapshotError, suspectError } from "./_snapshot.ts";
import { attachFrames, type CaptureLine, RecordingTransport } from "./capture.ts";
import { controlValue, planControlReads } from "./_control_reads.ts";
import type { ControlWriteResult } from "./sinks/output_device.ts";
import type {
  DeviceMetrics,
  ResolvedDevice,
  ResolvedGroup,
  Snapshot,
  SnapshotError,
} from "./types.ts";

export interface RunnerLogEntry {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly deviceId?: string;
}

export interface RunnerOptions {
  readonly device: ResolvedDevice;
  readonly profile: DeviceProfile;
  readonly registry: SchemaRegistry;
  readonly plugin: ProtocolPlugin;
  readonly createTransport: () => Promise<Transport>;
  readonly emit: (snapshot: Snapshot) => boolean;
  readonly log: (entry: RunnerLogEntry) => void;
  readonly reconnectAfter: number;
  readonly reconnectPolicy: ReconnectPolicy;
  readonly timeoutMs: number;
  readonly random: () => number;
  /**
   * The first poll of each group is due at a random offset in [0, min(interval, this)).
   * @default {5000}
   */
  readonly startSpreadMs?: (intervalMs: number) => number;
  /** A permanent failure known before start (a bundle that cannot be opened). */
  readonly failed?: Error;
  /**
   * Keep the raw frames of each poll and give them to its snapshot (`attachFrames`): only for
   * devices whose snapshots reach a `record` sink, so that the others pay nothing.
   */
  readonly recordFrames?: boolean;
  /**
   * Told how late each scheduled poll of a connected device started, ms, or `null` for one
   * skipped because the group's previous poll still ran; not told while the device's last poll
   * failed (a silent station's queue says nothing about the process) nor while it connects.
   */
  readonly onDue?: (latenessMs: number | null) => void;
}

interface Counters {
  ok: number;
  errors: number;
  consecutiveErrors: number;
  lastSuccess: string | null;
  reconnects: number;
  droppedSnapshots: number;
  lastLatencyMs: number | null;
  lastLatenessMs: number | null;
  skippedPolls: number;
  missedPolls: number;
}

/** The retries of a poll's reads. */
const POLL_RETRY: RetryPolicy = Object.freeze({ maxAttempts: 2, initialDelayMs: 200 });

/** The least time between two warnings about skipped polls of one device. */
const SKIP_WARNING_INTERVAL_MS = 60_000;

export class DeviceRunner {
  readonly device: ResolvedDevice;
  #o: RunnerOptions;
  #client: Client | null = null;
  #connecting: Promise<Client> | null = null;
  #connectAttempt = 0;
  #nextConnectAt = 0;
  #lastConnectError: SnapshotError | null = null;
  /**
   * The device's pending deadlines (its groups' next polls, the error snapshots of polls not
   * made, a push device's next connect): entries of the process's deadline queue, not a timer
   * each (a Node-compatible `Timeout` is ~1.3 KB of garbage per poll).
   */
  #timers = new Set<Deadline>();
  #pending = new Set<string>();
  #chain: Promise<void> = Promise.resolve();
  /** Operations on the chain (polls, writes, control reads) not yet over. */
  #queued = 0;
  /** The options of every poll's group read (one object for all of them). */
  #readOptions: { signal: AbortSignal; timeoutMs: number; retry: RetryPolicy } | null = null;
  #abort = new AbortController();
  #stopped = false;
  #pushStop: (() => void) | null = null;
  /** Set once the device cannot run (bad credentials, missing file): never retried. */
  #permanent: SnapshotError | null = null;
  #permanentCause: Error | null = null;
  #counters: Counters = {
    ok: 0,
    errors: 0,
    consecutiveErrors: 0,
    lastSuccess: null,
    reconnects: 0,
    droppedSnapshots: 0,
    lastLatencyMs: null,
    lastLatenessMs: null,
    skippedPolls: 0,
    missedPolls: 0,
  };
  #lastSkipWarning: number | null = null;
  #skippedSinceWarning = 0;
  #running: string | null = null;
  /** The raw frames of the poll running now, when the device records them. */
  #frames: CaptureLine[] = [];
  #identity: DeviceIdentity | null = null;
  /** Since when the device is held back by admission (performance.now()), or null. */
  #heldSince: number | null = null;
  /** When the runner stopped (held-back skips end there). */
  #stoppedAt: number | null = null;
  /** What a connect attempt cut short by a hold-back rejects with. */
  #heldError: TransportError | null = null;
  /** The last poll failed (its device's queue tells nothing about the process). */
  #lastFailed = false;
  /** Skips behind the poll running now, told as late polls if it ends well. */
  #unjudgedSkips = 0;
  /** Cuts the connect attempt running now short (a hold-back). */
  #attempt: AbortController | null = null;
  /** Writes and control reads asked for and not yet over. */
  #userWaiting = 0;

  constructor(options: RunnerOptions) {
    this.device = options.device;
    this.#o = options;
    if (options.failed !== undefined) {
      this.#permanent = permanentError(options.failed);
      this.#permanentCause = options.failed;
    }
  }

  metrics(): DeviceMetrics {
    if (this.#heldSince === null) return { ...this.#counters };
    return { ...this.#counters, skippedPolls: this.#counters.skippedPolls + this.heldSkips() };
  }

  /**
   * Whether a user waits for this device now (a write or a control read asked for and not yet
   * over): its connect, if it needs one, goes ahead of the other devices' handshakes.
   */
  get userWaiting(): boolean {
    return this.#userWaiting > 0;
  }

  /** Whether the device holds a connection now. */
  get serving(): boolean {
    return this.#client !== null;
  }

  /**
   * Due polls skipped while held back, so far: counted from the clock, without a timer or a
   * snapshot each.
   */
  heldSkips(): number {
    if (this.#heldSince === null) return 0;
    const elapsed = (this.#stoppedAt ?? performance.now()) - this.#heldSince;
    let due = 0;
    for (const group of this.device.groups) due += Math.floor(elapsed / group.intervalMs);
    return due;
  }

  /**
   * Held back by admission (the process is over capacity): no more polls nor timers, a connect
   * attempt is cut short (its place in the handshake queue freed), and the connection is closed
   * once the poll running now is over. Its due polls are counted as skipped until
   * {@linkcode DeviceRunner.admit}.
   */
  hold(): void {
    if (this.#heldSince !== null || this.#stopped || this.#permanent !== null) return;
    if (this.device.mode !== "pull") return;
    this.#heldSince = performance.now();
    this.#cancelTimers();
    this.#heldError = new TransportError(
      "TRANSPORT_ABORTED",
      "Connect attempt cut short: the device is held back while the process is over capacity",
    );
    this.#attempt?.abort(this.#heldError);
    // On the chain like a poll: a poll queued behind the close has its deadline.
    this.#queued++;
    this.#chain = this.#chain.then(async () => {
      if (this.#heldSince === null) return; // admitted again meanwhile
      const client = this.#client;
      this.#client = null;
      await client?.close().catch(() => {});
    }).then(this.#dequeue, this.#dequeue);
  }

  /** Admitted again: the schedules start over (jittered) and the first poll connects. */
  admit(): void {
    if (this.#heldSince === null || this.#stopped) return;
    this.#counters.skippedPolls += this.heldSkips();
    this.#heldSince = null;
    this.#unjudgedSkips = 0;
    this.#connectAttempt = 0;
    this.#nextConnectAt = 0;
    this.#lastConnectError = null;
    this.start();
  }

  /** Start the schedules (pull) or the listener (push). */
  start(): void {
    if (this.#permanent !== null) {
      this.#reportPermanent();
      return;
    }
    if (this.device.mode === "push") {
      void this.#ensureClient().catch(() => {});
      return;
    }
    for (const group of this.device.groups) {
      // Jittered start: spread the first polls (over one interval at most, 5 s for a small
      // fleet: _start_spread.ts) so that many devices do not all poll at the same instant.
      const spread = this.#o.startSpreadMs?.(group.intervalMs) ?? 5_000;
      const offset = this.#o.random() * Math.min(group.intervalMs, spread);
      this.#schedule(group, performance.now() + offset);
    }
  }

  /** Poll every group once, in order; resolves with the snapshots. */
  async pollOnce(): Promise<Snapshot[]> {
    if (this.device.mode === "push") return [];
    if (this.#permanent !== null) {
      const errors = [this.#permanent];
      return this.device.groups.map((group) =>
        this.#publish({ mode: "pull", group: group.name, ok: false, blocks: [], errors })
      );
    }
    const out: Snapshot[] = [];
    for (const group of this.device.groups) {
      const snapshot = await this.#enqueue(group, performance.now());
      if (snapshot) out.push(snapshot);
    }
    return out;
  }

  /** Stop schedules, abort what runs after `deadlineMs`, close the connection. */
  async stop(deadlineMs = 3_000): Promise<void> {
    this.#stopped = true;
    this.#stoppedAt ??= performance.now();
    this.#cancelTimers();
    this.#pushStop?.();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#chain,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.#abort.abort(new Error("the runtime is shutting down"));
          resolve();
        }, deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    this.#abort.abort(new Error("the runtime is shutting down"));
    const client = this.#client ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#client = null;
    await client?.close().catch(() => {});
  }

  #schedule(group: ResolvedGroup, due: number): void {
    if (this.#stopped) return;
    this.#after(due, () => {
      if (this.#stopped) return;
      if (this.#permanent !== null || this.#heldSince !== null) return;
      if (!this.#pending.has(group.name)) void this.#enqueue(group, due, true);
      else this.#skip(group, due);
      // The next due time stays on the grid: a slow poll does not shift the schedule.
      let next = due + group.intervalMs;
      const now = performance.now();
      if (next < now) next += Math.ceil((now - next) / group.intervalMs) * group.intervalMs;
      this.#schedule(group, next);
    });
  }

  /** Cancel every pending deadline of the device. */
  #cancelTimers(): void {
    for (const deadline of this.#timers) deadline.cancel();
    this.#timers.clear();
  }

  /**
   * Queue a poll behind the device's other requests. One that has not started when its timeout
   * expires (counted from when it was due) gets its error snapshot then, and is dropped.
   */
  #enqueue(group: ResolvedGroup, due: number, scheduled = false): Promise<Snapshot | null> {
    // How late the process runs: told by the polls of connected devices whose last poll went
    // well (one waiting behind a handshake or a silent station's timeouts tells nothing).
    const measured = scheduled && this.#client !== null && !this.#lastFailed;
    this.#pending.add(group.name);
    // Nothing queued or running: the poll starts within this tick's microtasks, before any
    // timer could fire, so it needs no deadline (nor a timer, nor a race).
    const idle = this.#queued === 0;
    this.#queued++;
    if (idle) {
      const run = this.#chain.then(() => this.#run(group, due, measured, true));
      this.#chain = run.then(this.#dequeue, this.#dequeue);
      return run;
    }
    let started = false;
    let missed = false;
    const dropped = Promise.withResolvers<Snapshot | null>();
    const deadline = this.#after(due + this.#o.timeoutMs, () => {
      if (started || this.#stopped) return;
      missed = true;
      this.#counters.missedPolls++;
      const waitingFor = this.#running === null ? "" : ` (group ${this.#running})`;
      dropped.resolve(this.#publishNotPolled(group, {
        blockId: null,
        code: "POLL_MISSED",
        message:
          `group ${group.name} was not polled: the previous request to the station${waitingFor} was still waiting for its reply when this poll's ${this.#o.timeoutMs} ms timeout expired`,
      }));
    });
    const run = this.#chain.then(() => {
      if (missed) return null;
      started = true;
      deadline();
      return this.#run(group, due, measured);
    });
    this.#chain = run.then(this.#dequeue, this.#dequeue);
    // The group stays pending until its poll leaves the queue, even when the poll was missed:
    // while the device is stuck (a silent station, a connection still waiting for its
    // handshake) each later due time is skipped and counted instead of queueing one more poll
    // behind the stuck one. Without this the queue grew by a poll per group per interval, and
    // past capacity the runtime spent its time collecting that garbage.
    const leave = () => this.#pending.delete(group.name);
    run.then(leave, leave);
    return Promise.race([run, dropped.promise]);
  }

  /**
   * Run a poll with `#running` naming its group; with `leave`, the group stops being pending
   * when it ends (a poll that started at once: no callbacks of its own for that).
   */
  async #run(
    group: ResolvedGroup,
    due: number,
    measured: boolean,
    leave = false,
  ): Promise<Snapshot | null> {
    this.#running = group.name;
    try {
      return await this.#poll(group, due, measured);
    } finally {
      this.#running = null;
      if (leave) this.#pending.delete(group.name);
    }
  }

  /** An operation of the chain (poll, write, control read) is over. */
  #dequeue = (): void => {
    this.#queued--;
  };

  /**
   * The group came due while its previous poll is still queued or running: count it, warn (at
   * most once a minute per device), and give it its error snapshot when its timeout expires -
   * unless the device is waiting for its connection: then it is counted only.
   */
  #skip(group: ResolvedGroup, due: number): void {
    this.#counters.skippedPolls++;
    this.#skippedSinceWarning++;
    // Waiting for its connection (a handshake queued behind others, or held back while the
    // process is over capacity): counted, no snapshot. Past capacity, a snapshot and a timer for
    // each due time of each group of every waiting device was most of the work the process did,
    // starving the devices it could serve.
    const connecting = this.#client === null && this.#connecting !== null;
    // Told once the poll it waits for has ended well: behind a silent station's timeouts a
    // skip tells nothing about the process.
    if (!connecting && this.#client !== null) this.#unjudgedSkips++;
    const now = performance.now();
    if (
      this.#lastSkipWarning === null || now - this.#lastSkipWarning >= SKIP_WARNING_INTERVAL_MS
    ) {
      this.#o.log({
        level: "warn",
        deviceId: this.device.id,
        message: `${
          plural(this.#skippedSinceWarning, "poll")
        } skipped (group ${group.name} last): ${
          connecting
            ? "the device is still waiting for its connection"
            : "the previous poll of the group was still running"
        }; ${this.#counters.skippedPolls} in all`,
      });
      this.#lastSkipWarning = now;
      this.#skippedSinceWarning = 0;
    }
    if (connecting) return;
    this.#after(due + this.#o.timeoutMs, () => {
      if (this.#stopped) return;
      this.#publishNotPolled(group, {
        blockId: null,
        code: "POLL_SKIPPED",
        message:
          `group ${group.name} was not polled: its previous poll was still running when it came due`,
      });
    });
  }

  /**
   * Run `fn` at `at` (performance.now() time) unless the runner stops or is held back first, on
   * the process's deadline queue; returns a cancel.
   */
  #after(at: number, fn: () => void): () => void {
    const deadline = SCHEDULES.after(at - performance.now(), () => {
      this.#timers.delete(deadline);
      fn();
    });
    this.#timers.add(deadline);
    return () => {
      deadline.cancel();
      this.#timers.delete(deadline);
    };
  }

  /** The error snapshot of a poll that was not made; not counted as a failed poll. */
  #publishNotPolled(group: ResolvedGroup, error: SnapshotError): Snapshot {
    return this.#publish({
      mode: "pull",
      group: group.name,
      ok: false,
      blocks: [],
      errors: [error],
    });
  }

  async #poll(group: ResolvedGroup, due: number, measured = false): Promise<Snapshot | null> {
    // A poll still queued when the runtime stops, or when the device is held back, is dropped,
    // not run into an aborted snapshot.
    if (this.#stopped || this.#heldSince !== null) return null;
    const started = performance.now();
    this.#counters.lastLatenessMs = Math.max(0, started - due);
    if (measured && !this.#lastFailed) this.#o.onDue?.(this.#counters.lastLatenessMs);
    let blocks: Snapshot["blocks"] = [];
    let errors: SnapshotError[] = [];
    // Only a device whose transport records frames (recordFrames) collects them.
    const frames = this.#o.recordFrames === true ? (this.#frames = []) : null;
    try {
      const client = await this.#ensureClient();
      const result = await client.readGroup(
        group.name,
        this.#readOptions ??= {
          signal: this.#abort.signal,
          timeoutMs: this.#o.timeoutMs,
          retry: POLL_RETRY,
        },
      );
      blocks = result.records.map((r) => snapshotBlock(r, this.#o.registry));
      errors = result.errors.map((e) => snapshotError(e.error, e.blockId));
      for (const r of result.records) if (r.suspect === true) errors.push(suspectError(r));
    } catch (error) {
      // Its connect attempt was cut short by a hold-back: not a failed poll, no snapshot.
      if (error === this.#heldError && this.#heldError !== null) return null;
      errors = [snapshotError(error)];
    }
    const latency = performance.now() - started;
    this.#counters.lastLatencyMs = Math.round(latency * 10) / 10;
    const ok = errors.length === 0 && blocks.length > 0;
    this.#lastFailed = !ok;
    for (; this.#unjudgedSkips > 0; this.#unjudgedSkips--) if (ok) this.#o.onDue?.(null);
    // One time for the poll: its snapshot's and, when it succeeded, the last success's.
    const at = new Date().toISOString();
    if (ok) {
      this.#counters.ok++;
      this.#counters.consecutiveErrors = 0;
      this.#counters.lastSuccess = at;
    } else {
      this.#counters.errors++;
      this.#counters.consecutiveErrors++;
      if (errors.length === 0) {
        errors = [{
          blockId: null,
          code: "NO_BLOCKS",
          message: `group ${group.name} produced no block`,
        }];
      }
      if (
        !this.#stopped &&
        this.#counters.consecutiveErrors % this.#o.reconnectAfter === 0 && this.#client !== null
      ) {
        await this.#recycle(`${this.#counters.consecutiveErrors} failed polls in a row`);
      }
    }
    // A write's read-back between polls is no part of this poll's frames.
    if (frames !== null) this.#frames = [];
    return this.#publish({ mode: "pull", group: group.name, ok, blocks, errors }, frames, at);
  }

  /**
   * Write a control through the client's write gates, between polls (never during one), and
   * read it back; the read-back is given as the control's label when it has labels.
   */
  writeControl(control: string, value: string | number): Promise<ControlWriteResult> {
    const run = this.#chain.then(async () => {
      if (this.#stopped) {
        throw new TransportError("TRANSPORT_CLOSED", "The runtime is shutting down");
      }
      const client = await this.#ensureClient();
      let result;
      try {
        result = await client.write(control, value, {
          signal: this.#abort.signal,
          timeoutMs: this.#o.timeoutMs,
        });
      } finally {
        await this.#releaseIfHeld();
      }
      const def = this.#o.plugin.controlRegisters.find((r) => r.register === result.register);
      const label = def?.values && result.readBack !== null
        ? Object.entries(def.values).find(([, v]) => v === result.readBack)?.[0]
        : undefined;
      return {
        control: result.name,
        readBack: label ?? result.readBack,
        applied: result.applied,
      };
    });
    this.#queued++;
    this.#userWaiting++;
    this.#chain = run.then(this.#userDone, this.#userDone);
    return run;
  }

  /**
   * Read the current value of controls (function 0x03: the controls of one block in one
   * request), between polls; a value is given as the control's label when it has labels. A
   * control whose value matches none of its labels, that the plugin does not define, or whose
   * read failed is left out (never guessed); when every read failed, the first error is thrown.
   */
  readControls(names: readonly string[]): Promise<Record<string, string | number>> {
    const run = this.#chain.then(async () => {
      if (this.#stopped) {
        throw new TransportError("TRANSPORT_CLOSED", "The runtime is shutting down");
      }
      const client = await this.#ensureClient();
      try {
        return await this.#readControls(client, names);
      } finally {
        await this.#releaseIfHeld();
      }
    });
    this.#queued++;
    this.#userWaiting++;
    this.#chain = run.then(this.#userDone, this.#userDone);
    return run;
  }

  /** A write or a control read is over. */
  #userDone = (): void => {
    this.#queued--;
    this.#userWaiting--;
  };

  async #readControls(
    client: Client,
    names: readonly string[],
  ): Promise<Record<string, string | number>> {
    const defs = this.#o.plugin.controlRegisters.filter((r) => names.includes(r.name));
    const values: Record<string, string | number> = {};
    let firstError: unknown = null;
    let readAny = false;
    for (const read of planControlReads(defs, this.#o.registry)) {
      let registers: number[];
      try {
        registers = await client.readRegisters(read.start, read.quantity, {
          signal: this.#abort.signal,
          timeoutMs: this.#o.timeoutMs,
        });
      } catch (error) {
        firstError ??= error;
        if (this.#abort.signal.aborted) break;
        continue;
      }
      readAny = true;
      for (const def of read.controls) {
        const value = controlValue(def, registers[def.register - read.start]!);
        if (value !== null) values[def.name] = value;
      }
    }
    if (!readAny && firstError !== null) throw firstError;
    return values;
  }

  /**
   * A write or a read of controls asked for by the user is served even while the device is
   * held back; the connection it opened is closed right after, as the hold-back asks.
   */
  async #releaseIfHeld(): Promise<void> {
    if (this.#heldSince === null || this.#client === null) return;
    const client = this.#client;
    this.#client = null;
    await client.close().catch(() => {});
  }

  /**
   * Who the station is, as the plugin's identity extraction found it in the blocks read so
   * far (the last known one while the connection is being re-made); null before any read.
   */
  identity(): DeviceIdentity | null {
    if (this.#client !== null) this.#identity = this.#client.state.identity();
    return this.#identity;
  }

  #publish(
    part: Pick<Snapshot, "mode" | "group" | "ok" | "blocks" | "errors">,
    frames: readonly CaptureLine[] | null = null,
    at: string = new Date().toISOString(),
  ): Snapshot {
    const snapshot: Snapshot = {
      deviceId: this.device.id,
      profile: this.#o.profile.id,
      at,
      mode: part.mode,
      group: part.group,
      ok: part.ok,
      blocks: part.blocks,
      errors: part.errors,
      metrics: this.metrics(),
    };
    if (frames !== null && frames.length > 0) attachFrames(snapshot, frames);
    if (!this.#o.emit(snapshot)) this.#counters.droppedSnapshots++;
    return snapshot;
  }

  /** The connected client, connecting when needed; fails fast between connect attempts. */
  #ensureClient(): Promise<Client> {
    if (this.#client) return Promise.resolve(this.#client);
    if (this.#permanentCause !== null) return Promise.reject(this.#permanentCause);
    if (this.#connecting) return this.#connecting;
    if (performance.now() < this.#nextConnectAt && this.#lastConnectError) {
      const e = this.#lastConnectError;
      const wait = Math.round(this.#nextConnectAt - performance.now());
      return Promise.reject(
        new TransportError(
          "TRANSPORT_DISCONNECTED",
          `Not connected (next attempt in ${wait} ms): ${e.message}`,
        ),
      );
    }
    this.#connecting = this.#connect().finally(() => (this.#connecting = null));
    return this.#connecting;
  }

  async #connect(): Promise<Client> {
    let transport: Transport | null = null;
    const attempt = this.#attempt = new AbortController();
    try {
      transport = await this.#o.createTransport();
      if (this.#o.recordFrames === true) {
        transport = new RecordingTransport(transport, {
          framing: this.device.transport.framing,
          profile: this.#o.profile.id,
          device: this.device.id,
          registry: this.#o.registry,
          // Into the frames of the poll running now (polls of a device run one at a time).
          record: (line) => this.#frames.push(line),
        });
      }
      const client = new Client({
        transport,
        profile: this.#o.profile,
        framing: this.device.transport.framing,
        registry: this.#o.registry,
        protocolVersion: this.device.protocolVersion,
        writesEnabled: this.device.writeEnabled,
        plugin: this.#o.plugin,
        timeoutMs: this.#o.timeoutMs,
      });
      const linked = linkedSignal(this.#abort.signal, attempt.signal);
      try {
        await client.connect({ signal: linked.signal });
      } finally {
        linked.dispose();
      }
      if (attempt.signal.aborted) {
        await client.close();
        throw attempt.signal.reason;
      }
      if (this.#stopped) {
        await client.close();
        throw new TransportError("TRANSPORT_CLOSED", "The runtime is shutting down");
      }
      this.#client = client;
      this.#connectAttempt = 0;
      this.#lastConnectError = null;
      this.#o.log({ level: "info", deviceId: this.device.id, message: "connected" });
      if (this.device.mode === "push") this.#listen(client);
      return client;
    } catch (error) {
      await transport?.close().catch(() => {});
      if (attempt.signal.aborted && !this.#stopped && this.#heldError !== null) {
        // Held back: not a failed attempt (no backoff), none follows until admitted again.
        this.#o.log({
          level: "debug",
          deviceId: this.device.id,
          message: "connection attempt cut short: the device is held back",
        });
        throw this.#heldError;
      }
      if (this.#stopped) {
        // Shutting down: the attempt was cut short on purpose and none follows.
        this.#o.log({
          level: "info",
          deviceId: this.device.id,
          message: "connection attempt cancelled: the runtime is stopping",
        });
        throw error;
      }
      if (isPermanent(error)) {
        // Retrying cannot help: the device stops here, with one clear error; others go on.
        this.#permanent = permanentError(error);
        this.#permanentCause = error;
        this.#reportPermanent();
        throw error;
      }
      this.#connectAttempt++;
      const delay = backoffDelay(this.#o.reconnectPolicy, this.#connectAttempt, this.#o.random);
      this.#nextConnectAt = performance.now() + delay;
      this.#lastConnectError = snapshotError(error);
      const message = error instanceof PowerSdkError
        ? `${error.code}: ${error.message}`
        : String(error);
      this.#o.log({
        level: "warn",
        deviceId: this.device.id,
        message: `cannot connect: ${message}; next attempt in ${delay} ms`,
      });
      if (this.device.mode === "push" && !this.#stopped) {
        this.#after(performance.now() + delay, () => void this.#ensureClient().catch(() => {}));
      }
      throw error;
    }
  }

  /** Stop every schedule of the device and say why, once. */
  #reportPermanent(): void {
    this.#cancelTimers();
    this.#o.log({
      level: "error",
      deviceId: this.device.id,
      message: `cannot run, not retried: ${this.#permanent!.code}: ${this.#permanent!.message}`,
    });
    // The connect that found it belongs to a poll, which reports it; a failure known before
    // start is reported here.
    if (this.#client === null && this.#connecting === null && this.#pending.size === 0) {
      this.#publish({
        mode: this.device.mode,
        group: null,
        ok: false,
        blocks: [],
        errors: [this.#permanent!],
      });
    }
  }

  async #recycle(reason: string): Promise<void> {
    const client = this.#client;
    this.#client = null;
    this.#pushStop?.();
    this.#counters.reconnects++;
    this.#o.log({ level: "warn", deviceId: this.device.id, message: `reconnecting: ${reason}` });
    await client?.close().catch(() => {});
    // The next poll connects again, after a backoff that grows with repeated recycles.
    const delay = backoffDelay(this.#o.reconnectPolicy, this.#counters.reconnects, this.#o.random);
    this.#nextConnectAt = performance.now() + delay;
    this.#lastConnectError = { blockId: null, code: "TRANSPORT_DISCONNECTED", message: reason };
  }

  #listen(client: Client): void {
    const stopState = client.transport.onState((change) => {
      if (change.state !== "offline") return;
      this.#counters.errors++;
      this.#counters.consecutiveErrors++;
      this.#publish({
        mode: "push",
        group: null,
        ok: false,
        blocks: [],
        errors: [{
          blockId: null,
          code: "TRANSPORT_DISCONNECTED",
          message: change.reason ?? "connection lost",
        }],
      });
    });
    const stopPush = client.onPush((event) => {
      if (event.kind === "block" && event.record.suspect === true) {
        this.#counters.errors++;
        this.#publish({
          mode: "push",
          group: null,
          ok: false,
          blocks: [snapshotBlock(event.record, this.#o.registry)],
          errors: [suspectError(event.record)],
        });
      } else if (event.kind === "block") {
        this.#counters.ok++;
        this.#counters.consecutiveErrors = 0;
        this.#counters.lastSuccess = new Date().toISOString();
        this.#publish({
          mode: "push",
          group: null,
          ok: true,
          blocks: [snapshotBlock(event.record, this.#o.registry)],
          errors: [],
        });
      }
    });
    this.#pushStop = () => {
      stopState();
      stopPush();
    };
  }
}

function plural(count: number, noun: string): string {
  return count === 1 ? `1 ${noun}` : `${count} ${noun}s`;
}

/** A failure no retry can fix: the credentials or a file the configuration names. */
function isPermanent(error: unknown): error is Error {
  return error instanceof CredentialsError || error instanceof ConfigError;
}

function permanentError(error: Error): SnapshotError {
  // A bundle refused at configuration load carries the precise problem as its cause.
  const precise = error instanceof ConfigError && error.cause instanceof CredentialsError
    ? error.cause
    : error;
  const code = precise instanceof PowerSdkError ? precise.code : "TRANSPORT_CREDENTIALS";
  return { blockId: null, code, message: error.message };
}
