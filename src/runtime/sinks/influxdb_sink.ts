import type { Sink, Snapshot } from "../types.ts";
import { snapshotLine } from "./_line_protocol.ts";
import type { OutputDevice } from "./output_device.ts";
import { linkedSignal } from "../../_shared/linked_signal.ts";

/**
 * Options of an {@linkcode InfluxDbSink}: `database` for InfluxDB 1.x (`POST /write`), or
 * `org`, `bucket` and `token` for 2.x (`POST /api/v2/write`; InfluxDB 3 accepts it too).
 *
 * @example
 * ```ts
 * import type { InfluxDbSinkOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const v1: InfluxDbSinkOptions = { url: "http://127.0.0.1:8086", database: "power" };
 * const v2: InfluxDbSinkOptions = { url: "http://127.0.0.1:8086", org: "home", bucket: "power", token: "t" };
 * assert.equal(v1.database, "power");
 * assert.equal(v2.bucket, "power");
 * ```
 */
export interface InfluxDbSinkOptions {
  /** InfluxDB's base URL (`http://127.0.0.1:8086`). */
  readonly url: string;
  /** v1: the database. */
  readonly database?: string;
  /** v1: the retention policy. @default {the database's default} */
  readonly retentionPolicy?: string;
  /** v1: user name (HTTP Basic auth). */
  readonly username?: string;
  /** v1: password; never logged. */
  readonly password?: string;
  /** v2: the organization. */
  readonly org?: string;
  /** v2: the bucket. */
  readonly bucket?: string;
  /** v2: an API token with write permission; never logged. */
  readonly token?: string;
  /** Lines per request. @default {5000} */
  readonly batchSize?: number;
  /** Longest wait before a batch that is not full is written, ms. @default {5000} */
  readonly flushIntervalMs?: number;
  /** Lines kept while InfluxDB cannot take them; beyond, the oldest are dropped. @default {100000} */
  readonly maxBuffer?: number;
  /** First retry wait, ms; doubles per failure, with full jitter. @default {1000} */
  readonly retryInitialDelayMs?: number;
  /** Longest retry wait, ms. @default {60000} */
  readonly retryMaxDelayMs?: number;
  /** Time allowed for one request, ms. @default {10000} */
  readonly requestTimeoutMs?: number;
  /** The devices writing to the sink: serial and model become tags. @default {[]} */
  readonly devices?: readonly OutputDevice[];
  /** Called when a batch failed (`retrying` true when it will be tried again). */
  readonly onError?: (error: Error, retrying: boolean) => void;
  /** Random source for the jitter. @default {Math.random} */
  readonly random?: () => number;
}

/**
 * The counters of an {@linkcode InfluxDbSink}.
 *
 * @example
 * ```ts
 * import type { InfluxDbSinkCounters } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const c: InfluxDbSinkCounters = { buffered: 0, written: 10, batches: 1, dropped: 0, rejected: 0, retries: 0 };
 * assert.equal(c.written, 10);
 * ```
 */
export interface InfluxDbSinkCounters {
  /** Lines waiting. */
  readonly buffered: number;
  /** Lines InfluxDB took. */
  readonly written: number;
  /** Requests that succeeded. */
  readonly batches: number;
  /** Lines dropped because the buffer was full (or left at close). */
  readonly dropped: number;
  /** Lines InfluxDB refused (400, 401, 403, 404, 422, a single line too large). */
  readonly rejected: number;
  /** Failed requests that were retried. */
  readonly retries: number;
}

class InfluxWriteError extends Error {
  readonly retryable: boolean;
  readonly status: number | null;
  readonly retryAfterMs: number | null;
  constructor(
    message: string,
    status: number | null,
    retryable: boolean,
    retryAfterMs: number | null,
  ) {
    super(message);
    this.name = "InfluxWriteError";
    this.status = status;
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}

function positive(name: string, key: string, value: number, integer: boolean): number {
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `Cannot create InfluxDB sink '${name}' as '${key}' must be a positive ${
        integer ? "integer" : "number"
      }: current value is ${value}`,
    );
  }
  return value;
}

