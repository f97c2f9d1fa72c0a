/**
 * Many simulated stations behind one MQTT connection, for load tests of the runtime: one
 * client subscribes to `SUB/+` and answers each request with the {@linkcode StationModel} of
 * the serial in the topic.
 *
 * @module
 */
import type { FramingName } from "../protocol/mod.ts";
import type { DeviceProfile } from "../device/profile.ts";
import { StationModel } from "./station_model.ts";
import type { SimulatedStationTlsOptions } from "./simulated_station.ts";
import { checkBrokerUrl, MqttStationHost } from "./_mqtt_station_host.ts";

/**
 * One station of a {@linkcode FleetSimulator}.
 *
 * @example
 * ```ts
 * import type { FleetStation } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const station: FleetStation = { profile: "EL30V2", sn: "EL30V22345000000001", framing: "rtu" };
 * assert.equal(station.profile, "EL30V2");
 * ```
 */
export interface FleetStation {
  /** The station's profile, or the name, id or alias of a built-in one (`"EL100V2"`). */
  readonly profile: string | DeviceProfile;
  /** The serial number; unique in the fleet, without `+`, `#`, `/` or NUL. */
  readonly sn: string;
  /** The payload framing. @default {the profile's `defaultFraming`} */
  readonly framing?: FramingName;
}

/**
 * Options of {@linkcode FleetSimulator.start}.
 *
 * @example A thousand Elite 30 V2 stations
 * ```ts
 * import type { FleetSimulatorOptions } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const options: FleetSimulatorOptions = {
 *   brokerUrl: "mqtt://127.0.0.1:1883",
 *   stations: Array.from({ length: 1000 }, (_, i) => ({ profile: "EL30V2", sn: `EL30V2${2345000000000 + i}` })),
 *   seed: 1,
 * };
 * assert.equal(options.stations.length, 1000);
 * ```
 */
export interface FleetSimulatorOptions {
  /** The broker: `mqtt://127.0.0.1:<port>` or `mqtts://localhost:<port>`. */
  readonly brokerUrl: string;
  /** The stations; at least one, serials unique. */
  readonly stations: readonly FleetStation[];
  /** Client certificate, key and trusted CAs for `mqtts://`. @default {none} */
  readonly tls?: SimulatedStationTlsOptions;
  /**
   * Seed of the fleet: station `i` (in `stations` order) gets seed `seed + i`.
   * @default {each station's seed is derived from its serial}
   */
  readonly seed?: number;
  /** The clock of the simulation, ms since the epoch. @default {Date.now} */
  readonly now?: () => number;
  /** Give up connecting after this many milliseconds. @default {10000} */
  readonly connectTimeoutMs?: number;
  /**
   * Subscribe to each station's own request topic (`SUB/{sn}`, all in one SUBSCRIBE) instead
   * of `SUB/+`. Several fleets on one broker (one per process, each a range of a large fleet)
   * then each receive only their own stations' requests, not every request of all of them.
   * @default {false: one `SUB/+` subscription}
   */
  readonly ownTopicsOnly?: boolean;
  /**
   * Spread the stations over connections of at most this many stations each (in `stations`
   * order), each subscribed to its own stations' request topics (as `ownTopicsOnly`). A broker
   * delivers a connection's requests through one small window (mosquitto: 20 unacknowledged
   * QoS 1 messages, then 1,000 queued, then dropped), which thousands of busy stations on one
   * connection outrun. @default {all stations on one connection}
   */
  readonly stationsPerConnection?: number;
  /** Cancels `start`. */
  readonly signal?: AbortSignal;
}

/**
 * What a {@linkcode FleetSimulator} has done so far.
 *
 * @example
 * ```ts
 * import type { FleetSimulatorCounters } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const none: FleetSimulatorCounters = {
 *   requests: 0, replies: 0, ignored: 0, unknownStation: 0, dropped: 0, reconnects: 0,
 * };
 * assert.equal(none.replies, 0);
 * ```
 */
