/**
 * Test doubles for Power SDK users: an embedded MQTT broker and a simulated station, so users
 * can test their own automations without hardware.
 *
 * {@linkcode EmbeddedBroker} is an in-process MQTT broker that needs no installation: start it
 * on a random loopback port, point your client at {@linkcode EmbeddedBroker.url}, close it when
 * done.
 *
 * @example Run a broker for the length of a test
 * ```ts
 * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
 * import mqtt from "mqtt";
 * import assert from "node:assert/strict";
 *
 * await using broker = await EmbeddedBroker.start();
 * const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
 * assert.ok(client.connected);
 * await client.endAsync();
 * ```
 *
 * @module
 */
export * from "./embedded_broker.ts";
export * from "./simulated_station.ts";
export * from "./fleet_simulator.ts";
// The station side of the codec: parse what a client sent, build what a station answers.
export * from "../protocol/parse_request.ts";
export * from "../protocol/build_reply.ts";
