// What both fleet benches (in-process and through the CLI) use to measure a window: the
// snapshots whose poll was due in it, quantiles, line reading, waiting for a wall-clock time.

/** The fields of a snapshot the window reads (a runtime Snapshot or a jsonl line of one). */
export interface WindowSnapshot {
  readonly deviceId: string;
  readonly at: string;
  readonly ok: boolean;
  readonly errors: readonly { readonly code: string }[];
  readonly metrics: {
    readonly lastLatenessMs?: number | null;
    readonly lastLatencyMs?: number | null;
    readonly droppedSnapshots?: number;
  };
}

/** Records lateness, latency and outcome of every snapshot whose poll was due in the window. */
export class WindowRecorder {
  windowStart = Infinity; // wall clock, ms
  windowEnd = Infinity;
  lateness: number[] = [];
  latency: number[] = [];
  ok = 0;
  errors = 0;
  /** Snapshots of polls due before the window (warm-up). */
  before = 0;
  /** Snapshots of polls due after it. */
  after = 0;
  /** Every snapshot recorded. */
  total = 0;
  errorCodes = new Map<string, number>();
  /** Each device's latest count of snapshots its sink queue dropped. */
  dropped = new Map<string, number>();
  /** Devices with a poll due in the window, and those with an ok one. */
  devices = new Set<string>();
  okDevices = new Set<string>();

  record(s: WindowSnapshot): void {
    this.total++;
    this.dropped.set(s.deviceId, s.metrics.droppedSnapshots ?? 0);
    const lateness = s.metrics.lastLatenessMs ?? 0;
    const latency = s.metrics.lastLatencyMs ?? 0;
    // When the poll was due: it ended at `at`, took `latency` and started `lateness` late.
    const due = Date.parse(s.at) - latency - lateness;
    if (due < this.windowStart) {
      this.before++;
      return;
    }
    if (due >= this.windowEnd) {
      this.after++;
      return;
    }
    this.lateness.push(lateness);
    this.latency.push(latency);
    this.devices.add(s.deviceId);
    if (s.ok) this.okDevices.add(s.deviceId);
    if (s.ok) this.ok++;
    else {
      this.errors++;
      for (const e of s.errors) this.errorCodes.set(e.code, (this.errorCodes.get(e.code) ?? 0) + 1);
    }
  }
}

/** The `q` quantile of ascending `sorted` values (NaN when empty). */
export function quantile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The lines of a byte stream, the last one without its newline too. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf("\n")) !== -1) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
    }
  }
  if (pending !== "") yield pending;
}

/**
 * Wait until the wall clock reaches `at` (ms). The delay is clamped at 0: a window that starts
 * "now" is computed a millisecond before the timer is set, and a negative delay makes Node's
 * timers warn (TimeoutNegativeWarning) and fire after 1 ms.
 */
export function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}