export interface FleetSimulatorCounters {
  /** Request messages received (retained messages are not requests). */
  readonly requests: number;
  /** Replies published (exception replies included). */
  readonly replies: number;
  /** Requests of a known station that got no reply (invalid payload). */
  readonly ignored: number;
  /** Requests on `SUB/<serial>` for a serial that is not in the fleet. */
  readonly unknownStation: number;
  /** Replies lost because the connection was down, or whose publish failed. */
  readonly dropped: number;
  /** Times the connection was re-made after it was lost. */
  readonly reconnects: number;
}

/** The wildcard every request arrives on. */
const REQUEST_FILTER = "SUB/+";
const REQUEST_PREFIX = "SUB/";
const RESPONSE_PREFIX = "PUB/";

interface Member {
  readonly model: StationModel;
  readonly responseTopic: string;
}

/**
 * Many simulated stations behind ONE MQTT connection (or a few, with
 * `stationsPerConnection`; MQTT 3.1.1, QoS 1, never retained, TCP_NODELAY on its socket). It subscribes to `SUB/+`, hands each request to the
 * {@linkcode StationModel} of the serial in the topic and publishes the reply on
 * `PUB/{sn}`, so a thousand stations cost one socket instead of a thousand. Retained
 * requests are ignored; requests for a serial outside the fleet are counted and ignored.
 * After a lost connection it reconnects every second (and subscribes again) until stopped.
 *
 * Unlike {@linkcode SimulatedStation} it has no faults, no unsolicited pushes and no topic
 * templates: it is meant for load, not for misbehaviour.
 *
 * @example Two stations answer a plain MQTT client
 * ```ts
 * import { EmbeddedBroker, FleetSimulator } from "@power-sdk/sdk/testing";
 * import { createBluettiRegistry } from "@power-sdk/sdk/plugins";
 * import { buildRequest, parseReply, type ReadRequest } from "@power-sdk/sdk/protocol";
 * import mqtt from "mqtt";
 * import { Buffer } from "node:buffer";
 * import assert from "node:assert/strict";
 *
 * await using broker = await EmbeddedBroker.start();
 * await using fleet = await FleetSimulator.start({
 *   brokerUrl: broker.url,
 *   stations: [
 *     { profile: "EL30V2", sn: "EL30V22345000000001" },
 *     { profile: "EL100V2", sn: "EL100V22345000000002" },
 *   ],
 * });
 * const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
 * await client.subscribeAsync("PUB/EL100V22345000000002", { qos: 1 });
 * const received = new Promise<Uint8Array>((resolve) => {
 *   client.once("message", (_topic, payload) => resolve(new Uint8Array(payload)));
 * });
 * const request: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 62 };
 * await client.publishAsync("SUB/EL100V22345000000002", Buffer.from(buildRequest(request)), { qos: 1 });
 *
 * const reply = parseReply(await received, request);
 * assert.ok(reply.function === 0x03);
 * const record = createBluettiRegistry().require(100).decode(reply.data);
 * assert.equal(record.values.device_model, "EL100V2");
 * assert.equal(record.values.device_serial, "2345000000002");
 * assert.equal(fleet.counters.replies, 1);
 * await client.endAsync();
 * ```
 */
export class FleetSimulator implements AsyncDisposable {
  /** The broker URL. */
  readonly brokerUrl: string;
  /** The serial numbers of the fleet, in the order given. */
  readonly serials: readonly string[];

  #members: Map<string, Member>;
  #hosts: MqttStationHost[];
  #counters = { requests: 0, replies: 0, ignored: 0, unknownStation: 0, dropped: 0, reconnects: 0 };

