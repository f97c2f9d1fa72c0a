// The default size of a shared MQTT connection, in a module of its own so that reading
// runtime.yaml (mqtt_definition.ts) does not load the MQTT client to know it.

/** Transports on one shared connection at most, unless configured otherwise. */
export const SHARED_CONNECTION_DEVICES = 500;
