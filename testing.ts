/**
 * Test doubles for Power SDK users, so you can test your own automations without hardware:
 * an in-process MQTT broker ({@linkcode EmbeddedBroker}) and a simulated station.
 *
 * @example Start an embedded broker and connect to it
 * ```ts
 * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
 * import mqtt from "mqtt";
 * import assert from "node:assert/strict";
 *
 * const broker = await EmbeddedBroker.start();
 * const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
 * assert.ok(client.connected);
 * await client.endAsync();
 * await broker.close();
 * ```
 *
 * @module
 */
// The built-in plugins define themselves: their profiles can be simulated by name.
import "./src/plugins/builtin.ts";
export * from "./src/testing/mod.ts";
