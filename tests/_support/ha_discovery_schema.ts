/**
 * Home Assistant's documented MQTT discovery schema, as the tests check the homeassistant sink's
 * configs against it: the keys of device-based discovery, the device and origin blocks, and the
 * sensor / switch / select / number platforms, with the units each sensor device class takes.
 *
 * @module
 */
import assert from "node:assert/strict";

// Keys of Home Assistant's documented MQTT discovery schema (home-assistant.io: "MQTT" device
// discovery payload; "MQTT Sensor", "MQTT Switch", "MQTT Select", "MQTT Number" configuration
// variables), in their full (not abbreviated) form. A key outside these lists would be ignored
// by Home Assistant: a typo here is a silent bug there.
const HA_COMMON_KEYS = [
  "availability",
  "availability_mode",
  "availability_template",
  "availability_topic",
  "default_entity_id",
  "device",
  "enabled_by_default",
  "encoding",
  "entity_category",
  "entity_picture",
  "icon",
  "json_attributes_template",
  "json_attributes_topic",
  "name",
  "object_id",
  "origin",
  "payload_available",
  "payload_not_available",
  "platform",
  "qos",
  "unique_id",
];
const HA_PLATFORM_KEYS: Record<string, { required: string[]; optional: string[] }> = {
  sensor: {
    required: ["state_topic"],
    optional: [
      "device_class",
      "expire_after",
      "force_update",
      "last_reset_value_template",
      "options",
      "state_class",
      "suggested_display_precision",
      "unit_of_measurement",
      "value_template",
    ],
  },
  switch: {
    required: ["command_topic"],
    optional: [
      "command_template",
      "device_class",
      "optimistic",
      "payload_off",
      "payload_on",
      "retain",
      "state_off",
      "state_on",
      "state_topic",
      "value_template",
    ],
  },
  select: {
    required: ["command_topic", "options"],
    optional: ["command_template", "optimistic", "retain", "state_topic", "value_template"],
  },
  number: {
    required: ["command_topic"],
    optional: [
      "command_template",
      "device_class",
      "max",
      "min",
      "mode",
      "optimistic",
      "payload_reset",
      "retain",
      "state_topic",
      "step",
      "unit_of_measurement",
      "value_template",
    ],
  },
};
const HA_DEVICE_KEYS = [
  "configuration_url",
  "connections",
  "hw_version",
  "identifiers",
  "manufacturer",
  "model",
  "model_id",
  "name",
  "serial_number",
  "suggested_area",
  "sw_version",
  "via_device",
];
const HA_ORIGIN_KEYS = ["name", "sw_version", "support_url"];
// Device-based discovery: the root holds device, origin, components and the options its
// components share (availability, state/command topics, qos, encoding).
const HA_DEVICE_DISCOVERY_ROOT = [
  "availability",
  "availability_mode",
  "availability_template",
  "availability_topic",
  "command_topic",
  "components",
  "device",
  "encoding",
  "origin",
  "payload_available",
  "payload_not_available",
  "qos",
  "state_topic",
];
// Units Home Assistant accepts per sensor device class (sensor/const.py), for the ones we use.
const HA_UNITS: Record<string, string[]> = {
  battery: ["%"],
  power: ["W", "kW", "mW", "MW", "GW", "TW", "BTU/h"],
  apparent_power: ["VA", "mVA", "kVA"],
  energy: [
    "Wh",
    "kWh",
    "MWh",
    "mWh",
    "GWh",
    "TWh",
    "J",
    "kJ",
    "MJ",
    "GJ",
    "cal",
    "kcal",
    "Mcal",
    "Gcal",
  ],
  voltage: ["V", "mV", "µV", "kV", "MV"],
  current: ["A", "mA"],
  frequency: ["Hz", "kHz", "MHz", "GHz"],
  temperature: ["°C", "°F", "K"],
  duration: ["d", "h", "min", "s", "ms", "µs"],
};

/**
 * Assert that a device-based discovery config uses only keys of Home Assistant's schema, has
 * the required ones, and valid units and state classes for its sensors.
 *
 * @param config The parsed config.
 * @param where What it is, for the messages.
 */
export function checkDiscoveryKeys(config: Record<string, unknown>, where: string): void {
  for (const key of Object.keys(config)) {
    assert.ok(HA_DEVICE_DISCOVERY_ROOT.includes(key), `${where}: root key '${key}' is not HA's`);
  }
  for (const key of ["device", "origin", "components"]) {
    assert.ok(key in config, `${where}: device discovery requires '${key}'`);
  }
  const device = config.device as Record<string, unknown>;
  for (const key of Object.keys(device)) {
    assert.ok(HA_DEVICE_KEYS.includes(key), `${where}: device key '${key}' is not HA's`);
  }
  assert.ok(Array.isArray(device.identifiers) && device.identifiers.length > 0);
  const origin = config.origin as Record<string, unknown>;
  for (const key of Object.keys(origin)) {
    assert.ok(HA_ORIGIN_KEYS.includes(key), `${where}: origin key '${key}' is not HA's`);
  }
  assert.equal(typeof origin.name, "string");
  const availability = config.availability as Record<string, unknown>[];
  for (const item of availability) {
    for (const key of Object.keys(item)) {
      assert.ok(
        ["topic", "payload_available", "payload_not_available", "value_template"].includes(key),
        `${where}: availability key '${key}' is not HA's`,
      );
    }
  }
  assert.ok(["all", "any", "latest"].includes(config.availability_mode as string));
  for (
    const [id, component] of Object.entries(
      config.components as Record<string, Record<string, unknown>>,
    )
  ) {
    const platform = component.platform as string;
    const keys = HA_PLATFORM_KEYS[platform];
    assert.ok(keys, `${where}: ${id}: platform '${platform}' not expected`);
    for (const key of Object.keys(component)) {
      assert.ok(
        HA_COMMON_KEYS.includes(key) || keys.required.includes(key) || keys.optional.includes(key),
        `${where}: ${id}: key '${key}' is not in HA's ${platform} schema`,
      );
    }
    for (const key of [...keys.required, "unique_id"]) {
      assert.ok(key in component, `${where}: ${id}: ${platform} requires '${key}'`);
    }
    assert.match(id, /^[a-zA-Z0-9_-]+$/, `${where}: component id '${id}'`);
    if (platform === "sensor" && typeof component.device_class === "string") {
      const units = HA_UNITS[component.device_class];
      assert.ok(units, `${where}: ${id}: device class ${component.device_class} unchecked`);
      assert.ok(
        units.includes(component.unit_of_measurement as string),
        `${where}: ${id}: unit ${component.unit_of_measurement} invalid for ${component.device_class}`,
      );
    }
    if (platform === "sensor") {
      assert.ok(
        ["measurement", "total", "total_increasing"].includes(component.state_class as string),
        `${where}: ${id}: state_class ${component.state_class}`,
      );
    }
  }
}
