// The MQTT side of simulated stations, shared by SimulatedStation (one station, one topic) and
// FleetSimulator (many stations behind `SUB/+`): broker URL check, client options (TLS,
// MQTT 3.1.1, clean session), connect-then-subscribe, retained requests ignored, reconnects
// every second after a lost connection (subscribing again), a forced drop for `disconnect`
// faults, publishing at QoS 1 never retained, and a clean stop. Private to src/testing.
import { Buffer } from "node:buffer";
import type { IClientOptions, MqttClient } from "mqtt";
import { connectAndSubscribe, endMqttClient, randomClientSuffix } from "../_shared/mqtt_client.ts";

/** TLS material, PEM text in memory (see `SimulatedStationTlsOptions`). */
export interface HostTlsOptions {
  /** Client certificate chain, PEM. */
  readonly cert: string;
  /** Its private key, PEM, unencrypted. */
  readonly key: string;
  /** CAs trusted for the broker's certificate, PEM. */
  readonly ca?: string | readonly string[];
}

/** What a {@linkcode MqttStationHost} is built with. */
export interface MqttStationHostOptions {
  /** The broker URL, already checked (see {@linkcode checkBrokerUrl}). */
  readonly brokerUrl: string;
  /** Client certificate, key and CAs for `mqtts://`. */
  readonly tls?: HostTlsOptions | undefined;
  /** Start of the client id; a random suffix is added. */
  readonly clientIdPrefix: string;
  /** Give up connecting after this many milliseconds. @default {10000} */
  readonly connectTimeoutMs?: number | undefined;
  /** The topic or filter requests arrive on, or several (subscribed in one SUBSCRIBE). */
  readonly subscription: string | readonly string[];
  /** Start of connect error messages ("Cannot connect X to Y"). */
  readonly what: string;
  /** A request arrived (retained messages never get here). */
  readonly onMessage: (topic: string, payload: Uint8Array) => void;
  /** The connection was made again after it was lost or dropped. */
  readonly onReconnect?: () => void;
}

/** Delay between reconnect attempts after a lost connection. */
export const RECONNECT_MS = 1000;
/** Longest wait for a clean DISCONNECT on stop before the socket is simply closed. */
const STOP_GRACE_MS = 2000;

/** One MQTT connection that hosts simulated stations. */
export class MqttStationHost {
  #options: MqttStationHostOptions;
  #client: MqttClient | null = null;
  #connecting: MqttClient | null = null;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;
  #stopping: Promise<void> | null = null;
  #lastError: Error | null = null;

  /** @param options Broker, TLS, subscription, callbacks. */
  constructor(options: MqttStationHostOptions) {
    this.#options = options;
  }

  /** Whether the connection is up now. */
  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** Whether {@linkcode MqttStationHost.stop} was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The last error the client reported (a failed publish, a lost connection), or null. */
  get lastError(): Error | null {
    return this.#lastError;
  }

  /**
   * Connects and subscribes; resolves once requests can arrive.
   *
   * @param signal Cancels the attempt.
   * @throws {TransportError} `TRANSPORT_CONNECT_FAILED` or `TRANSPORT_ABORTED`.
   */
  async start(signal?: AbortSignal): Promise<void> {
    this.#adopt(await this.#connect(signal));
  }

  /**
   * Publishes at QoS 1, never retained, without waiting.
   *
   * @param topic The topic.
   * @param payload The payload.
   * @param onFailed Called when the publish fails.
   * @returns False when offline (the payload is lost), else true.
   */
  publish(topic: string, payload: Uint8Array, onFailed?: () => void): boolean {
    const client = this.#client;
    if (client === null || !client.connected) return false;
    client.publish(topic, toBuffer(payload), { qos: 1, retain: false }, (error) => {
      if (!error) return;
      this.#lastError = error;
      onFailed?.();
    });
    return true;
  }

  /**
   * Publishes at QoS 1 and resolves once the broker acknowledged it.
   *
   * @param topic The topic.
   * @param payload The payload.
   * @returns False when offline (nothing sent), else true once acknowledged.
   */
  async publishAsync(topic: string, payload: Uint8Array): Promise<boolean> {
    const client = this.#client;
    if (client === null || !client.connected) return false;
    await client.publishAsync(topic, toBuffer(payload), { qos: 1, retain: false });
    return true;
  }

