import { coreOf } from "./_mqtt_pool_core.ts";

/**
 * Shared MQTT connections for the devices that share a broker and an identity (the same client
 * certificate, or none): each device's messages are routed to it by its exact response topic
 * (one Map lookup per message), so a reply can only reach the device whose topic it came on.
 * A connection carries at most `MqttConfig.devicesPerConnection` devices (default
 * `DEFAULT_DEVICES_PER_CONNECTION`, 500); the next device opens another connection of the
 * same broker and identity. The broker delivers to each connection through its own in-flight
 * window and queue (mosquitto: 20 unacknowledged QoS 1 messages, then 1,000 queued, then it
 * drops), so one connection for thousands of devices would make all their replies wait in one
 * line. A device that leaves unsubscribes its topic; the last one out of a connection ends it.
 * When a connection is lost, its members hear it and join again (each after its own backoff),
 * the first one reconnecting for all.
 *
 * Give one pool to the {@linkcode MqttTransport}s that may share (`MqttConfig.connectionPool`);
 * the runtime does so for devices with `share_connection: true`. Transports share only when
 * broker, certificate, key, CAs and client options are all the same. Not for a broker that takes
 * one session per device (the BLUETTI cloud gives every station its own certificate, so nothing
 * would be shared there anyway).
 *
 * @example An empty pool holds no connection
 * ```ts
 * import { MqttConnectionPool } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * const pool = new MqttConnectionPool();
 * assert.equal(pool.connections, 0);
 * assert.equal(pool.members, 0);
 * ```
 */
export class MqttConnectionPool {
  /** Open (or opening) shared connections. */
  get connections(): number {
    return coreOf(this).connections;
  }

  /** Transports on all of the pool's connections. */
  get members(): number {
    return coreOf(this).members;
  }
}
