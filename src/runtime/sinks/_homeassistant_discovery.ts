// Home Assistant MQTT discovery payloads (device-based discovery, HA 2024.11+): one retained
// config per device listing a component per field and per control. Private to
// src/runtime/sinks.
import type { FieldReading, Quantity } from "./_fields.ts";
import { slug } from "./_fields.ts";
import type { OutputControl, OutputDevice } from "./output_device.ts";

/** The origin block every config carries; also how stale configs of ours are recognised. */
export const ORIGIN_NAME = "power-sdk";
const ORIGIN_URL = "https://jsr.io/@power-sdk/sdk";

/** A field as discovery needs it: its key, the group topic it arrives on, and its class. */
export interface DiscoveredField {
  readonly key: string;
  readonly path: string;
  readonly block: string;
  readonly unit: string | null;
  readonly quantity: Quantity;
  readonly group: string;
}

interface SensorClass {
  readonly deviceClass: string | null;
  readonly stateClass: string;
  readonly unit: string | null;
}

/** device_class / state_class / unit for a quantity (HA's sensor/const.py tables). */
export function sensorClass(field: Pick<FieldReading, "quantity" | "unit">): SensorClass | null {
  const unit = field.unit;
  switch (field.quantity) {
    case "battery":
      return { deviceClass: "battery", stateClass: "measurement", unit: "%" };
    case "percent":
      return { deviceClass: null, stateClass: "measurement", unit: "%" };
    case "power":
      return { deviceClass: "power", stateClass: "measurement", unit };
    case "apparent_power":
      return { deviceClass: "apparent_power", stateClass: "measurement", unit };
    case "energy":
      // Lifetime counters: total_increasing makes them usable in the Energy dashboard, and a
      // counter that restarts (a reset) is taken as a new cycle, not a negative flow.
      return { deviceClass: "energy", stateClass: "total_increasing", unit };
    case "voltage":
      return { deviceClass: "voltage", stateClass: "measurement", unit };
    case "current":
      return { deviceClass: "current", stateClass: "measurement", unit };
    case "frequency":
      return { deviceClass: "frequency", stateClass: "measurement", unit };
    case "temperature":
      return { deviceClass: "temperature", stateClass: "measurement", unit };
    case "duration":
      return { deviceClass: "duration", stateClass: "measurement", unit };
    case "none":
      return null;
  }
}

function humanize(text: string): string {
  const words = text.replace(/[._]+/g, " ").trim();
  return words.length === 0 ? text : words[0]!.toUpperCase() + words.slice(1);
}

/** A station's firmware as one `sw_version` text: `module_1 4031, module_2 3022`. */
export function firmwareText(
  firmware: Readonly<Record<string, number>> | null | undefined,
): string | undefined {
  if (!firmware) return undefined;
  const parts = Object.entries(firmware).map(([module, version]) => `${module} ${version}`);
  return parts.length === 0 ? undefined : parts.join(", ");
}

/** The object id of a device's config topic: `power_sdk_<serial>`. */
export function deviceObjectId(device: OutputDevice): string {
  return `power_sdk_${slug(device.serial)}`;
}

export interface DiscoveryTopics {
  readonly runtimeStatus: string;
  readonly availability: string;
  readonly state: (group: string) => string;
  readonly controlState: (control: string) => string;
  readonly controlCommand: (control: string) => string;
}

function controlComponent(
  device: OutputDevice,
  control: OutputControl,
  topics: DiscoveryTopics,
): Record<string, unknown> {
  const base = {
    name: humanize(control.name),
    unique_id: `${slug(device.serial)}_control_${slug(control.name)}`,
    command_topic: topics.controlCommand(control.name),
    state_topic: topics.controlState(control.name),
    entity_category: "config",
  };
  switch (control.kind) {
    case "switch":
      return {
        platform: "switch",
        ...base,
        payload_on: "on",
        payload_off: "off",
        state_on: "on",
        state_off: "off",
      };
    case "enum":
      return { platform: "select", ...base, options: [...(control.options ?? [])] };
    case "number":
      return {
        platform: "number",
        ...base,
        min: control.min ?? 0,
        max: control.max ?? 65535,
        step: 1,
        mode: "box",
        ...(control.unit ? { unit_of_measurement: control.unit } : {}),
      };
  }
}

/**
 * The device-based discovery config of a device: one sensor per field with a known quantity,
 * and (when writes are enabled for it) one switch / select / number per control.
 */
export function deviceConfig(
  device: OutputDevice,
  fields: readonly DiscoveredField[],
  topics: DiscoveryTopics,
  options: { readonly qos: 0 | 1 | 2; readonly version: string; readonly controls: boolean },
): Record<string, unknown> {
  const components: Record<string, Record<string, unknown>> = {};
  const pathCount = new Map<string, number>();
  for (const field of fields) pathCount.set(field.path, (pathCount.get(field.path) ?? 0) + 1);
  for (const field of fields) {
    const cls = sensorClass(field);
    if (cls === null) continue;
    const uniqueId = `${slug(device.serial)}_${field.key}`;
    const name = (pathCount.get(field.path) ?? 0) > 1
      ? `${humanize(field.path)} (${humanize(field.block)})`
      : humanize(field.path);
    components[uniqueId] = {
      platform: "sensor",
      name,
      unique_id: uniqueId,
      state_topic: topics.state(field.group),
      value_template: `{{ value_json.fields.${field.key} }}`,
      ...(cls.deviceClass ? { device_class: cls.deviceClass } : {}),
      state_class: cls.stateClass,
      ...(cls.unit ? { unit_of_measurement: cls.unit } : {}),
    };
  }
  if (options.controls) {
    for (const control of device.controls) {
      const component = controlComponent(device, control, topics);
      components[component.unique_id as string] = component;
    }
  }
  return {
    device: {
      identifiers: [deviceObjectId(device)],
      name: device.id,
      manufacturer: device.manufacturer,
      model: device.model,
      model_id: device.modelId,
      serial_number: device.serial,
      ...(device.firmware ? { sw_version: device.firmware } : {}),
    },
    origin: { name: ORIGIN_NAME, sw_version: options.version, support_url: ORIGIN_URL },
    availability: [{ topic: topics.runtimeStatus }, { topic: topics.availability }],
    availability_mode: "all",
    qos: options.qos,
    components,
  };
}
