import { TransportError } from "../errors/errors.ts";

/** Options of a {@linkcode ConnectLimiter}. */
export interface ConnectLimiterOptions {
  /**
   * How many handshakes (TCP, TLS, MQTT CONNECT/CONNACK and SUBSCRIBE/SUBACK) may run at
   * once. A handshake's connect timeout starts when it gets its slot, not while it waits.
   *
   * @default {16}
   */
  readonly maxConcurrent?: number;
  /**
   * The global reconnect budget: reconnects (not first connects) admitted per second, over
   * every transport sharing the limiter. When a broker restarts, its thousand clients come
   * back at this rate instead of all at once.
   *
   * @default {20}
   */
  readonly reconnectsPerSecond?: number;
  /**
   * How many reconnects may start at once before the rate applies.
   *
   * @default {20}
   */
  readonly reconnectBurst?: number;
  /**
   * The clock, in milliseconds (for tests).
   *
   * @default {performance.now}
   */
  readonly now?: () => number;
}

/** What {@linkcode ConnectLimiter.acquire} is asked for. */
export interface ConnectSlotRequest {
  /** A reconnect spends the reconnect budget; a first connect does not. */
  readonly reconnect?: boolean;
  /** Gives up waiting (the promise rejects with `TRANSPORT_ABORTED`). */
  readonly signal?: AbortSignal | undefined;
  /**
   * A connect that a user waits for (a write, a control read): it goes ahead of every waiting
   * handshake that is not one too (those keep their order), neither a hold-back
   * ({@linkcode ConnectLimiter.holdBack}) nor an empty reconnect budget keeps it waiting, and
   * only the bound on concurrent handshakes does.
   */
  readonly priority?: boolean;
}

/** Counters of a {@linkcode ConnectLimiter}. */
export interface ConnectLimiterStats {
  /** Handshakes running now. */
  readonly active: number;
  /**
   * How many may run at once now: `maxConcurrent`, halved by each timed-out handshake (at
   * least 1) and raised by one with each success.
   */
  readonly limit: number;
  /** The most handshakes that ever ran at once (never above `maxConcurrent`). */
  readonly peakActive: number;
  /** Handshakes waiting for a slot or for the reconnect budget. */
  readonly waiting: number;
  /** The most handshakes that ever waited at once. */
  readonly peakWaiting: number;
  /** Slots granted so far. */
  readonly granted: number;
  /** Whether handshakes not yet granted are held back ({@linkcode ConnectLimiter.holdBack}). */
  readonly heldBack: boolean;
}

/**
 * Something that hands out handshake slots: a {@linkcode ConnectLimiter}, or a view of one
 * (see {@linkcode ConnectLimiter.reconnects}).
 */
export interface ConnectSlots {
  /**
   * Wait for a handshake slot.
   *
   * @param request Whether it is a reconnect, and a signal to stop waiting.
   * @returns A release function: call it once the handshake is over, with `false` when it
   * failed for want of an answer (a timeout: the broker or this process is overloaded).
   */
  acquire(request?: ConnectSlotRequest): Promise<ReleaseSlot>;
  /**
   * How much longer than usual a handshake should be given now: 1 normally, up to 4 once
   * handshakes have been timing out (they take longer on an overloaded broker or process, and
   * a handshake given up at its timeout is work thrown away).
   *
   * @returns The factor to apply to the connect timeout.
   */
  timeoutFactor(): number;
}

/**
 * Ends a handshake's hold on its slot. `succeeded: false` (a handshake that timed out) halves
 * the number of handshakes allowed at once; each success adds one back, up to `maxConcurrent`.
 */
export type ReleaseSlot = (succeeded?: boolean) => void;

interface Waiter {
  readonly reconnect: boolean;
  readonly priority: boolean;
  readonly grant: (release: ReleaseSlot) => void;
}

