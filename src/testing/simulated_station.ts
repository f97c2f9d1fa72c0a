/**
 * A simulated station on an MQTT broker: it subscribes to the request topic, answers
 * each request with what a real station would publish, pushes unsolicited frames and
 * misbehaves on demand (faults). The brain is the pure {@linkcode StationModel}; this module
 * adds the MQTT side.
 *
 * @module
 */
import { TransportError } from "../errors/errors.ts";
import { checkBrokerUrl, MqttStationHost, RECONNECT_MS } from "./_mqtt_station_host.ts";
import type { FramingName } from "../protocol/mod.ts";
import type { DeviceProfile } from "../device/profile.ts";
import { checkSerial, StationModel } from "./station_model.ts";
import type { FaultKind, FaultSpec } from "./faults.ts";

export {
  StationModel,
  type StationModelOptions,
  type StationModelStats,
  type StationResponse,
  type StationSnapshot,
} from "./station_model.ts";
export {
  FAULT_KINDS,
  type FaultKind,
  type FaultRule,
  type FaultSpec,
  parseFaultSpec,
} from "./faults.ts";

/**
 * TLS material of a {@linkcode SimulatedStation}, PEM text in memory: the station's client
 * certificate and key, and the CAs that sign the broker's certificate.
 *
 * @example Connect over TLS (needs a broker with these credentials)
 * ```ts ignore
 * import { SimulatedStation } from "@power-sdk/sdk/testing";
 *
 * await using station = await SimulatedStation.start({
 *   profile: "EL100V2",
 *   sn: "EL100V21",
 *   brokerUrl: "mqtts://localhost:8883",
 *   tls: { cert: clientCertPem, key: clientKeyPem, ca: caPem },
 * });
 * ```
 */
export interface SimulatedStationTlsOptions {
  /** The station's client certificate chain, PEM. */
  readonly cert: string;
  /** Its private key, PEM, unencrypted. */
  readonly key: string;
  /** CAs trusted for the broker's certificate, PEM. @default {the system store} */
  readonly ca?: string | readonly string[];
}

/**
 * Topic templates of a {@linkcode SimulatedStation}; `{sn}` and `{model}` are filled in.
 *
 * @example The layout a public AC300 client uses
 * ```ts
 * import type { SimulatedStationTopics } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const topics: SimulatedStationTopics = { request: "SUB/{model}/{sn}", response: "PUB/{model}/{sn}" };
 * assert.equal(topics.request, "SUB/{model}/{sn}");
 * ```
 */
export interface SimulatedStationTopics {
  /** Where the station subscribes for requests (clients publish here). @default {"SUB/{sn}"} */
  readonly request?: string;
  /** Where the station publishes replies and pushes. @default {"PUB/{sn}"} */
  readonly response?: string;
}

/**
 * Options of {@linkcode SimulatedStation.start}.
 *
 * @example A station with a bad CRC on one reply in five
 * ```ts
 * import type { SimulatedStationOptions } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const options: SimulatedStationOptions = {
 *   profile: "EL100V2",
 *   sn: "EL100V22345000012345",
 *   brokerUrl: "mqtt://127.0.0.1:1883",
 *   faults: "crc:0.2",
 *   seed: 42,
 * };
 * assert.equal(options.faults, "crc:0.2");
 * ```
 */
