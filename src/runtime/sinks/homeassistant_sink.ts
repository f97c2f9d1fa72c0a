import config from "../../../deno.json" with { type: "json" };
import type { Sink, Snapshot } from "../types.ts";
import { groupOf, numericFields } from "./_fields.ts";
import {
  deviceConfig,
  deviceObjectId,
  type DiscoveredField,
  type DiscoveryTopics,
  firmwareText,
  ORIGIN_NAME,
} from "./_homeassistant_discovery.ts";
import { MqttOutput } from "./_mqtt_output.ts";
import type { MqttSinkOptions } from "./mqtt_sink.ts";
import type { DeviceIdentity } from "../../device/device_state.ts";
import type { DeviceController, OutputDevice } from "./output_device.ts";

/**
 * Options of a {@linkcode HomeAssistantSink}: the {@linkcode MqttSinkOptions} plus discovery.
 *
 * @example
 * ```ts
 * import type { HomeAssistantSinkOptions } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const options: HomeAssistantSinkOptions = { broker: "mqtt://127.0.0.1:1883" };
 * assert.equal(options.discoveryPrefix ?? "homeassistant", "homeassistant");
 * ```
 */
export interface HomeAssistantSinkOptions extends MqttSinkOptions {
  /** Home Assistant's discovery prefix. @default {"homeassistant"} */
  readonly discoveryPrefix?: string;
  /**
   * The runtime's write path: with it, the controls of write-enabled devices become switch,
   * select and number entities. @default {none: no control entities}
   */
  readonly controller?: DeviceController;
  /**
   * Clear the retained configs (and states) of devices that left the configuration: configs
   * of this origin whose availability is this sink's `<base_topic>/status` and whose device is
   * not among `devices`. Give runtimes that share a broker different base topics.
   * @default {true}
   */
  readonly clearRemoved?: boolean;
  /**
   * Longest random wait before republishing after Home Assistant announced itself `online`
   * (spreads the load of many publishers), ms.
   * @default {1000}
   */
  readonly republishDelayMs?: number;
  /**
   * Who a device is, as its plugin's identity extraction found it (the runtime passes its
   * own): the firmware versions become the device's `sw_version`.
   * @default {none: no firmware in the device info}
   */
  readonly identity?: (deviceId: string) => DeviceIdentity | null;
  /** Called when a command could not be carried out (it is also published on `.../error`). */
  readonly onCommandError?: (deviceId: string, control: string, error: unknown) => void;
  /**
   * How often the controls' states are read from a device again (after its first poll with
   * data), ms; a failed read is tried again after at most 10 s.
   * @default {60000}
   */
  readonly controlRefreshMs?: number;
  /** Random source for the republish delay. @default {Math.random} */
  readonly random?: () => number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : "UNEXPECTED";
}

const decoder = new TextDecoder();

/** How often the state of a device's control entities is read from the device, ms. */
const CONTROL_REFRESH_MS = 60_000;
/** How soon such a read is tried again after it failed, ms. */
const CONTROL_RETRY_MS = 10_000;

/**
 * A sink for Home Assistant over MQTT discovery. It republishes states exactly like
 * {@linkcode MqttSink} (same topics) and adds, per device, one retained device-based discovery
 * config on `<discovery_prefix>/device/power_sdk_<serial>/config`:
 *
 * - device info (manufacturer, model, model id, serial, and `sw_version` once the station's
 *   firmware is known from its identity blocks: `module_1 4031, module_2 3022`), origin
 *   `power-sdk`;
 * - one sensor per numeric field with a known quantity, `unique_id` `<serial>_<block>_<field>`,
 *   with `device_class`, `state_class` and unit: energy counters `total_increasing` in kWh
 *   (Energy dashboard), power W, battery %, voltage V, current A, frequency Hz, temperature deg C,
 *   durations; a field without value is sent as `null`, which Home Assistant shows as
 *   `unknown` (never 0);
 * - availability: the runtime's `<base_topic>/status` (Last Will `offline`) and the device's
 *   `<base_topic>/<device_id>/availability` (offline after failed polls), mode `all`;
 * - with a `controller`, for devices whose writes are enabled: a switch / select / number per
 *   allow-listed, non-dangerous control, `entity_category: config`. A command on
 *   `<base_topic>/<device_id>/control/<name>/set` goes through the runtime's write path and
 *   every write gate; the value read back afterwards is published (retained) on
 *   `<base_topic>/<device_id>/control/<name>`; a refusal or failure goes to
 *   `.../control/<name>/error` as `CODE: message`. Before any command, the controls' current
 *   values are read from the device (through the controller's `readControls`) after its
 *   first poll that produced data, and again every `controlRefreshMs` (a minute); a value that changed is published on the
 *   same topics.
 *
 * Configs are published when a device's fields are first seen (and again when a new field
 * appears), after every reconnect, and after Home Assistant says `online` on
 * `<discovery_prefix>/status`. Configs of devices that left the configuration are cleared.
 *
 * @example Discovery for one device
 * ```ts
 * import { HomeAssistantSink } from "@power-sdk/sdk/runtime";
 * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * await using broker = await EmbeddedBroker.start();
 * const sink = new HomeAssistantSink("ha", {
 *   broker: broker.url,
 *   devices: [{
 *     id: "garage", serial: "EL100V2042", model: "Elite 100 V2", modelId: "EL100V2",
 *     manufacturer: "BLUETTI", controls: [], writeEnabled: false,
 *   }],
 * });
 * await sink.ready();
 * assert.equal(sink.configTopic("garage"), "homeassistant/device/power_sdk_el100v2042/config");
 * await sink.close();
 * ```
 */
