// Whether this process is past its capacity, measured as how late its event loop runs: a timer
// due every 100 ms that fires late means every poll, reply and handshake waits that long too.
// The executor holds new handshakes back while the smoothed lag is over a limit, so that the
// devices already connected keep their schedule instead of sharing the CPU with handshakes that
// would time out anyway. Private to src/runtime.

/** Options of a {@linkcode LoadGate}. */
export interface LoadGateOptions {
  /** Over capacity once the smoothed lag exceeds this, ms; back under at half of it. */
  readonly limitMs: number;
  /** Told when the state changes, with the smoothed lag. */
  readonly onChange: (over: boolean, lagMs: number) => void;
  /** How often the lag is sampled, ms. @default {100} */
  readonly periodMs?: number;
}

/** Weight of a new sample in the smoothed lag (about half a second of memory at 100 ms). */
const WEIGHT = 0.3;

/**
 * How long a burst of lag still shows in the smoothed lag at the default period, ms: after ten
 * samples less than 3 % of it is left.
 */
export const LAG_MEMORY_MS = 1_000;

/**
 * Event-loop lag with hysteresis: over when the smoothed lag exceeds the limit, under again
 * once it falls below half of it. {@linkcode LoadGate.sample} takes a measured lag (the timer
 * started by {@linkcode LoadGate.start} feeds it; tests feed it directly).
 */
export class LoadGate {
  readonly #o: LoadGateOptions;
  #smoothed = 0;
  #over = false;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: LoadGateOptions) {
    this.#o = options;
  }

  /** Whether the process is over capacity now. */
  get over(): boolean {
    return this.#over;
  }

  /** The smoothed lag, ms. */
  get lagMs(): number {
    return this.#smoothed;
  }

  /** Take one measured lag, ms. */
  sample(lagMs: number): void {
    this.#smoothed = this.#smoothed * (1 - WEIGHT) + Math.max(0, lagMs) * WEIGHT;
    if (!this.#over && this.#smoothed > this.#o.limitMs) {
      this.#over = true;
      this.#o.onChange(true, this.#smoothed);
    } else if (this.#over && this.#smoothed < this.#o.limitMs / 2) {
      this.#over = false;
      this.#o.onChange(false, this.#smoothed);
    }
  }

  /** Sample the event loop's lag until {@linkcode LoadGate.stop}. */
  start(): void {
    if (this.#timer !== null) return;
    const period = this.#o.periodMs ?? 100;
    let expected = performance.now() + period;
    const tick = () => {
      const now = performance.now();
      this.sample(now - expected);
      expected = now + period;
      this.#timer = setTimeout(tick, period);
    };
    this.#timer = setTimeout(tick, period);
  }

  /** Stop sampling. */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