  /**
   * Drops the connection without DISCONNECT and connects again after `downtimeMs`.
   *
   * @param downtimeMs How long to stay away.
   */
  drop(downtimeMs: number): void {
    const client = this.#client;
    this.#client = null;
    if (client !== null) void endMqttClient(client, true);
    this.#scheduleReconnect(downtimeMs);
  }

  /**
   * Stops: no reconnect, a clean DISCONNECT (the socket is closed after 2 s if the broker does
   * not answer). Safe to call twice.
   *
   * @returns Resolves once the connection is closed.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const connecting = this.#connecting;
    this.#connecting = null;
    if (connecting !== null) await endMqttClient(connecting, true);
    const client = this.#client;
    this.#client = null;
    if (client === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = await Promise.race([
      endMqttClient(client, false).then(() => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), STOP_GRACE_MS)),
    ]);
    clearTimeout(timer);
    if (late) await endMqttClient(client, true);
  }

  #clientOptions(): IClientOptions {
    const suffix = randomClientSuffix(4);
    const options: IClientOptions = {
      clientId: `${this.#options.clientIdPrefix}_${suffix}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      connectTimeout: this.#options.connectTimeoutMs ?? 10_000,
      // Reconnects are ours: a fault-induced drop must stay down for its downtime, and a new
      // connection subscribes before it is used.
      reconnectPeriod: 0,
    };
    const tls = this.#options.tls;
    if (tls !== undefined) {
      options.cert = tls.cert;
      options.key = tls.key;
      if (tls.ca !== undefined) options.ca = typeof tls.ca === "string" ? tls.ca : [...tls.ca];
      options.rejectUnauthorized = true;
    }
    return options;
  }

  #connect(signal?: AbortSignal): Promise<MqttClient> {
    return connectAndSubscribe({
      url: this.#options.brokerUrl,
      client: this.#clientOptions(),
      topic: this.#options.subscription,
      what: this.#options.what,
      signal,
      closeReason: () => (this.#stopped ? "it was stopped" : null),
      onClient: (client) => {
        this.#connecting = client;
      },
    });
  }

  /** Takes a connected client into service. */
  #adopt(client: MqttClient): void {
    this.#client = client;
    client.on("error", (error) => {
      this.#lastError = error;
    });
    client.on("message", (topic, message, packet) => {
      if (this.#client !== client || packet.retain) return;
      this.#options.onMessage(
        topic,
        new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
      );
    });
    client.on("close", () => {
      if (this.#client !== client || this.#stopped) return;
      // Lost without a fault: try again every second until stopped.
      this.#client = null;
      void endMqttClient(client, true);
      this.#scheduleReconnect(RECONNECT_MS);
    });
  }

  #scheduleReconnect(delayMs: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#stopped) return;
      this.#connect().then(
        (client) => {
          if (this.#stopped) {
            void endMqttClient(client, true);
            return;
          }
          this.#adopt(client);
          this.#options.onReconnect?.();
        },
        (error: Error) => {
          this.#lastError = error;
          this.#scheduleReconnect(RECONNECT_MS);
        },
      );
    }, delayMs);
    this.#timers.add(timer);
  }
}

/**
 * Checks a broker URL: `mqtt://` or `mqtts://`.
 *
 * @param brokerUrl The URL.
 * @param what Start of the error message.
 * @returns The URL.
 * @throws {TypeError} for anything else.
 */
export function checkBrokerUrl(brokerUrl: string, what: string): URL {
  let url: URL | null = null;
  try {
    url = new URL(brokerUrl);
  } catch {
    // reported below
  }
  if (url === null || (url.protocol !== "mqtt:" && url.protocol !== "mqtts:")) {
    throw new TypeError(`${what}${JSON.stringify(brokerUrl)}`);
  }
  return url;
}

function toBuffer(payload: Uint8Array): Buffer {
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}
