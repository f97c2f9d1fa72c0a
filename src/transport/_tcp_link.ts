// The connection a TcpStreamTransport shares with every other transport to the same station:
// one socket, one queue, pacing between requests, correlation ids, reconnection with backoff.
import { TransportError } from "../errors/errors.ts";
import { backoffDelay, type ReconnectPolicy } from "./reconnect_policy.ts";
import type { ReplyMatcher, TransportState, TransportStateChange } from "./types.ts";
import type { StreamFraming } from "./stream_framing.ts";

/** Settings of a link, taken from the first transport that opens it. */
export interface LinkSettings {
  readonly host: string;
  readonly port: number;
  readonly framing: StreamFraming;
  readonly pacingMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnect: ReconnectPolicy;
  readonly random: () => number;
}

/** What a link tells the transports that hold it. */
export interface LinkHolder {
  onFrame(frame: Uint8Array): void;
  onState(change: TransportStateChange): void;
}

interface Job {
  readonly holder: LinkHolder;
  readonly payload: Uint8Array;
  readonly isReply: ReplyMatcher;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (frame: Uint8Array) => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
  /** Set while the job is on the wire: clears its timer, lets the queue move on. */
  finish?: () => void;
}

interface InFlight {
  readonly job: Job;
  readonly id: number;
}

const LINKS = new Map<string, TcpLink>();

/** The link to `host:port`, created on first use; the caller must `release` it. */
export function acquireLink(settings: LinkSettings, holder: LinkHolder): TcpLink {
  const key = `${settings.framing.name}://${settings.host}:${settings.port}`;
  let link = LINKS.get(key);
  if (link === undefined || link.isClosed) {
    link = new TcpLink(key, settings);
    LINKS.set(key, link);
  }
  link.hold(holder);
  return link;
}

export class TcpLink {
  readonly key: string;
  #settings: LinkSettings;
  #holders = new Set<LinkHolder>();
  #state: TransportState = "idle";
  #conn: Deno.TcpConn | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryAt = 0;
  #attempt = 0;
  #queue: Job[] = [];
  #pumping = false;
  #inFlight: InFlight | undefined;
  #nextId = 1;
  #lastSettledAt = -Infinity;
  #buffer = new Uint8Array(0);
  #closed = false;
  #sleepers = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();

  constructor(key: string, settings: LinkSettings) {
    this.key = key;
    this.#settings = settings;
  }

  get state(): TransportState {
    return this.#state;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  get settings(): LinkSettings {
    return this.#settings;
  }

  hold(holder: LinkHolder): void {
    this.#holders.add(holder);
  }