/**
 * Bounds the connection handshakes of many transports: at most `maxConcurrent` run at once
 * (the rest wait in order), and reconnects draw from a global budget (a token bucket), so a
 * thousand devices neither open a thousand TLS handshakes in the same second nor come back
 * all at once after a broker restart. Share one limiter between the transports of one process.
 * A connect a user waits for (`priority`: a write, a control read) goes ahead of the queue.
 *
 * @example Two slots: the third handshake waits for a release
 * ```ts
 * import { ConnectLimiter } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * const limiter = new ConnectLimiter({ maxConcurrent: 2 });
 * const first = await limiter.acquire();
 * const second = await limiter.acquire();
 * let third = false;
 * const waiting = limiter.acquire().then((release) => {
 *   third = true;
 *   return release;
 * });
 * await Promise.resolve();
 * assert.equal(third, false);
 * assert.equal(limiter.stats.waiting, 1);
 * first();
 * (await waiting)();
 * second();
 * assert.equal(third, true);
 * assert.equal(limiter.stats.active, 0);
 * ```
 */
export class ConnectLimiter implements ConnectSlots {
  readonly #max: number;
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;
  #active = 0;
  #granted = 0;
  #peakWaiting = 0;
  #peakActive = 0;
  #limit: number;
  #held = false;
  #queue: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Create a limiter.
   *
   * @param options Concurrency and reconnect budget.
   * @throws {RangeError} If a number is not positive.
   */
  constructor(options: ConnectLimiterOptions = {}) {
    this.#max = positive(options.maxConcurrent ?? 16, "maxConcurrent");
    this.#rate = positive(options.reconnectsPerSecond ?? 20, "reconnectsPerSecond");
    this.#burst = positive(options.reconnectBurst ?? 20, "reconnectBurst");
    this.#now = options.now ?? (() => performance.now());
    this.#limit = this.#max;
    this.#tokens = this.#burst;
    this.#refilledAt = this.#now();
  }

  /** Running and waiting handshakes. */
  get stats(): ConnectLimiterStats {
    return {
      active: this.#active,
      limit: this.#limit,
      peakActive: this.#peakActive,
      waiting: this.#queue.length,
      peakWaiting: this.#peakWaiting,
      granted: this.#granted,
      heldBack: this.#held,
    };
  }

