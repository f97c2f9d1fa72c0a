// The MQTT connection the `mqtt` and `homeassistant` sinks share: connect with a Last Will on
// `<base>/status`, reconnect on its own, publish the per-device state and availability, and
// tell the owner when it (re)connected or a subscribed message arrived. Private to
// src/runtime/sinks.
import mqtt from "mqtt";
import type { IClientOptions, MqttClient } from "mqtt";
import {
  endMqttClient,
  quietMqttLog,
  randomClientSuffix,
  setMqttNoDelay,
} from "../../_shared/mqtt_client.ts";
import { TransportError } from "../../errors/errors.ts";
import type { Snapshot } from "../types.ts";
import { groupOf, numericFields } from "./_fields.ts";
import type { OutputDevice } from "./output_device.ts";

/** Options of the shared MQTT output; see MqttSinkOptions for their documentation. */
export interface MqttOutputOptions {
  readonly broker: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  readonly ca?: readonly string[] | undefined;
  readonly allowInsecure?: boolean | undefined;
  readonly baseTopic?: string | undefined;
  readonly retain?: boolean | undefined;
  readonly qos?: 0 | 1 | 2 | undefined;
  readonly offlineAfter?: number | undefined;
  readonly devices?: readonly OutputDevice[] | undefined;
  readonly reconnectPeriodMs?: number | undefined;
}

export interface MqttOutputHooks {
  /** Topic filters to subscribe to after every connect. */
  readonly subscriptions?: readonly string[];
  /** Called after every (re)connect, once the runtime is announced online and subscribed. */
  readonly onConnect?: () => Promise<void>;
  /** A message on a subscribed topic. */
  readonly onMessage?: (topic: string, payload: Uint8Array, retained: boolean) => void;
}

/** The longest a publish waits for the first connection attempt to end, ms. */
const FIRST_CONNECT_WAIT_MS = 10_000;

// deno-lint-ignore no-control-regex
const TOPIC_LEVEL = /^[^+#/\u0000-\u001f]+$/;

function isNotAuthorized(error: Error | null): error is TransportError {
  return error instanceof TransportError && error.code === "TRANSPORT_NOT_AUTHORIZED";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The broker refused the CONNECT for its credentials (MQTT 3.1.1 CONNACK 4 "bad user name or
 * password", 5 "not authorized"): a TRANSPORT_NOT_AUTHORIZED error naming the broker and the
 * user, never the password. Null for any other error.
 */
export function notAuthorized(
  error: unknown,
  broker: string,
  sink: string,
  username: string | undefined,
): TransportError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 4 && code !== 5) return null;
  const who = username === undefined ? "without a username" : `as user '${username}'`;
  const why = code === 4 ? "bad username or password (CONNACK 4)" : "not authorized (CONNACK 5)";
  return new TransportError(
    "TRANSPORT_NOT_AUTHORIZED",
    `Cannot connect sink '${sink}' to ${
      safeUrl(broker)
    } ${who}: the broker refused the login: ${why}; check the sink's username and password`,
  );
}

/** The broker URL without credentials, for messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return "(invalid URL)";
  }
}

/** The JSON state of one snapshot: what `<base>/<device>/<group>` carries. */
export function statePayload(snapshot: Snapshot, device: OutputDevice | undefined) {
  const fields: Record<string, unknown> = {};
  const units: Record<string, string> = {};
  for (const block of snapshot.blocks) {
    if (block.suspect) continue;
    const prefix = block.name.toLowerCase().replace(/[^a-z0-9]+/g, "_");
    for (const [name, value] of Object.entries(block.values)) {
      if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) continue;
      const key = `${prefix}_${name.toLowerCase().replace(/[^a-z0-9]+/g, "_")}`;
      fields[key] = typeof value === "number" && !Number.isFinite(value)
        ? null
        : value instanceof Uint8Array
        ? "[bytes]"
        : typeof value === "bigint"
        ? value.toString()
        : value ?? null;
    }
  }
  // Nested fields (groups inside a block) are flattened the way the other sinks key them.
  for (const field of numericFields(snapshot)) {
    fields[field.key] ??= field.value;
    if (field.unit !== null) units[field.key] = field.unit;
  }
  return {
    device: snapshot.deviceId,
    serial: device?.serial ?? null,
    group: groupOf(snapshot),
    at: snapshot.at,
    ok: snapshot.ok,
    errors: snapshot.errors.map((e) => ({ code: e.code, message: e.message, block: e.blockId })),
    suspect_blocks: snapshot.blocks.filter((b) => b.suspect).map((b) => b.blockId),
    fields,
    units,
  };
}

