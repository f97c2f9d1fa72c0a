/**
 * The MQTT transport: one station over an MQTT 3.1.1 broker (the BLUETTI cloud, mosquitto, the
 * embedded broker), on npm:mqtt. Requests go to `SUB/{sn}`, replies and pushes arrive on
 * `PUB/{sn}`; a reply is the first payload the request's matcher accepts, everything else is
 * unsolicited.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { IClientOptions, MqttClient } from "mqtt";
import { TransportError } from "../errors/errors.ts";
import type { ConnectSlots } from "./connect_limiter.ts";
import type { MqttConnectionPool } from "./mqtt_connection_pool.ts";
import { coreOf, type PoolLease } from "./_mqtt_pool_core.ts";
import { SHARED_CONNECTION_DEVICES } from "./_mqtt_share_default.ts";
import { backoffDelay, type ReconnectPolicy } from "./reconnect_policy.ts";
import { abortedError, RequestWindow } from "./_request_window.ts";
import { connectAndSubscribe, endMqttClient, randomClientSuffix } from "../_shared/mqtt_client.ts";
import { linkedSignal } from "../_shared/linked_signal.ts";
import { checkTopicValue, DEFAULT_TOPICS, fillTopic, type TopicTemplates } from "./topics.ts";
import type {
  ReplyMatcher,
  RequestOptions,
  Transport,
  TransportState,
  TransportStateChange,
  UnsolicitedFrame,
} from "./types.ts";

/** The client certificate and trust, in memory (what `loadTlsCredentials` returns). */
export interface TlsMaterial {
  /** Client certificate chain, PEM. */
  readonly cert: string;
  /** Client private key, PEM, unencrypted. */
  readonly key: string;
  /** Trusted CAs, PEM. */
  readonly ca?: readonly string[];
}

/** One log entry of a transport. Never holds payload bytes, passwords or keys. */
export interface TransportLogEntry {
  /** Severity. */
  readonly level: "debug" | "info" | "warn" | "error";
  /** What happened. */
  readonly message: string;
  /** The station's serial number. */
  readonly sn: string;
}

/** Receives log entries. */
export type TransportLogger = (entry: TransportLogEntry) => void;

/** Configuration of an {@linkcode MqttTransport}. */
export interface MqttConfig {
  /** Broker host (`iot.bluettipower.com`) or URL (`mqtts://localhost:8883`, `mqtt://...`). */
  readonly broker: string;
  /** Port, when `broker` is a host or a URL without one. @default {18760 for mqtts, 1883 for mqtt} */
  readonly port?: number;
  /** The station's serial number; it goes into the topics. */
  readonly deviceSn: string;
  /** The station's model, for `{model}` in topic templates. */
  readonly model?: string;
  /** Topic templates. @default {{ request: "SUB/{sn}", response: "PUB/{sn}" }} */
  readonly topics?: TopicTemplates;
  /** Client certificate, key and trusted CAs (from `loadTlsCredentials`). */
  readonly tls?: TlsMaterial;
  /** More trusted CAs for the broker's certificate, PEM. */
  readonly ca?: string | readonly string[];
  /** Host name to verify the broker's certificate against. @default {the broker host} */
  readonly servername?: string;
  /**
   * Allow `mqtt://` (no encryption) and skip verifying the broker's certificate. Off unless
   * asked for; logged as a warning on every connect.
   * @default {false}
   */
  readonly allowInsecure?: boolean;
  /** MQTT keepalive, seconds. @default {60} */
  readonly keepaliveSec?: number;
  /** Time allowed to connect (TCP, TLS, CONNACK, SUBACK), ms. @default {10000} */
  readonly connectTimeoutMs?: number;
  /** Time allowed for a reply, ms. @default {5000} */
  readonly requestTimeoutMs?: number;
  /** Reconnect after a lost connection; `false` to stay offline. @default {DEFAULT_RECONNECT_POLICY} */
  readonly reconnect?: ReconnectPolicy | false;
  /** Start of the client id; a random suffix makes each connection's id unique. @default {"power-sdk"} */
  readonly clientIdPrefix?: string;
  /** Log sink. @default {warnings and errors to console.warn} */
  readonly logger?: TransportLogger;
  /**
   * Shared by the transports of one process: bounds concurrent handshakes and spends a global
   * budget on reconnects (see {@linkcode ConnectLimiter}). The connect timeout starts once a
   * slot is granted. @default {none: connect at once}
   */
  readonly connectLimiter?: ConnectSlots;
  /**
   * Share one connection with the other transports of this pool that have the same broker,
   * identity (client certificate) and client options; replies are routed by this transport's
   * response topic (see {@linkcode MqttConnectionPool}). @default {none: a connection of its own}
   */
  readonly connectionPool?: MqttConnectionPool;
  /**
   * With a `connectionPool`: at most this many transports on one shared connection; the pool
   * opens another connection (same broker and identity) when every open one is full. Each
   * connection has the broker's own in-flight window and queue for the messages it delivers
   * (mosquitto: 20 unacknowledged QoS 1 messages, 1,000 queued), so one connection for
   * thousands of devices makes their replies wait in one line.
   * @default {DEFAULT_DEVICES_PER_CONNECTION}
   */
  readonly devicesPerConnection?: number;
}

