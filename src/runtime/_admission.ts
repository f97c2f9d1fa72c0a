// Admission by measured capacity: past what the process can serve, the executor keeps serving
// the devices configured first at their cadence and holds the others back, instead of serving
// every device late. A window at a time it judges whether the process keeps up (the event
// loop's lag from the load gate, the share of polls that started late); while it does not, it
// admits no device and holds back the most recently admitted ones (the last in configuration
// order), a few at a time; after a while with headroom it admits them again, one by one.
// Private to src/runtime: the executor drives it.

/** One device under admission: a pull device's runner. */
export interface AdmissionMember {
  /** The device (its id, for the log). */
  readonly device: { readonly id: string };
  /** Whether it holds a connection now (holding it back frees CPU and a connection). */
  readonly serving: boolean;
  /** Stop polling, drop the connection; its due polls are counted as skipped. */
  hold(): void;
  /** Poll again (and connect at its first poll). */
  admit(): void;
  /** Polls skipped while held back so far. */
  heldSkips(): number;
}

/** The thresholds, resolved (see `AdmissionOptions` of the executor). */
export interface AdmissionSettings {
  readonly lateMs: number;
  readonly lateShare: number;
  readonly windowMs: number;
  readonly overWindows: number;
  /**
   * Devices served held back per step; 0: a twentieth of those served, up to a tenth when
   * most polls are late (an eighth of the share of late polls), at least 1.
   */
  readonly shedStep: number;
  readonly admitAfterMs: number;
}

/** What the load gate says at the end of a window. */
export interface LagReading {
  /** The gate is over its limit. */
  readonly over: boolean;
  /** The smoothed lag, ms. */
  readonly lagMs: number;
  /** The gate's limit, ms (headroom needs the lag under half of it). */
  readonly limitMs: number;
  /**
   * First handshakes of devices ran in the window (the connect phase): their CPU makes the
   * event loop and the polls late, which says nothing about whether the process can serve the
   * devices once connected. Such a window is not judged.
   */
  readonly connecting?: boolean;
}

/** Counters of admission. */
export interface AdmissionStats {
  /** Devices under admission (pull devices that can run). */
  readonly devices: number;
  /** Devices admitted now (the first ones in configuration order). */
  readonly admitted: number;
  /** Devices held back now. */
  readonly heldBack: number;
  /** The most devices held back at once so far. */
  readonly mostHeldBack: number;
  /** Devices held back so far (each step counts its devices). */
  readonly shed: number;
  /** Devices admitted again so far. */
  readonly readmitted: number;
  /** Due polls of held-back devices, skipped without a poll, so far. */
  readonly skippedWhileHeld: number;
  /** Whether the last window was over capacity. */
  readonly over: boolean;
}

/** The least time between two warnings about held-back devices. */
const WARNING_INTERVAL_MS = 60_000;
/** Fewer polls than this in a window say nothing about their lateness. */
const MIN_SAMPLE = 20;

type Log = (level: "info" | "warn", message: string) => void;

/** The admission controller: `pollStarted` counts, `evaluate` decides, once per window. */
export class Admission {
  readonly #members: readonly AdmissionMember[];
  readonly #s: AdmissionSettings;
  readonly #log: Log;
  #limit: number; // members [0, limit) are admitted
  #started = 0;
  #late = 0;
  #overRun = 0; // windows over capacity in a row
  #headroomSince: number | null = null;
  #lastChangeAt = -Infinity;
  #lastChange: "hold" | "admit" | null = null;
  /**
   * Headroom needed before the next admission: `admitAfterMs`, doubled each time devices had
   * to be held back right after one (at most 16 times), halved back with each admission that
   * followed one.
   */
  #admitWait: number;
  #shed = 0;
  #readmitted = 0;
  #over = false;
  #share = 0; // of late polls, in the last window
  #reason = "";
  #warnedAt: number | null = null;
  #lastSkips = 0;
  #mostHeld = 0;

  constructor(members: readonly AdmissionMember[], settings: AdmissionSettings, log: Log) {
    this.#members = members;
    this.#s = settings;
    this.#log = log;
    this.#limit = members.length;
    this.#admitWait = settings.admitAfterMs;
  }

