import type { Sink, Snapshot } from "../types.ts";
import { MqttOutput } from "./_mqtt_output.ts";
import type { OutputDevice } from "./output_device.ts";

/**
 * Options of an {@linkcode MqttSink}.
 *
 * @example
 * ```ts
 * import type { MqttSinkOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const options: MqttSinkOptions = { broker: "mqtt://127.0.0.1:1883", baseTopic: "home/power" };
 * assert.equal(options.baseTopic, "home/power");
 * ```
 */
export interface MqttSinkOptions {
  /** The broker: `mqtt://host:port` or `mqtts://host:port`. */
  readonly broker: string;
  /** User name for the broker. */
  readonly username?: string;
  /**
   * Password for the broker; never logged. A refused login fails `ready()` and every write with
   * `TRANSPORT_NOT_AUTHORIZED`.
   */
  readonly password?: string;
  /** A client certificate and its key (PEM), for brokers that want one (`mqtts://`). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Extra trusted CAs (PEM). */
  readonly ca?: readonly string[];
  /** Accept a broker certificate that does not verify. @default {false} */
  readonly allowInsecure?: boolean;
  /** The first topic levels. @default {"power-sdk"} */
  readonly baseTopic?: string;
  /** Publish states retained, so that a new subscriber gets the last one. @default {true} */
  readonly retain?: boolean;
  /** QoS of the state messages (availability is always QoS 1, retained). @default {0} */
  readonly qos?: 0 | 1 | 2;
  /** Failed polls in a row after which a device is announced `offline`. @default {3} */
  readonly offlineAfter?: number;
  /** The devices writing to the sink: their serials go into the state. @default {[]} */
  readonly devices?: readonly OutputDevice[];
  /** Wait between reconnect attempts, ms. @default {5000} */
  readonly reconnectPeriodMs?: number;
}

/**
 * A sink that republishes every snapshot to an MQTT broker, for any MQTT consumer (Node-RED,
 * evcc, openHAB, scripts):
 *
 * - `<base_topic>/<device_id>/<group>`: the JSON state of the group's last poll: `device`,
 *   `serial`, `group`, `at`, `ok`, `errors` (code, message, block), `suspect_blocks` (ids of
 *   blocks holding an impossible value: their fields are left out), `fields` (block name + field
 *   -> value; `null` where a field has no value: never 0 for "no data") and `units`.
 * - `<base_topic>/<device_id>/availability`: `online` once a poll produced data, `offline`
 *   after `offlineAfter` failed polls in a row (retained, QoS 1).
 * - `<base_topic>/status`: the runtime's own `online`/`offline` (retained; `offline` is also
 *   the connection's Last Will, so a crash shows).
 *
 * It connects when created and reconnects by itself. A write made while the first connection
 * attempt runs waits for it (at most 10 s); after that, while not connected, a write fails at
 * once (the sink queue counts it) instead of piling messages up in memory. A broker that refuses
 * the login makes every write fail with `TRANSPORT_NOT_AUTHORIZED`.
 *
 * @example Republish to a broker
 * ```ts
 * import { MqttSink } from "@power-sdk/sdk/runtime";
 * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * await using broker = await EmbeddedBroker.start();
 * const sink = new MqttSink("mqtt", { broker: broker.url });
 * await sink.ready();
 * assert.equal(sink.stateTopic("garage", "core"), "power-sdk/garage/core");
 * await sink.close();
 * ```
 */
export class MqttSink implements Sink {
  /** The sink's name. */
  readonly name: string;
  readonly #output: MqttOutput;

  /**
   * Make the sink and start connecting.
   *
   * @param name The sink's name.
   * @param options Broker, credentials, topics.
   * @throws {TypeError} for a broker that is not an mqtt:// or mqtts:// URL or a bad base topic.
   * @throws {RangeError} for a bad `qos` or `offlineAfter`.
   */
  constructor(name: string, options: MqttSinkOptions) {
    this.name = name;
    this.#output = new MqttOutput(name, "MQTT", options);
    this.#output.start();
  }

  /**
   * The topic a device's group state goes to.
   *
   * @param deviceId The device's id.
   * @param group The group (`push` for pushed frames).
   * @returns `<base_topic>/<device_id>/<group>`.
   */
  stateTopic(deviceId: string, group: string): string {
    return `${this.#output.deviceTopic(deviceId)}/${group}`;
  }

  /**
   * Wait until the sink is connected to its broker (or closed).
   *
   * @returns A promise that resolves then.
   * @throws {TransportError} (as a rejection) `TRANSPORT_NOT_AUTHORIZED` when the broker
   * refuses the username and password (the message names the broker and the user, never the
   * password); the sink keeps retrying every `reconnectPeriodMs`.
   */
  ready(): Promise<void> {
    return this.#output.ready();
  }

  /**
   * Publish a snapshot's state (and the device's availability when it changed).
   *
   * @param snapshot The snapshot.
   * @returns A promise that resolves once published (QoS 1 and 2: acknowledged).
   * @throws {Error} (as a rejection) when not connected or the publish failed.
   */
  async write(snapshot: Snapshot): Promise<void> {
    await this.#output.publishSnapshot(snapshot);
  }

  /**
   * Nothing to make durable: published messages are the broker's.
   *
   * @returns A resolved promise.
   */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Announce the runtime offline and disconnect.
   *
   * @returns A promise that resolves once disconnected.
   */
  close(): Promise<void> {
    return this.#output.close();
  }
}