  /** Drops a holder; the last one closes the link. Its queued requests fail `TRANSPORT_CLOSED`. */
  release(holder: LinkHolder): void {
    if (!this.#holders.delete(holder)) return;
    const closed = new TransportError(
      "TRANSPORT_CLOSED",
      "Cannot finish the request: the transport is closed",
    );
    for (const job of this.#queue.filter((j) => j.holder === holder)) this.#settle(job, closed);
    this.#queue = this.#queue.filter((j) => j.holder !== holder);
    if (this.#inFlight?.job.holder === holder) this.#settle(this.#inFlight.job, closed);
    if (this.#holders.size === 0) this.#close();
  }

  /**
   * Resolves when connected. Never opens sockets faster than the backoff allows: while a
   * retry is scheduled, waits for it instead of dialling again.
   */
  connect(signal?: AbortSignal): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new TransportError("TRANSPORT_CLOSED", "Cannot connect: the transport is closed"),
      );
    }
    if (this.#state === "connected") return Promise.resolve();
    if (this.#connecting === undefined) {
      const wait = Math.max(0, this.#retryAt - Date.now());
      if (this.#retryTimer !== undefined) {
        clearTimeout(this.#retryTimer);
        this.#retryTimer = undefined;
      }
      this.#connecting = this.#dial(wait).finally(() => {
        this.#connecting = undefined;
      });
    }
    return abortable(this.#connecting, signal);
  }

  request(
    holder: LinkHolder,
    payload: Uint8Array,
    isReply: ReplyMatcher,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      if (signal?.aborted) {
        reject(aborted());
        return;
      }
      const job: Job = {
        holder,
        payload,
        isReply,
        timeoutMs,
        signal,
        resolve,
        reject,
        settled: false,
      };
      const ready = this.#readyError();
      if (ready !== null) {
        reject(ready);
        return;
      }
      signal?.addEventListener("abort", () => {
        this.#queue = this.#queue.filter((j) => j !== job);
        this.#settle(job, aborted());
      }, { once: true });
      this.#queue.push(job);
      void this.#pump();
    });
  }

  #readyError(): TransportError | null {
    if (this.#closed) {
      return new TransportError(
        "TRANSPORT_CLOSED",
        "Cannot send a request: the transport is closed",
      );
    }
    if (this.#state !== "connected") {
      return new TransportError(
        "TRANSPORT_DISCONNECTED",
        `Cannot send a request: the connection to ${this.#where()} is ${this.#state}`,
      );
    }
    return null;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        const job = this.#queue[0]!;
        const wait = this.#lastSettledAt + this.#settings.pacingMs - Date.now();
        if (wait > 0) await this.#sleep(wait);
        if (this.#queue[0] !== job) continue; // aborted or released while pacing
        this.#queue.shift();
        if (job.settled) continue;
        const ready = this.#readyError();
        if (ready !== null) {
          this.#settle(job, ready);
          continue;
        }
        await this.#send(job);
        this.#lastSettledAt = Date.now();
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** A delay that `#close` cuts short. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.#sleepers.delete(sleeper);
          resolve();
        }, ms),
        resolve,
      };
      this.#sleepers.add(sleeper);
    });
  }

  #send(job: Job): Promise<void> {
    const { framing } = this.#settings;
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) % framing.idSpace;
    const frame = job.payload.slice();
    framing.setCorrelationId(frame, id);
    return new Promise<void>((done) => {
      const timer = setTimeout(() => {
        if (job.settled) return;
        this.#settle(
          job,
          new TransportError(
            "TRANSPORT_TIMEOUT",
            `No reply from ${this.#where()} within ${job.timeoutMs} ms (the link stays up)`,
          ),
        );
        // Bytes of a reply cut short would put the stream out of step: start afresh.
        if (this.#buffer.length > 0) this.#drop("a partial frame was left after a timeout");
      }, job.timeoutMs);
      job.finish = () => {
        clearTimeout(timer);
        if (this.#inFlight?.job === job) this.#inFlight = undefined;
        done();
      };
      this.#inFlight = { job, id };
      const conn = this.#conn;
      if (conn === undefined) {
        this.#settle(job, this.#readyError() ?? aborted());
        return;
      }
      writeAll(conn, frame).catch((error) => {
        this.#drop(`write failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
  }

  #settle(job: Job, result: Uint8Array | Error): void {
    if (job.settled) return;
    job.settled = true;
    job.finish?.();
    if (result instanceof Uint8Array) job.resolve(result);
    else job.reject(result);
  }

  async #dial(waitMs: number): Promise<void> {
    const { host, port, connectTimeoutMs } = this.#settings;
    if (waitMs > 0) await this.#sleep(waitMs);
    if (this.#closed) {
      throw new TransportError("TRANSPORT_CLOSED", "Cannot connect: the transport is closed");
    }
    this.#setState(
      this.#attempt > 0 ? "reconnecting" : "connecting",
      undefined,
      this.#attempt > 0 ? this.#attempt : undefined,
    );
    let conn: Deno.TcpConn;
    try {
      conn = await withTimeout(Deno.connect({ hostname: host, port }), connectTimeoutMs);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#scheduleRetry(`connect failed: ${reason}`);
      throw new TransportError(
        "TRANSPORT_CONNECT_FAILED",
        `Cannot connect to ${this.#where()}: ${reason}`,
        { cause: error },
      );
    }
    if (this.#closed) {
      conn.close();
      throw new TransportError("TRANSPORT_CLOSED", "Cannot connect: the transport is closed");
    }
    conn.setNoDelay(true);
    this.#conn = conn;
    this.#buffer = new Uint8Array(0);
    this.#setState("connected");
    void this.#readLoop(conn);
  }

  async #readLoop(conn: Deno.TcpConn): Promise<void> {
    const chunk = new Uint8Array(4096);
    let reason = "closed by the station";
    try {
      while (true) {
        const n = await conn.read(chunk);
        if (n === null) break;
        if (!this.#onBytes(chunk.subarray(0, n))) {
          reason = "received bytes that are not a frame";
          break;
        }
      }
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    if (this.#conn === conn) this.#drop(reason);
  }

  /** Splits bytes into frames; false when the stream cannot be framed. */
  #onBytes(bytes: Uint8Array): boolean {
    const buffer = new Uint8Array(this.#buffer.length + bytes.length);
    buffer.set(this.#buffer);
    buffer.set(bytes, this.#buffer.length);
    let at = 0;
    while (at < buffer.length) {
      const length = this.#settings.framing.frameLength(buffer.subarray(at));
      if (length < 0) return false;
      if (length === 0) break;
      this.#onFrame(buffer.slice(at, at + length));
      at += length;
    }
    this.#buffer = buffer.slice(at);
    return true;
  }

  #onFrame(frame: Uint8Array): void {
    const inFlight = this.#inFlight;
    if (
      inFlight !== undefined && !inFlight.job.settled &&
      this.#settings.framing.correlationId(frame) === inFlight.id && safeMatch(inFlight.job, frame)
    ) {
      this.#attempt = 0; // the station answers: the next loss starts the backoff afresh
      this.#settle(inFlight.job, frame);
      return;
    }
    for (const holder of this.#holders) holder.onFrame(frame);
  }

  #drop(reason: string): void {
    const conn = this.#conn;
    this.#conn = undefined;
    this.#buffer = new Uint8Array(0);
    if (conn !== undefined) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    if (this.#inFlight !== undefined) {
      this.#settle(
        this.#inFlight.job,
        new TransportError(
          "TRANSPORT_DISCONNECTED",
          `Lost the connection to ${this.#where()}: ${reason}`,
        ),
      );
    }
    if (this.#closed) return;
    this.#scheduleRetry(reason);
  }

  #scheduleRetry(reason: string): void {
    // Reset only by a reply, not by a connection: a station that accepts and drops at once
    // still sees the delays grow.
    this.#attempt++;
    const delay = backoffDelay(this.#settings.reconnect, this.#attempt, this.#settings.random);
    this.#retryAt = Date.now() + delay;
    this.#setState("offline", reason, undefined, delay);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#closed || this.#connecting !== undefined || this.#state === "connected") return;
      this.#connecting = this.#dial(0).finally(() => {
        this.#connecting = undefined;
      });
      this.#connecting.catch(() => {/* the next retry is scheduled */});
    }, delay);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    LINKS.delete(this.key);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    for (const sleeper of this.#sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.resolve();
    }
    this.#sleepers.clear();
    const closed = new TransportError(
      "TRANSPORT_CLOSED",
      "Cannot finish the request: the transport is closed",
    );
    for (const job of this.#queue) this.#settle(job, closed);
    this.#queue = [];
    if (this.#inFlight !== undefined) this.#settle(this.#inFlight.job, closed);
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn !== undefined) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    this.#setState("closed");
  }

  #setState(state: TransportState, reason?: string, attempt?: number, retryInMs?: number): void {
    const previous = this.#state;
    if (previous === state && state !== "reconnecting") return;
    this.#state = state;
    const change: TransportStateChange = {
      state,
      previous,
      ...(reason === undefined ? {} : { reason }),
      ...(attempt === undefined ? {} : { attempt }),
      ...(retryInMs === undefined ? {} : { retryInMs }),
    };
    for (const holder of [...this.#holders]) holder.onState(change);
  }

  #where(): string {
    return `${this.#settings.host}:${this.#settings.port}`;
  }
}

function safeMatch(job: Job, frame: Uint8Array): boolean {
  try {
    return job.isReply(frame);
  } catch {
    return false;
  }
}

async function writeAll(conn: Deno.TcpConn, frame: Uint8Array): Promise<void> {
  let at = 0;
  while (at < frame.length) at += await conn.write(frame.subarray(at));
}

function aborted(): TransportError {
  return new TransportError("TRANSPORT_ABORTED", "The request was aborted");
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function withTimeout<T extends Deno.Conn>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error(`no connection within ${ms} ms`));
    }, ms);
    promise.then((conn) => {
      clearTimeout(timer);
      if (late) conn.close();
      else resolve(conn);
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