/**
 * Transports on one shared connection at most (`MqttConfig.devicesPerConnection`), unless
 * configured otherwise.
 *
 * @example
 * ```ts
 * import { DEFAULT_DEVICES_PER_CONNECTION } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * assert.ok(DEFAULT_DEVICES_PER_CONNECTION >= 1);
 * ```
 */
export const DEFAULT_DEVICES_PER_CONNECTION: number = SHARED_CONNECTION_DEVICES;

/** How requests are published (npm:mqtt copies the options: one object serves every request). */
const PUBLISH_OPTIONS = Object.freeze({ qos: 1, retain: false } as const);

/** A connection that lasted less than this and was closed by the broker looks like a kick. */
const SHORT_SESSION_MS = 5_000;

function defaultLogger(entry: TransportLogEntry): void {
  if (entry.level === "warn" || entry.level === "error") {
    console.warn(`power-sdk [${entry.sn}] ${entry.level}: ${entry.message}`);
  }
}

/**
 * A transport to one station over MQTT. Requests are serialized (one in flight); a disconnect
 * fails the pending request at once; lost connections are re-made with backoff and jitter,
 * each with a new client id, and the response topic is subscribed again.
 *
 * @example Against a broker on this machine, with the simulated station
 * ```ts ignore
 * import { loadTlsCredentials, MqttTransport } from "@power-sdk/sdk";
 *
 * const tls = loadTlsCredentials({ pfx: await Deno.readFile("client.p12"), passphrase: "\u2026" });
 * await using transport = new MqttTransport({ broker: "mqtts://localhost:8883", deviceSn: "EL100V2123", tls });
 * await transport.connect();
 * const reply = await transport.request(requestPayload, (payload) => payload[0] === 1);
 * ```
 */
export class MqttTransport implements Transport {
  #url: URL;
  #config: MqttConfig;
  #requestTopic: string;
  #responseTopic: string;
  #log: TransportLogger;
  #state: TransportState = "idle";
  #client: MqttClient | null = null;
  #lease: PoolLease | null = null;
  #connecting: Promise<void> | null = null;
  #window = new RequestWindow();
  #unsolicited = new Set<(frame: UnsolicitedFrame) => void>();
  #stateListeners = new Set<(change: TransportStateChange) => void>();
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #attempt = 0;
  #kicks = 0;
  #closed = false;
  #lifetime = new AbortController();
  #timeoutText: { readonly ms: number; readonly text: string } | null = null;

  /**
   * Check the configuration; nothing connects until {@linkcode MqttTransport.connect}.
   *
   * @param config The configuration.
   * @throws {TransportError} `TRANSPORT_INVALID_ARGUMENT` for a bad serial, topic template,
   * broker URL, or `mqtt://` without `allowInsecure`.
   */
  constructor(config: MqttConfig) {
    this.#config = config;
    this.#log = config.logger ?? defaultLogger;
    checkTopicValue(config.deviceSn, "serial number");
    const values = { sn: config.deviceSn, model: config.model };
    const topics = { ...DEFAULT_TOPICS, ...config.topics };
    this.#requestTopic = fillTopic(topics.request, values);
    this.#responseTopic = fillTopic(topics.response, values);
    this.#url = brokerUrl(config);
    const perConnection = config.devicesPerConnection;
    if (
      perConnection !== undefined && (!Number.isInteger(perConnection) || perConnection < 1)
    ) {
      throw new TransportError(
        "TRANSPORT_INVALID_ARGUMENT",
        `Invalid devicesPerConnection ${perConnection}: must be an integer of at least 1`,
      );
    }
    if (this.#url.protocol === "mqtt:" && config.allowInsecure !== true) {
      throw new TransportError(
        "TRANSPORT_INVALID_ARGUMENT",
        `Refusing to connect to ${this.#url.href} without TLS: traffic and station data would be unencrypted; pass allowInsecure (--allow-insecure, allow_insecure: true) to opt in`,
      );
    }
  }

