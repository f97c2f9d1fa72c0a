// Many deadlines on one timer. Every request of every transport has a timeout, and nearly every
// one is cancelled a few milliseconds later when its reply comes; a timer of its own costs
// ~1.6 KB of heap (Deno's Node-compatible Timeout) per request, which a fleet of thousands of
// stations turns into most of its garbage. Here a deadline is a small entry in a heap ordered by
// time (removed at once when cancelled, so that it dies young), and one timer is armed for the
// earliest. When the last deadline goes, the timer is left armed but unref'd (it no longer holds
// the process open, and a test leaks nothing): a deadline made before it fires refs it again
// instead of making a timer; when it fires it finds nothing due and is armed for the next
// deadline, if any. A deadline fires no earlier than a timer of its own would, and deadlines due
// together fire in the order of their times. The transports' request timeouts and the runtime's
// poll schedules share the process's queue. Private to the library.

/** A pending deadline. */
export interface Deadline {
  /** Forget it: its callback will not run. Safe to call more than once, or after it ran. */
  cancel(): void;
}

class Entry implements Deadline {
  readonly at: number;
  readonly seq: number;
  fn: (() => void) | null;
  /** Its place in the queue's heap; -1 once out of it. */
  index = -1;
  readonly #queue: DeadlineQueue;

  constructor(queue: DeadlineQueue, at: number, seq: number, fn: () => void) {
    this.#queue = queue;
    this.at = at;
    this.seq = seq;
    this.fn = fn;
  }

  cancel(): void {
    if (this.fn === null) return;
    this.fn = null;
    this.#queue.remove(this);
  }
}

/** Deadlines on one timer; see the module's comment. Exported for its tests. */
export class DeadlineQueue {
  #heap: Entry[] = [];
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Infinity;
  /** Whether the timer holds the process open (it does not while no deadline is live). */
  #refed = false;
  #armings = 0;
  #now: () => number;
  #fire = () => this.#run();

  #slack: number;
  /** Whether the due deadlines are running (their callbacks' new deadlines wait for the end). */
  #running = false;

  /**
   * @param now The clock, ms. @default {performance.now}
   * @param slackMs How late a deadline may fire, ms, so that deadlines due close together
   * share one timer: the timer is armed for the last deadline due within this of the earliest
   * (a lone deadline fires on time), and then runs every deadline due by then. Each timer that
   * fires costs 1.2-2.7 KB of garbage in Deno (a `setTimeout`, a `refresh()` or an interval's
   * tick alike). @default {0}
   */
  constructor(now: () => number = () => performance.now(), slackMs = 0) {
    this.#now = now;
    this.#slack = slackMs;
  }

  /** Deadlines not yet fired nor cancelled. */
  get live(): number {
    return this.#heap.length;
  }

  /** Whether a timer holds the process open: only while a deadline is live. */
  get holding(): boolean {
    return this.#timer !== null && this.#refed;
  }

  /** How many timers it has armed so far. */
  get armings(): number {
    return this.#armings;
  }