export class HomeAssistantSink implements Sink {
  /** The sink's name. */
  readonly name: string;
  readonly #output: MqttOutput;
  readonly #prefix: string;
  readonly #controller: DeviceController | undefined;
  readonly #clearRemoved: boolean;
  readonly #republishDelayMs: number;
  readonly #random: () => number;
  readonly #onCommandError: HomeAssistantSinkOptions["onCommandError"];
  readonly #identity: HomeAssistantSinkOptions["identity"];
  readonly #controlRefreshMs: number;
  /** Device id -> its firmware text, once known. */
  #firmware = new Map<string, string>();
  /** Control state topic -> the last value published on it (republished after reconnects). */
  #controlStates = new Map<string, string>();
  /** Device id -> when its controls may be read again (performance.now() time). */
  #nextControlRead = new Map<string, number>();
  /** Device id -> commands started, so that a read older than a command is not published. */
  #commands = new Map<string, number>();
  #controlReads = new Set<Promise<void>>();
  /** device id -> field key -> field. */
  #fields = new Map<string, Map<string, DiscoveredField>>();
  /** device id -> last published config (JSON), to publish only on change. */
  #configs = new Map<string, string>();
  /** state topic -> last payload, for republishing after Home Assistant restarts. */
  #states = new Map<string, string>();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #ourObjectIds: Set<string>;
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Make the sink and start connecting.
   *
   * @param name The sink's name.
   * @param options Broker, credentials, topics, discovery, controller.
   * @throws {TypeError} for a bad broker URL, base topic or discovery prefix.
   * @throws {RangeError} for a bad `qos`, `offlineAfter`, `republishDelayMs` or `controlRefreshMs`.
   */
  constructor(name: string, options: HomeAssistantSinkOptions) {
    this.name = name;
    this.#output = new MqttOutput(name, "Home Assistant", options);
    const prefix = options.discoveryPrefix ?? "homeassistant";
    if (!/^[^+#/\s]+(?:\/[^+#/\s]+)*$/.test(prefix)) {
      throw new TypeError(
        `Cannot create Home Assistant sink '${name}' as 'discovery_prefix' must be topic levels without '+', '#' or spaces: current value is ${
          JSON.stringify(prefix)
        }`,
      );
    }
    const delay = options.republishDelayMs ?? 1_000;
    if (!(delay >= 0) || !Number.isFinite(delay)) {
      throw new RangeError(
        `Cannot create Home Assistant sink '${name}' as 'republishDelayMs' must be a number >= 0: current value is ${delay}`,
      );
    }
    this.#prefix = prefix;
    this.#controller = options.controller;
    this.#clearRemoved = options.clearRemoved ?? true;
    this.#republishDelayMs = delay;
    this.#random = options.random ?? Math.random;
    this.#onCommandError = options.onCommandError;
    this.#identity = options.identity;
    const refresh = options.controlRefreshMs ?? CONTROL_REFRESH_MS;
    if (!(refresh >= 0) || !Number.isFinite(refresh)) {
      throw new RangeError(
        `Cannot create Home Assistant sink '${name}' as 'controlRefreshMs' must be a number >= 0: current value is ${refresh}`,
      );
    }
    this.#controlRefreshMs = refresh;
    this.#ourObjectIds = new Set([...this.#output.devices.values()].map(deviceObjectId));
    this.#output.start({
      subscriptions: [
        `${prefix}/status`,
        `${prefix}/device/+/config`,
        `${this.#output.baseTopic}/+/control/+/set`,
      ],
      onConnect: () => this.#serial(() => this.#republish()),
      onMessage: (topic, payload, retained) => this.#onMessage(topic, payload, retained),
    });
  }

  /**
   * The discovery config topic of a device.
   *
   * @param deviceId The device's id (one of `devices`).
   * @returns `<discovery_prefix>/device/power_sdk_<serial>/config`.
   * @throws {RangeError} when the device is not one of the sink's devices.
   */
  configTopic(deviceId: string): string {
    const device = this.#output.devices.get(deviceId);
    if (!device) {
      throw new RangeError(`Home Assistant sink '${this.name}' has no device '${deviceId}'`);
    }
    return this.#configTopicOf(deviceObjectId(device));
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
   * Publish a snapshot: the device's discovery config first when it has new fields, then the
   * state and availability.
   *
   * @param snapshot The snapshot.
   * @returns A promise that resolves once published.
   * @throws {Error} (as a rejection) when not connected or a publish failed.
   */
  write(snapshot: Snapshot): Promise<void> {
    return this.#serial(async () => {
      const device = this.#output.devices.get(snapshot.deviceId);
      if (device) {
        let known = this.#fields.get(device.id);
        if (!known) this.#fields.set(device.id, known = new Map());
        const group = groupOf(snapshot);
        const before = known.size;
        for (const field of numericFields(snapshot)) {
          if (!known.has(field.key)) known.set(field.key, { ...field, group });
        }
        const firmware = firmwareText(this.#identity?.(device.id)?.firmware);
        const newFirmware = firmware !== undefined && firmware !== this.#firmware.get(device.id);
        if (newFirmware) this.#firmware.set(device.id, firmware);
        // The config changes only when a field appears or the firmware becomes known (or
        // after a reconnect, see #republish).
        if (known.size !== before || newFirmware || !this.#configs.has(device.id)) {
          await this.#publishConfig(device);
        }
      }
      const published = await this.#output.publishSnapshot(snapshot);
      this.#states.set(published.topic, published.json);
      if (device && (snapshot.ok || snapshot.blocks.some((b) => !b.suspect))) {
        this.#maybeReadControls(device);
      }
    });
  }

  /**
   * Nothing to make durable.
   *
   * @returns A resolved promise.
   */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Announce the runtime offline and disconnect (the retained configs stay: the entities show
   * as unavailable until the runtime is back).
   *
   * @returns A promise that resolves once disconnected.
   */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(this.#controlReads);
    await this.#tail.catch(() => {});
    await this.#output.close();
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(operation);
    this.#tail = result.catch(() => {});
    return result;
  }

  #configTopicOf(objectId: string): string {
    return `${this.#prefix}/device/${objectId}/config`;
  }

  #topics(device: OutputDevice): DiscoveryTopics {
    const base = this.#output.deviceTopic(device.id);
    return {
      runtimeStatus: this.#output.statusTopic,
      availability: this.#output.availabilityTopic(device.id),
      state: (group) => `${base}/${group}`,
      controlState: (control) => `${base}/control/${control}`,
      controlCommand: (control) => `${base}/control/${control}/set`,
    };
  }

  async #publishConfig(device: OutputDevice, force = false): Promise<void> {
    const fields = [...(this.#fields.get(device.id)?.values() ?? [])];
    const json = JSON.stringify(
      deviceConfig({ ...device, ...this.#firmwareOf(device) }, fields, this.#topics(device), {
        qos: this.#output.qos,
        version: config.version,
        controls: this.#controller !== undefined && device.writeEnabled,
      }),
    );
    if (!force && this.#configs.get(device.id) === json) return;
    await this.#output.publish(this.configTopic(device.id), json, { qos: 1, retain: true });
    this.#configs.set(device.id, json);
  }

  async #republish(): Promise<void> {
    for (const device of this.#output.devices.values()) {
      if (this.#fields.has(device.id)) await this.#publishConfig(device, true);
    }
    for (const [topic, json] of this.#states) await this.#output.publish(topic, json);
    for (const [topic, value] of this.#controlStates) {
      await this.#output.publish(topic, value, { qos: 1, retain: true });
    }
  }

  #firmwareOf(device: OutputDevice): { firmware?: string } {
    const firmware = this.#firmware.get(device.id) ?? device.firmware;
    return firmware === undefined ? {} : { firmware };
  }

  #controlsOffered(device: OutputDevice): boolean {
    return this.#controller !== undefined && device.writeEnabled && device.controls.length > 0;
  }

  /** Read the device's controls when they are due (never two reads of a device at once). */
  #maybeReadControls(device: OutputDevice): void {
    const read = this.#controller?.readControls?.bind(this.#controller);
    if (read === undefined || !this.#controlsOffered(device)) return;
    const now = performance.now();
    if (now < (this.#nextControlRead.get(device.id) ?? 0)) return;
    this.#nextControlRead.set(device.id, Infinity);
    const commandsBefore = this.#commands.get(device.id) ?? 0;
    const names = device.controls.map((c) => c.name);
    const reading = (async () => {
      let values: Readonly<Record<string, string | number>>;
      try {
        values = await read(device.id, names);
      } catch {
        // The poll errors say why the device does not answer; try again soon.
        this.#nextControlRead.set(
          device.id,
          performance.now() + Math.min(CONTROL_RETRY_MS, this.#controlRefreshMs),
        );
        return;
      }
      this.#nextControlRead.set(device.id, performance.now() + this.#controlRefreshMs);
      // A command ran meanwhile: its read-back is newer than these values.
      if ((this.#commands.get(device.id) ?? 0) !== commandsBefore) return;
      await this.#serial(async () => {
        for (const [name, value] of Object.entries(values)) {
          if ((this.#commands.get(device.id) ?? 0) !== commandsBefore) return;
          // Unchanged since the last publish: the retained message already says it.
          if (this.#controlStates.get(this.#controlTopic(device.id, name)) === String(value)) {
            continue;
          }
          await this.#publishControlState(device.id, name, value);
        }
      }).catch(() => {});
    })();
    this.#controlReads.add(reading);
    void reading.finally(() => this.#controlReads.delete(reading));
  }

  #controlTopic(deviceId: string, control: string): string {
    return `${this.#output.deviceTopic(deviceId)}/control/${control}`;
  }

  async #publishControlState(
    deviceId: string,
    control: string,
    value: string | number,
  ): Promise<void> {
    const topic = this.#controlTopic(deviceId, control);
    await this.#output.publish(topic, String(value), { qos: 1, retain: true });
    this.#controlStates.set(topic, String(value));
  }

  #onMessage(topic: string, payload: Uint8Array, retained: boolean): void {
    if (topic === `${this.#prefix}/status`) {
      if (decoder.decode(payload).trim() !== "online") return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        void this.#serial(() => this.#republish()).catch(() => {});
      }, this.#random() * this.#republishDelayMs);
      this.#timers.add(timer);
      return;
    }
    const base = this.#output.baseTopic;
    if (topic.startsWith(`${base}/`) && topic.endsWith("/set")) {
      const rest = topic.slice(base.length + 1).split("/");
      if (rest.length === 4 && rest[1] === "control" && !retained) {
        void this.#command(rest[0]!, rest[2]!, decoder.decode(payload).trim());
      }
      return;
    }
    const prefix = `${this.#prefix}/device/`;
    if (topic.startsWith(prefix) && topic.endsWith("/config") && payload.length > 0) {
      const objectId = topic.slice(prefix.length, -"/config".length);
      if (this.#clearRemoved && !this.#ourObjectIds.has(objectId)) {
        void this.#serial(() => this.#clearStale(topic, payload)).catch(() => {});
      }
    }
  }

  /** Clear a retained config of ours whose device left the configuration, and its states. */
  async #clearStale(topic: string, payload: Uint8Array): Promise<void> {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(decoder.decode(payload));
    } catch {
      return;
    }
    const origin = parsed.origin as { name?: unknown } | undefined;
    const availability = parsed.availability as { topic?: unknown }[] | undefined;
    if (origin?.name !== ORIGIN_NAME || !Array.isArray(availability)) return;
    if (!availability.some((a) => a?.topic === this.#output.statusTopic)) return;
    const topics = new Set<string>();
    for (const a of availability) {
      if (typeof a?.topic === "string" && a.topic !== this.#output.statusTopic) topics.add(a.topic);
    }
    const components = parsed.components as Record<string, Record<string, unknown>> | undefined;
    for (const component of Object.values(components ?? {})) {
      if (typeof component?.state_topic === "string") topics.add(component.state_topic);
    }
    await this.#output.publish(topic, "", { qos: 1, retain: true });
    for (const stale of topics) {
      if (stale.startsWith(`${this.#output.baseTopic}/`)) {
        await this.#output.publish(stale, "", { qos: 1, retain: true });
      }
    }
  }

  async #command(deviceId: string, control: string, value: string): Promise<void> {
    const base = `${this.#output.deviceTopic(deviceId)}/control/${control}`;
    const device = this.#output.devices.get(deviceId);
    // Another runtime's device (runtimes may share a broker): not ours to answer.
    if (!device) return;
    try {
      if (!this.#controller) {
        throw new Error(`sink '${this.name}' has no write path (controls are off)`);
      }
      const number = Number(value);
      const known = device.controls.find((c) => c.name === control);
      const typed = known?.kind === "number" && value !== "" && Number.isFinite(number)
        ? number
        : value;
      this.#commands.set(deviceId, (this.#commands.get(deviceId) ?? 0) + 1);
      const result = await this.#controller.writeControl(deviceId, control, typed);
      if (result.readBack !== null) {
        await this.#publishControlState(deviceId, control, result.readBack);
      }
    } catch (error) {
      try {
        this.#onCommandError?.(deviceId, control, error);
      } catch {
        // A failing reporter must not hide the error topic.
      }
      await this.#output.publish(`${base}/error`, `${errorCode(error)}: ${message(error)}`, {
        qos: 1,
        retain: false,
      }).catch(() => {});
    }
  }
}