  /** How many devices are held back now. */
  get heldBack(): number {
    return this.#members.length - this.#limit;
  }

  /** Whether the last window was over capacity (no device is admitted then). */
  get over(): boolean {
    return this.#over;
  }

  /** A poll came due: it started `latenessMs` after, or was skipped (`null`: late). */
  pollDue(latenessMs: number | null): void {
    this.#started++;
    if (latenessMs === null || latenessMs > this.#s.lateMs) this.#late++;
  }

  /** The counters now. */
  stats(): AdmissionStats {
    let skipped = this.#lastSkips;
    for (let i = this.#limit; i < this.#members.length; i++) {
      skipped += this.#members[i]!.heldSkips();
    }
    return {
      devices: this.#members.length,
      admitted: this.#limit,
      heldBack: this.#members.length - this.#limit,
      mostHeldBack: this.#mostHeld,
      shed: this.#shed,
      readmitted: this.#readmitted,
      skippedWhileHeld: skipped,
      over: this.#over,
    };
  }

  /**
   * Judge the window that ends at `now` (ms, performance.now() time) and act: hold back or
   * admit devices, warn.
   */
  evaluate(now: number, lag: LagReading): void {
    const started = this.#started;
    const late = this.#late;
    this.#started = 0;
    this.#late = 0;
    const share = started === 0 ? 0 : late / started;
    this.#share = share;
    if (lag.connecting === true) {
      // The connect phase: neither over capacity nor headroom. While the connected devices
      // alone make the process late, the load gate holds new handshakes back, and the windows
      // that follow are judged.
      this.#over = false;
      this.#overRun = 0;
      this.#headroomSince = null;
      this.#warn(now);
      return;
    }
    const lateOver = started >= MIN_SAMPLE && share > this.#s.lateShare;
    this.#over = lag.over || lateOver;
    if (this.#over) {
      this.#overRun++;
      this.#headroomSince = null;
      this.#reason = lag.over
        ? `the event loop runs ${Math.round(lag.lagMs)} ms late (limit ${lag.limitMs} ms)`
        : `${
          Math.round(share * 100)
        } % of the last window's polls started more than ${this.#s.lateMs} ms late (limit ${
          Math.round(this.#s.lateShare * 100)
        } %)`;
      // A step at a time: the one before must have had a window to show its effect.
      if (
        this.#overRun >= this.#s.overWindows &&
        now - this.#lastChangeAt >= 2 * this.#s.windowMs
      ) {
        this.#holdBack(now);
      }
    } else {
      this.#overRun = 0;
      const headroom = lag.lagMs < lag.limitMs / 2 && share <= this.#s.lateShare / 2;
      if (!headroom) this.#headroomSince = null;
      else {
        this.#headroomSince ??= now - this.#s.windowMs;
        if (
          this.#limit < this.#members.length &&
          now - this.#headroomSince >= this.#admitWait &&
          now - this.#lastChangeAt >= this.#admitWait
        ) {
          this.#admitOne(now);
        }
      }
    }
    this.#warn(now);
  }

  /** Hold back the last admitted devices: `shedStep` of those served, and any unserved above. */
  #holdBack(now: number): void {
    let serving = 0;
    for (let i = 0; i < this.#limit; i++) if (this.#members[i]!.serving) serving++;
    // A twentieth of the devices served, more the later the polls: an eighth of the share of
    // late polls, up to a tenth of the devices.
    const share = Math.min(1 / 10, Math.max(1 / 20, this.#share / 8));
    const step = this.#s.shedStep > 0 ? this.#s.shedStep : Math.max(1, Math.ceil(serving * share));
    const from = this.#limit;
    let held = 0;
    // Devices without a connection above the last one served cost nothing to hold back; one
    // device stays admitted.
    while (this.#limit > 1 && held < step) {
      const member = this.#members[--this.#limit]!;
      if (member.serving) held++;
      member.hold();
    }
    // And those without a connection now at the top: no use admitting them while over.
    while (this.#limit > 1 && !this.#members[this.#limit - 1]!.serving) {
      this.#members[--this.#limit]!.hold();
    }
    const count = from - this.#limit;
    if (count === 0) return;
    this.#shed += count;
    this.#mostHeld = Math.max(this.#mostHeld, this.#members.length - this.#limit);
    this.#lastChangeAt = now;
    // The device admitted last was one too many: wait longer before the next.
    if (this.#lastChange === "admit") {
      this.#admitWait = Math.min(16 * this.#s.admitAfterMs, 2 * this.#admitWait);
    }
    this.#lastChange = "hold";
    const first = this.#members[this.#limit]!.device.id;
    const last = this.#members[from - 1]!.device.id;
    this.#log(
      "info",
      `admission: ${count} ${count === 1 ? "device" : "devices"} held back (${
        count === 1 ? first : `${first} \u2026 ${last}`
      }, ${held} of them connected): ${this.#reason}; ${this.#limit} of ${this.#members.length} admitted`,
    );
  }

  #admitOne(now: number): void {
    const member = this.#members[this.#limit]!;
    this.#lastSkips += member.heldSkips();
    member.admit();
    this.#limit++;
    this.#readmitted++;
    this.#lastChangeAt = now;
    this.#headroomSince = now;
    const waited = this.#admitWait;
    if (this.#lastChange === "admit") {
      this.#admitWait = Math.max(this.#s.admitAfterMs, this.#admitWait / 2);
    }
    this.#lastChange = "admit";
    this.#log(
      "info",
      `admission: ${member.device.id} admitted again after ${
        Math.round(waited / 100) / 10
      } s with headroom; ${this.#limit} of ${this.#members.length} admitted`,
    );
  }