/**
 * A sink that writes InfluxDB line protocol over HTTP: one point per snapshot, measurement =
 * the group (`core`, `battery`), tags `device`, `model`, `serial`, one float field per numeric
 * field (`<block>_<field>`, such as `app_home_data_soc`; always floats, so a value never changes
 * a field's type), the poll's time in ms (`precision=ms`: a retry rewrites the same point).
 *
 * Lines are buffered and written in batches of `batchSize`, or after `flushIntervalMs`.
 * Network errors, 429 and 5xx are retried with exponential backoff and full jitter (honouring
 * `Retry-After`); a 413 splits the batch; other refusals drop the batch (counted as
 * `rejected`, reported to `onError`). While InfluxDB is away the buffer holds `maxBuffer`
 * lines; beyond, the oldest are dropped and counted. `write` never waits for InfluxDB.
 *
 * @example Write to a v2 endpoint (here a stand-in server)
 * ```ts
 * import { InfluxDbSink, type Snapshot } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const bodies: string[] = [];
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
 *   bodies.push(await request.text());
 *   return new Response(null, { status: 204 });
 * });
 * const sink = new InfluxDbSink("influx", {
 *   url: `http://127.0.0.1:${server.addr.port}`, org: "home", bucket: "power", token: "secret",
 * });
 * const snapshot: Snapshot = {
 *   deviceId: "garage", profile: "EL100V2", mode: "pull", group: "core",
 *   at: "2026-11-27T05:00:00.000Z", ok: true, errors: [],
 *   blocks: [{ blockId: 100, name: "APP_HOME_DATA", values: { soc: 55 }, units: { soc: "%" }, warnings: [] }],
 *   metrics: {
 *     ok: 1, errors: 0, consecutiveErrors: 0, lastSuccess: null, reconnects: 0,
 *     droppedSnapshots: 0, lastLatencyMs: 120, lastLatenessMs: 0,
 *   },
 * };
 * await sink.write(snapshot);
 * await sink.flush();
 * await sink.close();
 * assert.deepEqual(bodies, ["core,device=garage,model=EL100V2 app_home_data_soc=55 1795755600000\n"]);
 * ```
 */
export class InfluxDbSink implements Sink {
  /** The sink's name. */
  readonly name: string;
  readonly #endpoint: URL;
  readonly #headers: Record<string, string>;
  readonly #devices: ReadonlyMap<string, OutputDevice>;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxBuffer: number;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #timeoutMs: number;
  readonly #onError: ((error: Error, retrying: boolean) => void) | undefined;
  readonly #random: () => number;
  #buffer: string[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #sending: Promise<void> | null = null;
  #failures = 0;
  #retryAt = 0;
  #closed = false;
  #flushing = 0;
  #abort = new AbortController();
  #written = 0;
  #batches = 0;
  #dropped = 0;
  #rejected = 0;
  #retries = 0;