  private constructor(
    brokerUrl: string,
    members: Map<string, Member>,
    options: FleetSimulatorOptions,
  ) {
    this.brokerUrl = brokerUrl;
    this.#members = members;
    this.serials = Object.freeze([...members.keys()]);
    const serials = [...members.keys()];
    const perConnection = options.stationsPerConnection ?? serials.length;
    const groups: string[][] = [];
    for (let i = 0; i < serials.length; i += perConnection) {
      groups.push(serials.slice(i, i + perConnection));
    }
    const ownTopics = options.ownTopicsOnly === true || groups.length > 1;
    this.#hosts = groups.map((group) => {
      const host: MqttStationHost = new MqttStationHost({
        brokerUrl,
        tls: options.tls,
        clientIdPrefix: "power-sdk-fleet",
        connectTimeoutMs: options.connectTimeoutMs,
        subscription: ownTopics ? group.map((sn) => REQUEST_PREFIX + sn) : REQUEST_FILTER,
        what: `Cannot connect fleet simulator to ${brokerUrl}`,
        onMessage: (topic, payload) => {
          if (topic.startsWith(REQUEST_PREFIX)) {
            this.#onRequest(host, topic.slice(REQUEST_PREFIX.length), payload);
          }
        },
        onReconnect: () => this.#counters.reconnects++,
      });
      return host;
    });
  }

  /**
   * Builds a model per station, connects one client and resolves once it listens on
   * `SUB/+` (or, with `ownTopicsOnly`, on every station's `SUB/{sn}`).
   *
   * @param options Broker, stations, TLS, seed.
   * @returns The running fleet; stop it with {@linkcode FleetSimulator.stop}.
   * @throws {TypeError} For an empty fleet, a duplicate or bad serial (`+`, `#`, `/`, NUL) or a
   * broker URL that is not `mqtt://` or `mqtts://`.
   * @throws {RangeError} For a seed that is not an integer, or a `stationsPerConnection` that
   * is not an integer of at least 1.
   * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` for an unknown profile name.
   * @throws {TransportError} `TRANSPORT_CONNECT_FAILED` when the broker cannot be reached or
   * refuses the subscription in time; `TRANSPORT_ABORTED` when `signal` aborts.
   *
   * @example An empty fleet is refused
   * ```ts
   * import { FleetSimulator } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await assert.rejects(
   *   FleetSimulator.start({ brokerUrl: "mqtt://127.0.0.1:1883", stations: [] }),
   *   TypeError,
   * );
   * ```
   */
  static async start(options: FleetSimulatorOptions): Promise<FleetSimulator> {
    const url = checkBrokerUrl(
      options.brokerUrl,
      "Cannot start fleet simulator as 'brokerUrl' must be an mqtt:// or mqtts:// URL: current value is ",
    );
    if (!Array.isArray(options.stations) || options.stations.length === 0) {
      throw new TypeError(
        "Cannot start fleet simulator as 'stations' must list at least one station: current value is empty",
      );
    }
    const perConnection = options.stationsPerConnection;
    if (perConnection !== undefined && !(Number.isInteger(perConnection) && perConnection >= 1)) {
      throw new RangeError(
        `Cannot start fleet simulator as 'stationsPerConnection' must be an integer of at least 1: current value is ${perConnection}`,
      );
    }
    const seed = options.seed;
    if (seed !== undefined && !Number.isInteger(seed)) {
      throw new RangeError(
        `Cannot start fleet simulator as 'seed' must be an integer: current value is ${seed}`,
      );
    }
    const members = new Map<string, Member>();
    options.stations.forEach((station, i) => {
      if (members.has(station.sn)) {
        throw new TypeError(
          `Cannot start fleet simulator as serials must be unique: ${
            JSON.stringify(station.sn)
          } appears twice`,
        );
      }
      const model = new StationModel({
        profile: station.profile,
        sn: station.sn,
        ...(station.framing !== undefined ? { framing: station.framing } : {}),
        ...(seed !== undefined ? { seed: seed + i } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
      });
      members.set(station.sn, { model, responseTopic: RESPONSE_PREFIX + station.sn });
    });
    const fleet = new FleetSimulator(url.href, members, options);
    try {
      await Promise.all(fleet.#hosts.map((host) => host.start(options.signal)));
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  /**
   * Whether the fleet's connection is up now.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, FleetSimulator } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * const fleet = await FleetSimulator.start({ brokerUrl: broker.url, stations: [{ profile: "EL30V2", sn: "EL30V21" }] });
   * assert.equal(fleet.connected, true);
   * await fleet.stop();
   * assert.equal(fleet.connected, false);
   * ```
   */
  get connected(): boolean {
    return this.#hosts.every((host) => host.connected);
  }

  /**
   * What the fleet has done so far (a copy).
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, FleetSimulator } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * await using fleet = await FleetSimulator.start({ brokerUrl: broker.url, stations: [{ profile: "EL30V2", sn: "EL30V21" }] });
   * assert.equal(fleet.counters.requests, 0);
   * ```
   */
  get counters(): FleetSimulatorCounters {
    return { ...this.#counters };
  }

  /**
   * The last error the MQTT client reported (a failed publish, a lost connection), or null.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, FleetSimulator } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * await using fleet = await FleetSimulator.start({ brokerUrl: broker.url, stations: [{ profile: "EL30V2", sn: "EL30V21" }] });
   * assert.equal(fleet.lastError, null);
   * ```
   */
  get lastError(): Error | null {
    for (const host of this.#hosts) if (host.lastError !== null) return host.lastError;
    return null;
  }

  /**
   * The model of one station, to read or change its state.
   *
   * @param sn The serial number.
   * @returns The model, or undefined when the serial is not in the fleet.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, FleetSimulator } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * await using fleet = await FleetSimulator.start({ brokerUrl: broker.url, stations: [{ profile: "EL30V2", sn: "EL30V21" }] });
   * assert.equal(fleet.model("EL30V21")?.modelName, "EL30V2");
   * assert.equal(fleet.model("nope"), undefined);
   * ```
   */
  model(sn: string): StationModel | undefined {
    return this.#members.get(sn)?.model;
  }

  /**
   * Stops the fleet: a clean MQTT DISCONNECT (the socket is closed after 2 s if the broker
   * does not answer), no reconnect. Safe to call twice.
   *
   * @returns Resolves once the connection is closed.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, FleetSimulator } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * const fleet = await FleetSimulator.start({ brokerUrl: broker.url, stations: [{ profile: "EL30V2", sn: "EL30V21" }] });
   * await fleet.stop();
   * await fleet.stop(); // no-op
   * assert.equal(fleet.connected, false);
   * ```
   */
  stop(): Promise<void> {
    return Promise.all(this.#hosts.map((host) => host.stop())).then(() => {});
  }

  /**
   * Stops the fleet, for `await using`.
   *
   * @returns Resolves once stopped.
   *
   * @example
   * ```ts
   * import { EmbeddedBroker, FleetSimulator } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * {
   *   await using fleet = await FleetSimulator.start({ brokerUrl: broker.url, stations: [{ profile: "EL30V2", sn: "EL30V21" }] });
   *   assert.ok(fleet.connected);
   * } // stopped here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  // --- requests ----------------------------------------------------------------------------------

  #onRequest(host: MqttStationHost, sn: string, payload: Uint8Array): void {
    this.#counters.requests++;
    const member = this.#members.get(sn);
    if (member === undefined) {
      this.#counters.unknownStation++;
      return;
    }
    const response = member.model.respond(payload);
    if (response.reply === null) this.#counters.ignored++;
    else this.#counters.replies++;
    for (const frame of response.payloads) this.#publish(host, member.responseTopic, frame);
  }

  #publish(host: MqttStationHost, topic: string, payload: Uint8Array): void {
    const counters = this.#counters;
    // Offline, or a failed publish: the frame is lost.
    if (!host.publish(topic, payload, () => counters.dropped++)) counters.dropped++;
  }
}