  /**
   * Run `fn` once `delayMs` milliseconds have passed, unless cancelled first.
   *
   * @param delayMs The delay, ms (negative or NaN: as soon as possible, as `setTimeout`).
   * @param fn What to run; an exception it throws is reported as an uncaught error, after the
   * other deadlines due with it ran.
   * @returns The deadline, to cancel it.
   */
  after(delayMs: number, fn: () => void): Deadline {
    const at = this.#now() + (delayMs > 0 ? delayMs : 0);
    const entry = new Entry(this, at, this.#seq++, fn);
    insert(this.#heap, entry);
    // While the due deadlines run, the timer is armed once at the end of the turn (the
    // callbacks make their next deadlines: a poll its next due time). Otherwise it is armed
    // again only when the new deadline could not wait for the timer armed now.
    if (this.#running) return entry;
    if (at + this.#slack < this.#timerAt) this.#arm(this.#batchEnd(at + this.#slack));
    else if (!this.#refed) this.#ref(true);
    return entry;
  }

  /** Take a cancelled entry out of the heap. */
  remove(entry: Entry): void {
    if (entry.index < 0) return;
    removeAt(this.#heap, entry.index);
    // The timer stays armed for an earlier time when the first deadline goes: it finds nothing
    // due then and is armed for the next one (re-arming now would cost a timer per request).
    // With none left it no longer holds the process open.
    if (this.#heap.length === 0) this.#ref(false);
  }

  /**
   * The time of the last deadline due by `limit` (the earliest one's time plus the slack): the
   * heap's entries due by then, found from its root (an entry's children are never due before
   * it, so a subtree past the limit is skipped).
   */
  #batchEnd(limit: number, i = 0, latest = -Infinity): number {
    const heap = this.#heap;
    if (i >= heap.length || heap[i]!.at > limit) return latest;
    if (heap[i]!.at > latest) latest = heap[i]!.at;
    latest = this.#batchEnd(limit, 2 * i + 1, latest);
    return this.#batchEnd(limit, 2 * i + 2, latest);
  }

  #arm(at: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#fire, Math.max(0, Math.ceil(at - this.#now())));
    this.#refed = true;
    this.#armings++;
  }

  /** Ref or unref the timer; one without those methods is cleared instead of unref'd. */
  #ref(on: boolean): void {
    const timer = this.#timer as { ref?: () => void; unref?: () => void } | null;
    if (timer === null) return;
    if (on) timer.ref?.();
    else if (timer.unref !== undefined) timer.unref();
    else {
      clearTimeout(this.#timer!);
      this.#timer = null;
      this.#timerAt = Infinity;
    }
    this.#refed = on;
  }

  #run(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    this.#refed = false;
    const heap = this.#heap;
    const now = this.#now();
    // One at a time, so that a callback can still cancel a later deadline due with it (as
    // clearTimeout can); deadlines made meanwhile wait for the next turn.
    const last = this.#seq;
    let failure: { error: unknown } | null = null;
    this.#running = true;
    while (heap.length > 0 && heap[0]!.at <= now && heap[0]!.seq < last) {
      const entry = heap[0]!;
      removeAt(heap, 0);
      const fn = entry.fn!;
      entry.fn = null;
      try {
        fn();
      } catch (error) {
        failure ??= { error };
      }
    }
    this.#running = false;
    if (heap.length > 0) this.#arm(this.#batchEnd(heap[0]!.at + this.#slack));
    if (failure !== null) throw failure.error;
  }
}

/** The process's deadlines (request timeouts: nearly all cancelled before they fire). */
export const DEADLINES: DeadlineQueue = new DeadlineQueue();

/**
 * How late a poll's deadline may fire, ms: polls due within this of the first one due start on
 * one timer, at the last one's due time.
 */
export const SCHEDULE_SLACK_MS = 5;

/**
 * The deadlines of the runtime's polls (their due times, the error snapshots of polls not
 * made): nearly all of them fire, and with a thousand polls a second a timer each was ~1.3 KB
 * of garbage per poll; here polls due within {@linkcode SCHEDULE_SLACK_MS} of each other share
 * one.
 */
export const SCHEDULES: DeadlineQueue = new DeadlineQueue(undefined, SCHEDULE_SLACK_MS);

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function place(heap: Entry[], i: number, entry: Entry): void {
  heap[i] = entry;
  entry.index = i;
}

function insert(heap: Entry[], entry: Entry): void {
  heap.push(entry);
  siftUp(heap, heap.length - 1, entry);
}

function removeAt(heap: Entry[], i: number): void {
  const removed = heap[i]!;
  removed.index = -1;
  const last = heap.pop()!;
  if (i === heap.length) return;
  // The last entry fills the hole, then moves up or down to its place.
  if (i > 0 && before(last, heap[(i - 1) >> 1]!)) siftUp(heap, i, last);
  else siftDown(heap, i, last);
}

function siftUp(heap: Entry[], i: number, entry: Entry): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(entry, heap[parent]!)) break;
    place(heap, i, heap[parent]!);
    i = parent;
  }
  place(heap, i, entry);
}

function siftDown(heap: Entry[], i: number, entry: Entry): void {
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
    if (!before(heap[child]!, entry)) break;
    place(heap, i, heap[child]!);
    i = child;
  }
  place(heap, i, entry);
}