  /**
   * Make the sink; nothing is sent before the first batch.
   *
   * @param name The sink's name.
   * @param options URL, v1 or v2 settings, batching and retry.
   * @throws {TypeError} for a URL that is not http(s), or neither/both of v1 and v2 settings.
   * @throws {RangeError} for a batch size, interval, buffer or delay that is not positive.
   */
  constructor(name: string, options: InfluxDbSinkOptions) {
    this.name = name;
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new TypeError(
        `Cannot create InfluxDB sink '${name}' as 'url' must be an http:// or https:// URL: current value is not a URL`,
      );
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new TypeError(
        `Cannot create InfluxDB sink '${name}' as 'url' must be an http:// or https:// URL: current scheme is ${base.protocol}`,
      );
    }
    const v2 = options.org !== undefined || options.bucket !== undefined ||
      options.token !== undefined;
    if (v2 === (options.database !== undefined)) {
      throw new TypeError(
        `Cannot create InfluxDB sink '${name}' as it needs either 'database' (v1) or 'org', 'bucket' and 'token' (v2)`,
      );
    }
    const root = base.href.endsWith("/") ? base.href : `${base.href}/`;
    this.#headers = { "content-type": "text/plain; charset=utf-8" };
    if (v2) {
      if (!options.org || !options.bucket || !options.token) {
        throw new TypeError(
          `Cannot create InfluxDB sink '${name}' as a v2 sink needs 'org', 'bucket' and 'token'`,
        );
      }
      this.#endpoint = new URL("api/v2/write", root);
      this.#endpoint.searchParams.set("org", options.org);
      this.#endpoint.searchParams.set("bucket", options.bucket);
      this.#headers.authorization = `Token ${options.token}`;
    } else {
      this.#endpoint = new URL("write", root);
      this.#endpoint.searchParams.set("db", options.database!);
      if (options.retentionPolicy) this.#endpoint.searchParams.set("rp", options.retentionPolicy);
      if (options.username !== undefined || options.password !== undefined) {
        const pair = `${options.username ?? ""}:${options.password ?? ""}`;
        const bytes = new TextEncoder().encode(pair);
        this.#headers.authorization = `Basic ${btoa(String.fromCharCode(...bytes))}`;
      }
    }
    this.#endpoint.searchParams.set("precision", "ms");
    this.#devices = new Map((options.devices ?? []).map((d) => [d.id, d]));
    this.#batchSize = positive(name, "batchSize", options.batchSize ?? 5_000, true);
    this.#flushIntervalMs = positive(
      name,
      "flushIntervalMs",
      options.flushIntervalMs ?? 5_000,
      false,
    );
    this.#maxBuffer = positive(name, "maxBuffer", options.maxBuffer ?? 100_000, true);
    this.#initialDelayMs = positive(
      name,
      "retryInitialDelayMs",
      options.retryInitialDelayMs ?? 1_000,
      false,
    );
    this.#maxDelayMs = positive(name, "retryMaxDelayMs", options.retryMaxDelayMs ?? 60_000, false);
    this.#timeoutMs = positive(name, "requestTimeoutMs", options.requestTimeoutMs ?? 10_000, false);
    this.#onError = options.onError;
    this.#random = options.random ?? Math.random;
  }

  /** The write endpoint, without credentials (they travel in a header). */
  get endpoint(): string {
    return this.#endpoint.href;
  }

  /** The counters, as of now. */
  get counters(): InfluxDbSinkCounters {
    return {
      buffered: this.#buffer.length,
      written: this.#written,
      batches: this.#batches,
      dropped: this.#dropped,
      rejected: this.#rejected,
      retries: this.#retries,
    };
  }

  /**
   * Buffer a snapshot's point (a failed poll without values adds none). Returns at once: the
   * batch is written in the background.
   *
   * @param snapshot The snapshot.
   * @returns A resolved promise.
   * @throws {Error} (as a rejection) after close.
   */
  write(snapshot: Snapshot): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot write to InfluxDB sink '${this.name}': closed`));
    }
    const device = this.#devices.get(snapshot.deviceId);
    const line = snapshotLine(snapshot, {
      serial: device?.serial ?? "",
      model: device?.model ?? snapshot.profile,
    });
    if (line === null) return Promise.resolve();
    if (this.#buffer.length >= this.#maxBuffer) {
      this.#buffer.shift();
      this.#dropped++;
    }
    this.#buffer.push(line);
    if (this.#buffer.length >= this.#batchSize) this.#kick(0);
    else if (this.#timer === null && this.#sending === null) this.#kick(this.#flushIntervalMs);
    return Promise.resolve();
  }

  /**
   * Write everything buffered now (one try per batch, no backoff wait).
   *
   * @returns A promise that resolves once the buffer is empty.
   * @throws {Error} (as a rejection) when a batch could not be written; its lines stay
   * buffered when the failure can be retried.
   */
  async flush(): Promise<void> {
    this.#flushing++;
    try {
      while (this.#sending) await this.#sending;
      this.#clearTimer();
      while (this.#buffer.length > 0) await this.#sendBatch(true);
    } finally {
      this.#flushing--;
      if (this.#buffer.length > 0) this.#kick(this.#flushIntervalMs);
    }
  }

  /**
   * Write what is buffered (one try), then stop; lines that could not be written are dropped
   * and counted.
   *
   * @returns A promise that resolves once closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } catch {
      // Counted below as dropped.
    } finally {
      this.#closed = true;
      this.#clearTimer();
      this.#abort.abort();
      this.#dropped += this.#buffer.length;
      this.#buffer = [];
    }
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #kick(delayMs: number): void {
    if (this.#closed || this.#sending !== null || this.#flushing > 0) return;
    const wait = Math.max(delayMs, this.#retryAt - Date.now());
    if (this.#timer !== null) {
      if (wait > 0) return;
      this.#clearTimer();
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#flushing > 0) return;
      this.#sending = this.#sendBatch(false).catch(() => {}).finally(() => {
        this.#sending = null;
        if (this.#buffer.length >= this.#batchSize) this.#kick(0);
        else if (this.#buffer.length > 0) this.#kick(this.#flushIntervalMs);
      });
    }, wait);
  }

  async #sendBatch(once: boolean): Promise<void> {
    let count = Math.min(this.#batchSize, this.#buffer.length);
    while (count > 0) {
      const lines = this.#buffer.slice(0, count);
      try {
        await this.#post(lines);
        this.#buffer.splice(0, count);
        this.#written += count;
        this.#batches++;
        this.#failures = 0;
        this.#retryAt = 0;
        return;
      } catch (error) {
        const e = error instanceof InfluxWriteError
          ? error
          : new InfluxWriteError(String(error), null, true, null);
        if (e.status === 413 && count > 1) {
          count = Math.ceil(count / 2);
          continue;
        }
        if (!e.retryable) {
          this.#buffer.splice(0, count);
          this.#rejected += count;
          this.#report(e, false);
          if (once) throw e;
          return;
        }
        this.#failures++;
        this.#retries++;
        const ceiling = Math.min(
          this.#maxDelayMs,
          this.#initialDelayMs * 2 ** (this.#failures - 1),
        );
        const delay = Math.max(e.retryAfterMs ?? 0, this.#random() * ceiling);
        this.#retryAt = Date.now() + delay;
        this.#report(e, true);
        throw e;
      }
    }
  }

  #report(error: Error, retrying: boolean): void {
    try {
      this.#onError?.(error, retrying);
    } catch {
      // A failing reporter must not stop the sink.
    }
  }

  async #post(lines: readonly string[]): Promise<void> {
    // Joined for this request only and detached after it (AbortSignal.any would leave one signal
    // behind in the sink's long-lived signal per batch, for as long as the sink runs).
    const linked = linkedSignal(this.#abort.signal, AbortSignal.timeout(this.#timeoutMs));
    try {
      return await this.#postWith(lines, linked.signal);
    } finally {
      linked.dispose();
    }
  }

  async #postWith(lines: readonly string[], signal: AbortSignal): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.#endpoint, {
        method: "POST",
        headers: this.#headers,
        body: lines.join("\n") + "\n",
        signal,
      });
    } catch (error) {
      throw new InfluxWriteError(
        `Cannot write ${lines.length} lines to InfluxDB at ${this.#endpoint.origin}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        null,
        true,
        null,
      );
    }
    if (response.status === 204 || response.status === 200) {
      await response.body?.cancel();
      return;
    }
    const body = (await response.text().catch(() => "")).slice(0, 300).trim();
    const retryAfter = Number(response.headers.get("retry-after"));
    const retryable = response.status === 429 || response.status >= 500;
    throw new InfluxWriteError(
      `InfluxDB at ${this.#endpoint.origin} refused ${lines.length} lines: HTTP ${response.status}${
        body ? `: ${body}` : ""
      }`,
      response.status,
      retryable,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
    );
  }
}