  /** The current state. */
  get state(): TransportState {
    return this.#state;
  }

  /** The broker URL (no credentials in it). */
  get url(): string {
    return this.#url.href;
  }

  /** The topic requests are published to. */
  get requestTopic(): string {
    return this.#requestTopic;
  }

  /** The topic replies arrive on. */
  get responseTopic(): string {
    return this.#responseTopic;
  }

  /**
   * Connect and subscribe to the response topic; resolves when requests can be sent.
   *
   * @param options An abort signal.
   * @throws {TransportError} `TRANSPORT_CONNECT_FAILED` with the reason (refused, broker
   * certificate not trusted, client certificate required or refused, timeout),
   * `TRANSPORT_ABORTED`, `TRANSPORT_CLOSED`.
   */
  connect(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closed) return Promise.reject(closedError("connect"));
    if (this.#state === "connected") return Promise.resolve();
    if (this.#connecting) return this.#connecting;
    this.#setState({ state: "connecting" });
    this.#connecting = this.#open(options.signal).then(
      () => {
        this.#connecting = null;
        this.#setState({ state: "connected" });
      },
      (error) => {
        this.#connecting = null;
        if (!this.#closed) this.#setState({ state: "idle", reason: error.message });
        throw error;
      },
    );
    return this.#connecting;
  }

  /**
   * Publish `payload` on the request topic and resolve with the first payload on the response
   * topic that `isReply` accepts. Retained messages are never replies.
   *
   * @param payload The request, framing included.
   * @param isReply Whether a payload answers it; must not throw (a throw counts as "no").
   * @param options Abort signal and timeout.
   * @returns The reply payload.
   * @throws {TransportError} `TRANSPORT_TIMEOUT`, `TRANSPORT_DISCONNECTED`,
   * `TRANSPORT_ABORTED`, `TRANSPORT_CLOSED`.
   */
  request(
    payload: Uint8Array,
    isReply: ReplyMatcher,
    options: RequestOptions = {},
  ): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(closedError("send a request"));
    const timeoutMs = options.timeoutMs ?? this.#config.requestTimeoutMs ?? 5_000;
    return this.#window.run(isReply, (fail) => {
      this.#client!.publish(
        this.#requestTopic,
        toBuffer(payload),
        PUBLISH_OPTIONS,
        (error) => {
          if (error) {
            fail(
              new TransportError(
                "TRANSPORT_DISCONNECTED",
                `Cannot publish to ${this.#requestTopic}: ${error.message}`,
                {
                  cause: error,
                },
              ),
            );
          }
        },
      );
    }, {
      signal: options.signal,
      timeoutMs,
      key: payload,
      timeoutMessage: this.#timeoutMessage(timeoutMs),
      ready: this.#ready,
    });
  }

  /** Whether a request can be sent now: null, or the error to fail it with. */
  #ready = (): TransportError | null => {
    if (this.#closed) return closedError("send a request");
    if (this.#state === "connected" && this.#client !== null) return null;
    return new TransportError(
      "TRANSPORT_DISCONNECTED",
      `Cannot send a request to ${this.#config.deviceSn}: not connected (state ${this.#state})`,
    );
  };

  /** What a timed-out request says; made once per timeout value, not per request. */
  #timeoutMessage(timeoutMs: number): string {
    if (this.#timeoutText?.ms !== timeoutMs) {
      this.#timeoutText = {
        ms: timeoutMs,
        text:
          `No reply from ${this.#config.deviceSn} on ${this.#responseTopic} within ${timeoutMs} ms`,
      };
    }
    return this.#timeoutText.text;
  }

  /**
   * Listen to payloads that were not replies (pushes, late replies, retained messages).
   *
   * @param listener Called for each; exceptions it throws are logged, not propagated.
   * @returns A function that removes the listener.
   */
  onUnsolicited(listener: (frame: UnsolicitedFrame) => void): () => void {
    this.#unsolicited.add(listener);
    return () => this.#unsolicited.delete(listener);
  }

  /**
   * Listen to state changes.
   *
   * @param listener Called for each change.
   * @returns A function that removes the listener.
   */
  onState(listener: (change: TransportStateChange) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Close for good: stop reconnecting, fail pending and queued requests, end the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lifetime.abort();
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#window.failAll(closedError("send a request"));
    const client = this.#client;
    const lease = this.#lease;
    this.#client = null;
    this.#lease = null;
    if (lease) await lease.leave();
    else if (client) await endMqttClient(client);
    this.#setState({ state: "closed" });
  }

  /** Same as {@linkcode MqttTransport.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #setState(change: Omit<TransportStateChange, "previous">): void {
    const previous = this.#state;
    if (previous === change.state && change.state !== "offline") return;
    this.#state = change.state;
    const full: TransportStateChange = { ...change, previous };
    for (const listener of this.#stateListeners) {
      try {
        listener(full);
      } catch (error) {
        this.#log({
          level: "error",
          sn: this.#config.deviceSn,
          message: `state listener threw: ${error}`,
        });
      }
    }
  }

  #open(signal: AbortSignal | undefined, reconnect = false): Promise<void> {
    const limiter = this.#config.connectLimiter;
    // Joining a shared connection that is already open makes no handshake: no slot needed.
    const pool = this.#config.connectionPool;
    const joining = pool !== undefined &&
      coreOf(pool).isOpen(this.#poolKey(), this.#devicesPerConnection());
    if (limiter === undefined || joining) return this.#handshake(signal);
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    const lifetime = this.#lifetime.signal;
    // Joined for this wait only (AbortSignal.any would keep one signal per connect attempt in
    // the transport's lifetime signal for as long as the transport lives).
    const linked = signal === undefined ? undefined : linkedSignal(signal, lifetime);
    const wait = linked?.signal ?? lifetime;
    return limiter.acquire({ signal: wait, reconnect }).finally(() => linked?.dispose()).then(
      async (release) => {
        let answered = true;
        try {
          if (this.#closed) throw closedError("connect");
          await this.#handshake(signal, limiter.timeoutFactor());
        } catch (error) {
          answered = !isTimeout(error);
          throw error;
        } finally {
          release(answered);
        }
      },
      (error) => {
        throw this.#closed ? closedError("connect") : error;
      },
    );
  }

  #handshake(signal: AbortSignal | undefined, timeoutFactor = 1): Promise<void> {
    const config = this.#config;
    const timeoutMs = Math.round((config.connectTimeoutMs ?? 10_000) * timeoutFactor);
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (config.allowInsecure === true) {
      this.#log({
        level: "warn",
        sn: config.deviceSn,
        message: this.#url.protocol === "mqtt:"
          ? `allow_insecure: connecting to ${this.#url.href} WITHOUT TLS; traffic is not encrypted`
          : `allow_insecure: the certificate of ${this.#url.host} is NOT verified`,
      });
    }
    const denied = netDenied(this.#url);
    if (denied) return Promise.reject(denied);
    const open = (topic: string) =>
      connectAndSubscribe({
        url: this.#url.href,
        client: this.#clientOptions(timeoutMs),
        topic,
        what: `Cannot connect to ${this.#url.href}`,
        signal,
        closeError: (lastError) => connectError(this.#url, lastError, config, timeoutMs),
      });
    const pool = config.connectionPool;
    if (pool === undefined) return open(this.#responseTopic).then((client) => this.#adopt(client));
    let connectedAt = Date.now();
    return coreOf(pool).join(this.#poolKey(), open, {
      topic: this.#responseTopic,
      onMessage: (topic, payload, retained) => this.#onMessage(topic, payload, retained),
      onClose: (lastError) => {
        if (this.#lease === null) return;
        this.#lease = null;
        this.#client = null;
        this.#onLost(lastError, connectedAt);
      },
    }, this.#devicesPerConnection()).then((lease) => {
      if (this.#closed) {
        void lease.leave();
        throw closedError("connect");
      }
      this.#lease = lease;
      this.#client = lease.client;
      this.#attempt = 0;
      connectedAt = Date.now();
    });
  }

  #devicesPerConnection(): number {
    return this.#config.devicesPerConnection ?? DEFAULT_DEVICES_PER_CONNECTION;
  }

  /** Who may share a connection: the broker, the identity and the client options. */
  #poolKey(): string {
    const c = this.#config;
    return JSON.stringify([
      this.#url.href,
      c.tls?.cert ?? null,
      c.tls?.key ?? null,
      [...(c.tls?.ca ?? []), ...toList(c.ca)],
      c.servername ?? null,
      c.allowInsecure === true,
      c.keepaliveSec ?? 60,
      c.clientIdPrefix ?? null,
      this.#devicesPerConnection(),
    ]);
  }

  #clientOptions(timeoutMs: number): IClientOptions {
    const config = this.#config;
    const suffix = randomClientSuffix(6);
    const ca = [...(config.tls?.ca ?? []), ...toList(config.ca)];
    const options: IClientOptions & Record<string, unknown> = {
      clientId: `${config.clientIdPrefix ?? "power-sdk"}_${config.deviceSn}_${suffix}`,
      protocolVersion: 4,
      clean: true,
      keepalive: config.keepaliveSec ?? 60,
      connectTimeout: timeoutMs,
      reconnectPeriod: 0,
      rejectUnauthorized: config.allowInsecure !== true,
      // mqtt-packet's default pre-builds 65,536 two-byte Buffers (one per packet id) for the
      // whole process on the first write: ~8 MB of heap for a few bytes per packet saved.
      writeCache: false,
      // npm:mqtt's default re-arms the keepalive timer on every packet sent or received: a new
      // timer (~1.6 KB of heap) several times per request. Without it a PINGREQ goes out every
      // keepalive interval even while requests flow (one small packet a minute per connection)
      // and a silent broker is still found within 1.5 keepalive intervals.
      reschedulePings: false,
    };
    if (config.tls) {
      options.cert = config.tls.cert;
      options.key = config.tls.key;
    }
    if (ca.length > 0) options.ca = ca;
    if (config.servername) options.servername = config.servername;
    return options;
  }

  #adopt(client: MqttClient): void {
    this.#client = client;
    this.#attempt = 0;
    const connectedAt = Date.now();
    let lastError: Error | null = null;
    client.on("error", (error) => {
      lastError = error;
    });
    client.on("message", (topic, message, packet) => {
      const payload = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      this.#onMessage(topic, payload, packet.retain);
    });
    client.on("close", () => {
      if (this.#client !== client) return;
      this.#client = null;
      void endMqttClient(client);
      this.#onLost(lastError, connectedAt);
    });
  }

  #onMessage(topic: string, payload: Uint8Array, retained: boolean): void {
    if (!retained && topic === this.#responseTopic && this.#window.offer(payload)) return;
    const frame: UnsolicitedFrame = { payload, topic, retained, receivedAt: Date.now() };
    for (const listener of this.#unsolicited) {
      try {
        listener(frame);
      } catch (error) {
        this.#log({
          level: "error",
          sn: this.#config.deviceSn,
          message: `unsolicited listener threw: ${error}`,
        });
      }
    }
  }

  /** The connection (own or shared) is gone: fail what waits, reconnect after a backoff. */
  #onLost(lastError: Error | null, connectedAt: number): void {
    const lived = Date.now() - connectedAt;
    const byPeer = lastError === null;
    this.#kicks = byPeer && lived < SHORT_SESSION_MS ? this.#kicks + 1 : 0;
    let reason = lastError
      ? `connection lost: ${lastError.message}`
      : "the broker closed the connection";
    if (this.#kicks >= 2) {
      reason +=
        "; this keeps happening right after connecting: another client using the same identity (certificate) is the likely cause (the cloud allows one session per identity)";
    }
    this.#window.failPending(
      new TransportError(
        "TRANSPORT_DISCONNECTED",
        `Lost the connection to ${this.#url.host} while waiting for a reply: ${reason}`,
      ),
    );
    this.#log({ level: "warn", sn: this.#config.deviceSn, message: reason });
    this.#scheduleReconnect(reason);
  }

  #scheduleReconnect(reason: string): void {
    if (this.#closed) return;
    const policy = this.#config.reconnect;
    if (policy === false) {
      this.#setState({ state: "offline", reason });
      return;
    }
    this.#attempt++;
    let delay = backoffDelay(policy ?? {}, this.#attempt);
    if (this.#kicks >= 2) delay = Math.max(delay, 45_000);
    this.#setState({ state: "offline", reason, retryInMs: delay });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#closed) return;
      this.#setState({ state: "reconnecting", attempt: this.#attempt });
      this.#open(undefined, true).then(
        () => {
          if (this.#closed) return;
          this.#setState({ state: "connected" });
        },
        (error: TransportError) => {
          if (this.#closed) return;
          this.#log({ level: "warn", sn: this.#config.deviceSn, message: error.message });
          this.#scheduleReconnect(error.message);
        },
      );
    }, delay);
  }
}