/** A connection to a broker that publishes device states. */
export class MqttOutput {
  readonly name: string;
  readonly baseTopic: string;
  readonly retain: boolean;
  readonly qos: 0 | 1 | 2;
  readonly offlineAfter: number;
  readonly devices: ReadonlyMap<string, OutputDevice>;
  readonly #options: MqttOutputOptions;
  #hooks: MqttOutputHooks = {};
  #client: MqttClient | null = null;
  #connected = false;
  /** Settles when the first connection attempt ended (connected, refused or failed). */
  #firstAttempt = Promise.withResolvers<void>();
  #closed = false;
  #lastError: Error | null = null;
  #availability = new Map<string, "online" | "offline">();
  #connectWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(name: string, kind: string, options: MqttOutputOptions) {
    const broker = options.broker;
    let url: URL;
    try {
      url = new URL(broker);
    } catch {
      throw new TypeError(
        `Cannot create ${kind} sink '${name}' as 'broker' must be an mqtt:// or mqtts:// URL: current value is not a URL`,
      );
    }
    if (url.protocol !== "mqtt:" && url.protocol !== "mqtts:") {
      throw new TypeError(
        `Cannot create ${kind} sink '${name}' as 'broker' must be an mqtt:// or mqtts:// URL: current scheme is ${url.protocol}`,
      );
    }
    const baseTopic = options.baseTopic ?? "power-sdk";
    if (baseTopic.split("/").some((level) => !TOPIC_LEVEL.test(level))) {
      throw new TypeError(
        `Cannot create ${kind} sink '${name}' as 'base_topic' must be topic levels without '+', '#' or empty levels: current value is ${
          JSON.stringify(baseTopic)
        }`,
      );
    }
    const qos = options.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) {
      throw new RangeError(
        `Cannot create ${kind} sink '${name}' as 'qos' must be 0, 1 or 2: current value is ${qos}`,
      );
    }
    const offlineAfter = options.offlineAfter ?? 3;
    if (!Number.isInteger(offlineAfter) || offlineAfter < 1) {
      throw new RangeError(
        `Cannot create ${kind} sink '${name}' as 'offline_after' must be a positive integer: current value is ${offlineAfter}`,
      );
    }
    this.name = name;
    this.baseTopic = baseTopic;
    this.retain = options.retain ?? true;
    this.qos = qos;
    this.offlineAfter = offlineAfter;
    this.devices = new Map((options.devices ?? []).map((d) => [d.id, d]));
    this.#options = options;
  }

  /** Topic of the runtime's own availability (the Last Will). */
  get statusTopic(): string {
    return `${this.baseTopic}/status`;
  }

  get connected(): boolean {
    return this.#connected;
  }

  deviceTopic(deviceId: string): string {
    return `${this.baseTopic}/${deviceId}`;
  }

  availabilityTopic(deviceId: string): string {
    return `${this.deviceTopic(deviceId)}/availability`;
  }

  /** Start connecting (once); the client reconnects by itself after. */
  start(hooks: MqttOutputHooks = {}): void {
    if (this.#client || this.#closed) return;
    this.#hooks = hooks;
    const o = this.#options;
    const random = randomClientSuffix(4);
    const options: IClientOptions & Record<string, unknown> = {
      clientId: `power-sdk-out_${this.name}_${random}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      connectTimeout: 10_000,
      reconnectPeriod: o.reconnectPeriodMs ?? 5_000,
      queueQoSZero: false,
      rejectUnauthorized: o.allowInsecure !== true,
      will: { topic: this.statusTopic, payload: "offline", qos: 1, retain: true },
    };
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.tls) {
      options.cert = o.tls.cert;
      options.key = o.tls.key;
    }
    if (o.ca && o.ca.length > 0) options.ca = [...o.ca];
    const client = mqtt.connect(o.broker, options);
    quietMqttLog(client);
    this.#client = client;
    client.on("error", (error) => {
      const refused = notAuthorized(error, o.broker, this.name, o.username);
      this.#lastError = refused ?? error;
      this.#firstAttempt.resolve();
      // A refused login will not pass on the next attempt: whoever waits is told now.
      if (refused) { for (const waiter of this.#connectWaiters.splice(0)) waiter.reject(refused); }
    });
    client.on("close", () => {
      this.#connected = false;
      this.#firstAttempt.resolve();
    });
    client.on("connect", () => {
      setMqttNoDelay(client);
      void this.#onConnect(client);
    });
    client.on("message", (topic, payload, packet) => {
      try {
        this.#hooks.onMessage?.(topic, payload, packet.retain === true);
      } catch {
        // A bad message must not break the connection.
      }
    });
  }

  async #onConnect(client: MqttClient): Promise<void> {
    try {
      await client.publishAsync(this.statusTopic, "online", { qos: 1, retain: true });
      const subscriptions = this.#hooks.subscriptions ?? [];
      if (subscriptions.length > 0) await client.subscribeAsync([...subscriptions], { qos: 1 });
      // Availability is re-announced after every connect: a Last Will may have fired.
      for (const [deviceId, state] of this.#availability) {
        await client.publishAsync(this.availabilityTopic(deviceId), state, {
          qos: 1,
          retain: true,
        });
      }
      await this.#hooks.onConnect?.();
      this.#connected = true;
      this.#lastError = null;
      this.#firstAttempt.resolve();
      for (const waiter of this.#connectWaiters.splice(0)) waiter.resolve();
    } catch (error) {
      this.#lastError = error instanceof Error ? error : new Error(String(error));
    }
  }

  /**
   * Resolves once connected (and announced), or at once when already; rejects with
   * TRANSPORT_NOT_AUTHORIZED when the broker refuses the login.
   */
  ready(): Promise<void> {
    if (this.#connected || this.#closed) return Promise.resolve();
    if (isNotAuthorized(this.#lastError)) return Promise.reject(this.#lastError);
    return new Promise((resolve, reject) => this.#connectWaiters.push({ resolve, reject }));
  }

  /** Publish, failing fast when not connected (the sink queue counts the failure). */
  async publish(
    topic: string,
    payload: string,
    options: { retain?: boolean; qos?: 0 | 1 | 2 } = {},
  ): Promise<void> {
    // The first snapshots are not lost to the first connection attempt still running; after
    // it, a write fails at once while not connected.
    if (!this.#connected && !this.#closed) await this.#firstAttemptOrTimeout();
    const client = this.#client;
    if (!client || !this.#connected || this.#closed) {
      if (isNotAuthorized(this.#lastError)) throw this.#lastError;
      throw new Error(
        `Cannot publish to ${
          safeUrl(this.#options.broker)
        } from sink '${this.name}': not connected${
          this.#lastError ? ` (last error: ${message(this.#lastError)})` : ""
        }`,
      );
    }
    await client.publishAsync(topic, payload, {
      qos: options.qos ?? this.qos,
      retain: options.retain ?? this.retain,
    });
  }

  async #firstAttemptOrTimeout(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#firstAttempt.promise,
      new Promise<void>((resolve) => timer = setTimeout(resolve, FIRST_CONNECT_WAIT_MS)),
    ]);
    clearTimeout(timer);
  }

  /** Publish a snapshot's state and, when it changed, the device's availability. */
  async publishSnapshot(snapshot: Snapshot): Promise<{ topic: string; json: string }> {
    const device = this.devices.get(snapshot.deviceId);
    const payload = statePayload(snapshot, device);
    const topic = `${this.deviceTopic(snapshot.deviceId)}/${payload.group}`;
    const json = JSON.stringify(payload);
    await this.publish(topic, json);
    const produced = snapshot.ok || snapshot.blocks.some((b) => !b.suspect);
    const state = produced
      ? "online"
      : snapshot.metrics.consecutiveErrors >= this.offlineAfter
      ? "offline"
      : this.#availability.get(snapshot.deviceId) ?? null;
    if (state !== null && state !== this.#availability.get(snapshot.deviceId)) {
      this.#availability.set(snapshot.deviceId, state);
      await this.publish(this.availabilityTopic(snapshot.deviceId), state, {
        qos: 1,
        retain: true,
      });
    }
    return { topic, json };
  }

  /** Announce the runtime offline (graceful), then disconnect. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.#client;
    this.#client = null;
    for (const waiter of this.#connectWaiters.splice(0)) waiter.resolve();
    this.#firstAttempt.resolve();
    if (!client) return;
    if (this.#connected) {
      try {
        await client.publishAsync(this.statusTopic, "offline", { qos: 1, retain: true });
      } catch {
        // The Last Will says the same.
      }
    }
    this.#connected = false;
    await endMqttClient(client, false);
  }
}