export interface SimulatedStationOptions {
  /** The station's profile, or the name, id or alias of a built-in one. */
  readonly profile: string | DeviceProfile;
  /** The serial number; must not contain `+`, `#`, `/` or NUL. */
  readonly sn: string;
  /** The broker: `mqtt://127.0.0.1:<port>` or `mqtts://localhost:<port>`. */
  readonly brokerUrl: string;
  /** Client certificate, key and trusted CAs for `mqtts://`. @default {none} */
  readonly tls?: SimulatedStationTlsOptions;
  /** The payload framing. @default {the profile's `defaultFraming`} */
  readonly framing?: FramingName;
  /** Topic templates. @default {{ request: "SUB/{sn}", response: "PUB/{sn}" }} */
  readonly topics?: SimulatedStationTopics;
  /** The model for `{model}` in topics. @default {the model string, e.g. `EL100V2`} */
  readonly model?: string;
  /** Faults active from the start (a spec string, a rule or rules). @default {none} */
  readonly faults?: FaultSpec;
  /** Seed of every random choice. @default {derived from `sn`} */
  readonly seed?: number;
  /** The clock of the simulation, ms since the epoch. @default {Date.now} */
  readonly now?: () => number;
  /** Serve every built-in block, not only the profile's. @default {false} */
  readonly allBlocks?: boolean;
  /** Give up connecting after this many milliseconds. @default {10000} */
  readonly connectTimeoutMs?: number;
  /** Cancels `start`. */
  readonly signal?: AbortSignal;
}

/**
 * What a {@linkcode SimulatedStation} has done so far.
 *
 * @example
 * ```ts
 * import type { SimulatedStationCounters } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const none: SimulatedStationCounters = { requests: 0, replies: 0, unsolicited: 0, ignored: 0, disconnects: 0 };
 * assert.equal(none.replies, 0);
 * ```
 */
export interface SimulatedStationCounters {
  /** Request messages received (retained messages are not requests). */
  readonly requests: number;
  /** Replies published (exception replies and damaged replies included). */
  readonly replies: number;
  /** Unsolicited frames published (by faults, the interval timer or `push`). */
  readonly unsolicited: number;
  /** Requests that got no reply (invalid payloads and `silent` faults). */
  readonly ignored: number;
  /** Connections dropped by `disconnect` faults. */
  readonly disconnects: number;
}

const DEFAULT_REQUEST_TOPIC = "SUB/{sn}";
const DEFAULT_RESPONSE_TOPIC = "PUB/{sn}";

/**
 * A simulated station on an MQTT broker (MQTT 3.1.1, QoS 1, never retained, TCP_NODELAY set on
 * its socket). It subscribes to `SUB/{sn}`, hands each request to its
 * {@linkcode StationModel} and publishes the reply to `PUB/{sn}`; faults make it silent, late,
 * wrong, chatty or gone. After a lost connection it reconnects every second until stopped.
 * Retained messages on the request topic are ignored (a stale request is no request).
 *
 * @example Read block 100 through a broker with a plain MQTT client
 * ```ts
 * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
 * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
 * import { buildRequest, parseReply, type ReadRequest } from "@power-sdk/sdk/protocol";
 * import mqtt from "mqtt";
 * import { Buffer } from "node:buffer";
 * import assert from "node:assert/strict";
 *
 * await using broker = await EmbeddedBroker.start();
 * await using station = await SimulatedStation.start({
 *   profile: "EL100V2",
 *   sn: "EL100V22345000012345",
 *   brokerUrl: broker.url,
 * });
 * const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
 * await client.subscribeAsync("PUB/EL100V22345000012345", { qos: 1 });
 * const received = new Promise<Uint8Array>((resolve) => {
 *   client.once("message", (_topic, payload) => resolve(new Uint8Array(payload)));
 * });
 * const request: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 62 };
 * await client.publishAsync("SUB/EL100V22345000012345", Buffer.from(buildRequest(request)), { qos: 1 });
 *
 * const reply = parseReply(await received, request);
 * assert.ok(reply.function === 0x03);
 * const record = createBluettiRegistry().require(100).decode(reply.data);
 * assert.equal(record.values.device_serial, "2345000012345");
 * assert.equal(station.counters.replies, 1);
 * await client.endAsync();
 * ```
 */
export class SimulatedStation implements AsyncDisposable {
  /** The station's brain: state, registers, faults. */
  readonly model: StationModel;
  /** The serial number. */
  readonly sn: string;
  /** The broker URL. */
  readonly brokerUrl: string;
  /** The topic the station subscribes to for requests. */
  readonly requestTopic: string;
  /** The topic the station publishes replies and pushes to. */
  readonly responseTopic: string;