function brokerUrl(config: MqttConfig): URL {
  const text = config.broker.includes("://") ? config.broker : `mqtts://${config.broker}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TransportError(
      "TRANSPORT_INVALID_ARGUMENT",
      `Invalid broker '${config.broker}': not a host name or mqtt(s):// URL`,
    );
  }
  if (url.protocol !== "mqtt:" && url.protocol !== "mqtts:") {
    throw new TransportError(
      "TRANSPORT_INVALID_ARGUMENT",
      `Invalid broker '${config.broker}': the scheme must be mqtts:// or mqtt://, got ${url.protocol}//`,
    );
  }
  if (url.username || url.password) {
    throw new TransportError(
      "TRANSPORT_INVALID_ARGUMENT",
      "Invalid broker URL: credentials do not belong in the URL",
    );
  }
  if (!url.port) {
    const port = config.port ?? (url.protocol === "mqtts:" ? 18760 : 1883);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TransportError(
        "TRANSPORT_INVALID_ARGUMENT",
        `Invalid broker port ${port}: must be 1..65535`,
      );
    }
    url.port = String(port);
  }
  return url;
}

function connectError(
  url: URL,
  error: Error | null,
  config: MqttConfig,
  wait: number,
): TransportError {
  const code = (error as { code?: string } | null)?.code ?? "";
  const text = error?.message ?? "";
  let why: string;
  if (error === null) {
    why = url.protocol === "mqtts:" && config.tls
      ? `the broker closed the connection before accepting it (most likely it refused the client certificate: not signed by a CA it trusts, or revoked), or no answer came within ${wait} ms`
      : `the broker closed the connection before accepting it, or no answer came within ${wait} ms`;
  } else if (code === "ECONNREFUSED") why = `connection refused: nothing listens on ${url.host}`;
  else if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    why = `the host ${url.hostname} cannot be resolved`;
  } else if (/CERTIFICATE_REQUIRED|CertificateRequired/i.test(code + text)) {
    why =
      "the broker requires a client certificate and none was sent (give a certificate bundle: cert_file / --cert)";
  } else if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED/i.test(code)) {
    why =
      `the broker's certificate is not trusted (${text}): give the CA that signed it (ca_file / --ca)`;
  } else if (/ALTNAME|HOSTNAME|Hostname/i.test(code + text)) {
    why = `the broker's certificate does not name ${url.hostname} (${text})`;
  } else if (/CERT_HAS_EXPIRED/i.test(code)) why = `the broker's certificate has expired (${text})`;
  else if (
    /bad ?certificate|unknown ?ca|BadCertificate|UnknownCa|certificate unknown|CertificateUnknown|Expired/i
      .test(text)
  ) {
    why =
      `the broker refused the client certificate (${text}): is it signed by a CA the broker trusts, and still valid?`;
  } else if (/before secure TLS connection/i.test(text)) {
    why =
      `${text} (does ${url.host} speak TLS? For a plain MQTT port use mqtt:// with allow_insecure)`;
  } else why = text || code;
  // A plain MQTT client that reaches a TLS port gets a closed connection or TLS bytes it cannot
  // parse as MQTT: say so, as the opposite case above does.
  if (
    url.protocol === "mqtt:" &&
    (error === null || /Invalid header|packet|ECONNRESET/i.test(code + text))
  ) {
    why = `${why} (does ${url.host} expect TLS? Then use mqtts://)`;
  }
  return new TransportError(
    "TRANSPORT_CONNECT_FAILED",
    `Cannot connect to ${url.href}: ${why}`,
    error ? { cause: error } : undefined,
  );
}

/** npm:mqtt turns a refused net permission into a bare close: say what it is instead. */
function netDenied(url: URL): TransportError | null {
  const host = `${url.hostname.replace(/^\[|\]$/g, "")}:${url.port}`;
  const status = Deno.permissions.querySync({ name: "net", host });
  if (status.state !== "denied") return null;
  return new TransportError(
    "TRANSPORT_CONNECT_FAILED",
    `Cannot connect to ${url.href}: no permission to connect to ${host} (grant it, e.g. --allow-net=${url.hostname})`,
  );
}

/** A handshake that got no answer in time (the broker or this process is overloaded). */
function isTimeout(error: unknown): boolean {
  const message = error instanceof Error ? error.message : "";
  return /connack timeout|no answer came within|timed? ?out/i.test(message);
}

function closedError(what: string): TransportError {
  return new TransportError("TRANSPORT_CLOSED", `Cannot ${what}: the transport is closed`);
}

function toList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : [...value];
}

function toBuffer(payload: Uint8Array): Buffer {
  // npm:mqtt takes a Buffer: a view over the same bytes, no copy.
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}