  /**
   * Wait for a handshake slot (and, for a reconnect, for the budget).
   *
   * @param request Whether it is a reconnect, and a signal to stop waiting.
   * @returns A release function: call it once the handshake is over, with `false` when it
   * timed out (see {@linkcode ReleaseSlot}).
   * @throws {TransportError} `TRANSPORT_ABORTED` when the signal aborts while waiting.
   */
  acquire(request: ConnectSlotRequest = {}): Promise<ReleaseSlot> {
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(aborted(signal));
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        this.#pump();
        reject(aborted(signal!));
      };
      const waiter: Waiter = {
        reconnect: request.reconnect === true,
        priority: request.priority === true,
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (waiter.priority) {
        // Behind the connects users wait for already, ahead of the others.
        let at = 0;
        while (at < this.#queue.length && this.#queue[at]!.priority) at++;
        this.#queue.splice(at, 0, waiter);
      } else this.#queue.push(waiter);
      this.#peakWaiting = Math.max(this.#peakWaiting, this.#queue.length);
      this.#pump();
    });
  }

  /**
   * A view of this limiter for a new connection that replaces an earlier one (a device's
   * connection made again after failures): its handshakes spend the reconnect budget.
   *
   * @returns Slots whose every acquire counts as a reconnect.
   *
   * @example
   * ```ts
   * import { ConnectLimiter } from "@power-sdk/sdk/transport";
   * import assert from "node:assert/strict";
   *
   * const limiter = new ConnectLimiter({ reconnectBurst: 1, reconnectsPerSecond: 0.001 });
   * (await limiter.reconnects().acquire())();
   * let granted = false;
   * const controller = new AbortController();
   * const second = limiter.reconnects().acquire({ signal: controller.signal }).then(() => granted = true);
   * await Promise.resolve();
   * assert.equal(granted, false); // the budget is spent
   * controller.abort();
   * await second.catch(() => {});
   * ```
   */
  reconnects(): ConnectSlots {
    return {
      acquire: (request = {}) => this.acquire({ ...request, reconnect: true }),
      timeoutFactor: () => this.timeoutFactor(),
    };
  }

  /**
   * Hold back every handshake not yet granted, or let them go again: while the process is past
   * its capacity (its event loop runs late), a new handshake would take CPU from the devices
   * already connected and, itself delayed, time out; waiting handshakes stay queued (their
   * connect timeouts have not started) until `holdBack(false)`. Handshakes already running go
   * on.
   *
   * @param hold True to hold back, false to let the queue go on.
   *
   * @example Hold a first connect back, then let it go
   * ```ts
   * import { ConnectLimiter } from "@power-sdk/sdk/transport";
   * import assert from "node:assert/strict";
   *
   * const limiter = new ConnectLimiter();
   * limiter.holdBack(true);
   * let granted = false;
   * const slot = limiter.acquire().then((release) => (granted = true, release));
   * await Promise.resolve();
   * assert.equal(granted, false);
   * assert.equal(limiter.stats.waiting, 1);
   * limiter.holdBack(false);
   * (await slot)();
   * assert.equal(granted, true);
   * ```
   */
  holdBack(hold: boolean): void {
    if (this.#held === hold) return;
    this.#held = hold;
    this.#pump();
  }

  /**
   * How much longer than usual a handshake should be given now: `maxConcurrent / limit`,
   * from 1 (no timeout lately) to 4.
   *
   * @returns The factor to apply to the connect timeout.
   *
   * @example
   * ```ts
   * import { ConnectLimiter } from "@power-sdk/sdk/transport";
   * import assert from "node:assert/strict";
   *
   * const limiter = new ConnectLimiter({ maxConcurrent: 16 });
   * assert.equal(limiter.timeoutFactor(), 1);
   * (await limiter.acquire())(false); // a handshake timed out: limit 8
   * assert.equal(limiter.timeoutFactor(), 2);
   * ```
   */
  timeoutFactor(): number {
    return Math.min(4, this.#max / this.#limit);
  }

  #pump(): void {
    this.#refill();
    for (let i = 0; i < this.#queue.length && this.#active < this.#limit;) {
      const waiter = this.#queue[i]!;
      if (waiter.priority) {
        // A user waits: neither the hold-back nor the budget applies (a token is spent if
        // there is one).
        if (waiter.reconnect && this.#tokens >= 1) this.#tokens--;
      } else if (this.#held) break; // the priority waiters are at the front
      else if (waiter.reconnect) {
        // A reconnect waits for the budget; first connects behind it go on.
        if (this.#tokens < 1) {
          i++;
          continue;
        }
        this.#tokens--;
      }
      this.#queue.splice(i, 1);
      this.#active++;
      this.#peakActive = Math.max(this.#peakActive, this.#active);
      this.#granted++;
      let released = false;
      waiter.grant((succeeded = true) => {
        if (released) return;
        released = true;
        this.#active--;
        // Additive increase, multiplicative decrease: timeouts mean that the broker or this
        // process cannot keep up with this many handshakes.
        this.#limit = succeeded
          ? Math.min(this.#max, this.#limit + 1)
          : Math.max(1, Math.floor(this.#limit / 2));
        this.#pump();
      });
    }
    this.#arm();
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000,
    );
    this.#refilledAt = now;
  }

  /** A timer only while a reconnect waits for the budget (none outlives the queue). */
  #arm(): void {
    const starved = !this.#held && this.#active < this.#limit &&
      this.#queue.some((waiter) => waiter.reconnect);
    if (!starved) {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      return;
    }
    if (this.#timer !== null) return;
    const wait = Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.#rate));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, wait);
  }
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(
      `Cannot create a ConnectLimiter: '${name}' must be a positive number: current value is ${value}`,
    );
  }
  return value;
}

function aborted(signal: AbortSignal): TransportError {
  return new TransportError("TRANSPORT_ABORTED", "Stopped waiting for a connection slot: aborted", {
    cause: signal.reason,
  });
}