  #host: MqttStationHost;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #intervals: ReturnType<typeof setInterval>[] = [];
  #stopped = false;
  #stopping: Promise<void> | null = null;
  #counters = { requests: 0, replies: 0, unsolicited: 0, ignored: 0, disconnects: 0 };

  private constructor(
    options: SimulatedStationOptions,
    requestTopic: string,
    responseTopic: string,
    model: StationModel,
  ) {
    this.sn = options.sn;
    this.brokerUrl = options.brokerUrl;
    this.requestTopic = requestTopic;
    this.responseTopic = responseTopic;
    this.model = model;
    this.#host = new MqttStationHost({
      brokerUrl: options.brokerUrl,
      tls: options.tls,
      clientIdPrefix: `power-sdk-sim_${this.sn}`,
      connectTimeoutMs: options.connectTimeoutMs,
      subscription: requestTopic,
      what: `Cannot connect simulated station ${this.sn} to ${options.brokerUrl}`,
      onMessage: (topic, payload) => {
        if (topic === this.requestTopic) this.#onRequest(payload);
      },
    });
  }

  /**
   * Creates a station, connects it and resolves once it listens for requests.
   *
   * @param options Profile, serial, broker, topics, framing, faults.
   * @returns The running station; stop it with {@linkcode SimulatedStation.stop}.
   * @throws {TypeError} For a bad serial (`+`, `#`, `/`, NUL), broker URL (not `mqtt://` or
   * `mqtts://`), topic template or model.
   * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` for an unknown profile name.
   * @throws {SyntaxError} For a malformed fault spec.
   * @throws {TransportError} `TRANSPORT_CONNECT_FAILED` when the broker cannot be reached or
   * refuses the subscription in time; `TRANSPORT_ABORTED` when `signal` aborts.
   *
   * @example A serial that cannot go into a topic is refused
   * ```ts
   * import { SimulatedStation } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await assert.rejects(
   *   SimulatedStation.start({ profile: "EL100V2", sn: "EL100V2/1", brokerUrl: "mqtt://127.0.0.1:1883" }),
   *   { name: "TypeError", message: /'\/'/ },
   * );
   * ```
   */
  static async start(options: SimulatedStationOptions): Promise<SimulatedStation> {
    checkSerial(options.sn);
    const url = checkBrokerUrl(
      options.brokerUrl,
      "Cannot start simulated station: brokerUrl must be an mqtt:// or mqtts:// URL, got ",
    );
    if (options.tls !== undefined && url.protocol !== "mqtts:") {
      throw new TypeError(
        `Cannot start simulated station: tls needs an mqtts:// broker URL, got ${options.brokerUrl}`,
      );
    }
    let station: SimulatedStation | null = null;
    const modelOptions = {
      profile: options.profile,
      sn: options.sn,
      onFaultsChange: () => {
        if (station !== null) station.#syncIntervals();
      },
      ...(options.framing !== undefined ? { framing: options.framing } : {}),
      ...(options.allBlocks !== undefined ? { allBlocks: options.allBlocks } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
      ...(options.faults !== undefined ? { faults: options.faults } : {}),
    };
    const model = new StationModel(modelOptions);
    const values = { sn: options.sn, model: options.model ?? model.modelName };
    const requestTopic = fillTemplate(options.topics?.request ?? DEFAULT_REQUEST_TOPIC, values);
    const responseTopic = fillTemplate(options.topics?.response ?? DEFAULT_RESPONSE_TOPIC, values);
    station = new SimulatedStation(options, requestTopic, responseTopic, model);
    await station.#host.start(options.signal);
    station.#syncIntervals();
    return station;
  }

  /**
   * Whether the station is connected to the broker now.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * const station = await SimulatedStation.start({ profile: "EL30V2", sn: "EL30V21", brokerUrl: broker.url });
   * assert.equal(station.connected, true);
   * await station.stop();
   * assert.equal(station.connected, false);
   * ```
   */
  get connected(): boolean {
    return this.#host.connected;
  }

  /**
   * What the station has done so far (a copy).
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * await using station = await SimulatedStation.start({ profile: "EL30V2", sn: "EL30V21", brokerUrl: broker.url });
   * assert.deepEqual(station.counters, { requests: 0, replies: 0, unsolicited: 0, ignored: 0, disconnects: 0 });
   * ```
   */
  get counters(): SimulatedStationCounters {
    return { ...this.#counters };
  }

  /**
   * The last error the MQTT client reported (a failed publish, a lost connection), or null.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * await using station = await SimulatedStation.start({ profile: "EL30V2", sn: "EL30V21", brokerUrl: broker.url });
   * assert.equal(station.lastError, null);
   * ```
   */
  get lastError(): Error | null {
    return this.#host.lastError;
  }

  /**
   * Adds fault rules from the next request on; `unsolicited` rules with an interval start
   * their timer now.
   *
   * @param spec A spec string (see {@linkcode parseFaultSpec}), a rule or rules.
   * @throws {SyntaxError} For a malformed spec string.
   * @throws {TypeError} For an unknown kind or a field the kind does not take.
   * @throws {RangeError} For a value out of range.
   *
   * @example The next request gets no reply
   * ```ts
   * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * await using station = await SimulatedStation.start({ profile: "EL30V2", sn: "EL30V21", brokerUrl: broker.url });
   * station.injectFault("silent:1x");
   * assert.deepEqual(station.model.faults, [{ kind: "silent", count: 1 }]);
   * ```
   */
  injectFault(spec: FaultSpec): void {
    this.model.injectFault(spec);
  }

  /**
   * Removes fault rules, all or those of one kind, and stops their timers.
   *
   * @param kind Only this kind.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * await using station = await SimulatedStation.start({
   *   profile: "EL30V2", sn: "EL30V21", brokerUrl: broker.url, faults: "unsolicited:2s,late:100ms",
   * });
   * station.clearFaults("unsolicited");
   * assert.deepEqual(station.model.faults.map((f) => f.kind), ["late"]);
   * ```
   */
  clearFaults(kind?: FaultKind): void {
    this.model.clearFaults(kind);
  }

  /**
   * Publishes one unsolicited frame now and resolves once the broker acknowledged it.
   *
   * @param payload The payload to publish as is. @default {the model's next unsolicited frame}
   * @throws {TransportError} `TRANSPORT_DISCONNECTED` when the station is not connected;
   * `TRANSPORT_CLOSED` after `stop`.
   *
   * @example A client sees the push on the response topic
   * ```ts
   * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
   * import mqtt from "mqtt";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * await using station = await SimulatedStation.start({ profile: "EL30V2", sn: "EL30V21", brokerUrl: broker.url });
   * const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
   * await client.subscribeAsync(station.responseTopic, { qos: 1 });
   * const received = new Promise<Uint8Array>((resolve) => {
   *   client.once("message", (_topic, payload) => resolve(new Uint8Array(payload)));
   * });
   * await station.push();
   * const frame = await received;
   * assert.deepEqual([frame[0], frame[1], frame[2]], [1, 0x03, 196]);
   * assert.equal(station.counters.unsolicited, 1);
   * await client.endAsync();
   * ```
   */
  async push(payload?: Uint8Array): Promise<void> {
    if (this.#stopped) {
      throw new TransportError(
        "TRANSPORT_CLOSED",
        `Cannot push from simulated station ${this.sn}: it is stopped`,
      );
    }
    if (!this.#host.connected) {
      throw new TransportError(
        "TRANSPORT_DISCONNECTED",
        `Cannot push from simulated station ${this.sn}: it is not connected`,
      );
    }
    const frame = payload ?? this.model.unsolicitedFrame();
    this.#counters.unsolicited++;
    await this.#host.publishAsync(this.responseTopic, frame);
  }

  /**
   * Stops the station: timers cleared, late replies dropped, a clean MQTT DISCONNECT. Safe to
   * call twice.
   *
   * @returns Resolves once the connection is closed.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * const station = await SimulatedStation.start({ profile: "EL30V2", sn: "EL30V21", brokerUrl: broker.url });
   * await station.stop();
   * await station.stop(); // no-op
   * await assert.rejects(station.push(), { code: "TRANSPORT_CLOSED" });
   * ```
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /**
   * Stops the station, for `await using`.
   *
   * @returns Resolves once stopped.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, SimulatedStation } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * {
   *   await using station = await SimulatedStation.start({ profile: "EL30V2", sn: "EL30V21", brokerUrl: broker.url });
   *   assert.ok(station.connected);
   * } // stopped here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const interval of this.#intervals) clearInterval(interval);
    this.#intervals = [];
    await this.#host.stop();
  }

  // --- requests ----------------------------------------------------------------------------------

  #onRequest(payload: Uint8Array): void {
    this.#counters.requests++;
    const response = this.model.respond(payload);
    if (response.outcome === "disconnect") {
      this.#drop(response.downtimeMs ?? RECONNECT_MS);
      return;
    }
    for (const frame of response.unsolicited) {
      this.#counters.unsolicited++;
      this.#publish(frame);
    }
    const reply = response.reply;
    if (reply === null) {
      this.#counters.ignored++;
      return;
    }
    if (response.delayMs <= 0) {
      this.#counters.replies++;
      this.#publish(reply);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#counters.replies++;
      this.#publish(reply);
    }, response.delayMs);
    this.#timers.add(timer);
  }

  #publish(payload: Uint8Array): void {
    this.#host.publish(this.responseTopic, payload); // offline: the frame is lost
  }

  /** A `disconnect` fault: drop the connection without DISCONNECT, come back later. */
  #drop(downtimeMs: number): void {
    this.#counters.disconnects++;
    // Replies still waiting (late) are lost with the connection.
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#host.drop(downtimeMs);
  }

  /** Restarts the interval timers of `unsolicited` rules after a change of the rules. */
  #syncIntervals(): void {
    for (const interval of this.#intervals) clearInterval(interval);
    this.#intervals = [];
    if (this.#stopped) return;
    for (const rule of this.model.faults) {
      if (rule.kind !== "unsolicited" || rule.intervalMs === undefined) continue;
      this.#intervals.push(setInterval(() => this.#pushQuietly(), rule.intervalMs));
    }
  }

  #pushQuietly(): void {
    if (!this.#host.connected) return;
    this.#counters.unsolicited++;
    this.#publish(this.model.unsolicitedFrame());
  }
}

// --- helpers ---------------------------------------------------------------------------------

// deno-lint-ignore no-control-regex -- NUL is exactly what must be refused
const WILDCARD_OR_NUL = /[+#\u0000]/;
// deno-lint-ignore no-control-regex -- NUL is exactly what must be refused
const TOPIC_FORBIDDEN = /[+#/\u0000]/;

function fillTemplate(template: string, values: { sn: string; model: string }): string {
  if (typeof template !== "string" || template.length === 0 || WILDCARD_OR_NUL.test(template)) {
    throw new TypeError(
      `Cannot start simulated station: topic template must be a non-empty topic without wildcards, got ${
        JSON.stringify(template)
      }`,
    );
  }
  return template.replace(/\{([^}]*)\}/g, (_, name: string) => {
    if (name === "sn") return values.sn;
    if (name === "model") {
      if (values.model.length === 0 || TOPIC_FORBIDDEN.test(values.model)) {
        throw new TypeError(
          `Cannot start simulated station: the model goes into topics and must not be empty nor contain +, #, / or NUL, got ${
            JSON.stringify(values.model)
          }`,
        );
      }
      return values.model;
    }
    throw new TypeError(
      `Cannot start simulated station: unknown placeholder {${name}} in topic template ${
        JSON.stringify(template)
      } (known: {sn}, {model})`,
    );
  });
}