  /** While devices are held back: one warning, at most once a minute. */
  #warn(now: number): void {
    const held = this.#members.length - this.#limit;
    if (held === 0) return;
    if (this.#warnedAt !== null && now - this.#warnedAt < WARNING_INTERVAL_MS) return;
    this.#warnedAt = now;
    const stats = this.stats();
    this.#log(
      "warn",
      `over capacity: ${held} of ${this.#members.length} devices held back (the last in configuration order, from ${
        this.#members[this.#limit]!.device.id
      }) because ${this.#reason}; they do not poll and hold no connection (${stats.skippedWhileHeld} due polls skipped so far); ${
        this.#over
          ? "no device is admitted while over capacity"
          : `one is admitted again after each ${
            Math.round(this.#admitWait / 100) / 10
          } s with headroom`
      }; warned at most once a minute`,
    );
  }
}

/** What decides whether the connect phase pauses the judgement (see the executor's `tick`). */
export interface ConnectPhase {
  /** Devices held back now. */
  readonly heldBack: number;
  /** Since the last handshake that timed out, ms (Infinity: none yet). */
  readonly sinceTimeoutMs: number;
  /** Since admission started, ms. */
  readonly sinceStartMs: number;
  /** The window, ms. */
  readonly windowMs: number;
  /** Windows over capacity in a row before a step. */
  readonly overWindows: number;
  /** How long the connect phase may pause the judgement, ms. */
  readonly graceMs: number;
}

/**
 * What the connect phase decides about a window in which first handshakes ran: `"pause"`, it
 * goes unjudged, only while the connect phase converges and no device is held back; else why
 * it is judged. The connect phase does not converge when a handshake timed out in the last
 * `overWindows + 1` windows (`"handshake timed out"`) or the grace ran out (`"grace over"`),
 * whether devices are held back or not. Else `"held back"`: once devices are held back the
 * process has been found over capacity: the handshakes that follow are those of devices still
 * admitted and not yet connected (and re-admissions, one at a time), and pausing for them left
 * the walk down waiting 20-35 s between steps at 2,000 TLS stations.
 */
export type ConnectPhaseVerdict = "pause" | "handshake timed out" | "grace over" | "held back";

/**
 * Decide whether a window in which first handshakes ran goes unjudged (see
 * {@linkcode ConnectPhaseVerdict}).
 */
export function connectPhaseVerdict(phase: ConnectPhase): ConnectPhaseVerdict {
  if (phase.sinceTimeoutMs <= (phase.overWindows + 1) * phase.windowMs) {
    return "handshake timed out";
  }
  if (phase.sinceStartMs >= phase.graceMs) return "grace over";
  return phase.heldBack === 0 ? "pause" : "held back";
}
