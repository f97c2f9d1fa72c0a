/**
 * Power SDK: a protocol-agnostic device-control platform. This module is what an application
 * needs: the client of one station, the runtime of many (runtime.yaml, sinks), the transports,
 * the profiles, the plugin contract and the errors. The advanced parts sit behind subpaths:
 * `./protocol` (Modbus frames, framings), `./parser` (schemas, datatypes), `./device` (state,
 * plausibility, write gates), `./transport`, `./runtime`, `./client`, `./errors`, `./plugins`
 * (the BLUETTI V2 data), `./profiles`, and `./testing` (simulated stations and the station side
 * of the codec).
 *
 * @example Read the home data block of a station through a loopback transport
 * ```ts
 * import { Client, getProfile } from "@power-sdk/sdk";
 * import { LoopbackTransport } from "@power-sdk/sdk/transport";
 * import { StationModel } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const station = new StationModel({ profile: "EL30V2", sn: "EL30V2001" });
 * await using transport = new LoopbackTransport((payload) => station.handle(payload));
 * await using client = new Client({ transport, profile: getProfile("EL30V2") });
 * await client.connect();
 * const record = await client.readBlock(100);
 * assert.equal(typeof record.values.soc, "number");
 * ```
 *
 * @module
 */
// Errors: every failure is one of these, with a stable code.
export {
  ConfigError,
  CredentialsError,
  ModbusExceptionError,
  ParserError,
  PowerSdkError,
  type PowerSdkErrorCode,
  ProtocolError,
  SchemaDefinitionError,
  TransportError,
  WriteError,
} from "./src/errors/mod.ts";

// One station.
export {
  type BlockReadError,
  Client,
  type ClientOptions,
  type GroupReadResult,
  type PushEvent,
  type ReadGroupOptions,
  type ReadOptions,
  type WriteOptions,
  type WriteResult,
} from "./src/client/client.ts";
export type { RetryPolicy } from "./src/client/retry_policy.ts";
export type { BlockRecord, FieldValue } from "./src/parser/block_schema.ts";
export { type DeviceIdentity, DeviceState } from "./src/device/device_state.ts";

// Many stations: runtime.yaml, the runtime, its snapshots and sinks.
export {
  ConfigValidationError,
  describeResolution,
  loadRuntimeConfig,
  type LoadRuntimeConfigOptions,
  readRuntimeConfig,
  type ResolvedRuntime,
  resolveRuntime,
  type RuntimeConfig,
  runtimeConfigJsonSchema,
} from "./src/runtime/config/mod.ts";
export { Runtime, type RuntimeMetrics, type RuntimeOptions } from "./src/runtime/runtime.ts";
export { RuntimeRegistry } from "./src/runtime/runtime_registry.ts";
export type { DeviceMetrics, Sink, Snapshot, SnapshotBlock } from "./src/runtime/types.ts";
export {
  CompositeSink,
  HomeAssistantSink,
  InfluxDbSink,
  JsonlSink,
  MemorySink,
  MqttSink,
  PrometheusSink,
  StdoutSink,
} from "./src/runtime/sinks/mod.ts";

// Transports.
export type { Transport } from "./src/transport/types.ts";
export { type MqttConfig, MqttTransport } from "./src/transport/mqtt_transport.ts";
export { MQTT_TRANSPORT } from "./src/transport/mqtt_definition.ts";
export { LoopbackTransport } from "./src/transport/loopback_transport.ts";
// The room's entry point also installs the reader that explains refused PKCS#12 bundles, so that
// loadTlsCredentials says precisely why a bundle cannot be opened.
import "./src/transport/mod.ts";
export { loadTlsCredentials, openTlsCredentials } from "./src/transport/credentials.ts";
export { defineTransport, type TransportDefinition } from "./src/transport/transport_definition.ts";
// The schema builder transports declare their options with (`@power-sdk/sdk/schema` alone).
export {
  type Infer,
  s,
  type SafeParseResult,
  type Schema,
  type SchemaIssue,
  toJsonSchema,
} from "./src/schema/schema.ts";

// Profiles and plugins.
export type { DeviceProfile, FieldOverrideDef, ProfileGroupDef } from "./src/device/profile.ts";
export type { ControlRegisterDef } from "./src/device/control_register.ts";
export { BUILTIN_PROFILES, getProfile } from "./profiles/mod.ts";
export { definePlugin, pluginOf, type ProtocolPlugin } from "./src/plugin/plugin.ts";
export { BLUETTI_V2 } from "./src/plugins/bluetti_v2/plugin.ts";
// Importing the package defines the built-in plugins.
export { BUILTIN_PLUGINS } from "./src/plugins/mod.ts";

// Local Modbus TCP: a station's own server, and any device from a register map.
export { MBAP_STREAM_FRAMING } from "./src/protocol/mbap.ts";
export {
  TcpStreamTransport,
  type TcpStreamTransportOptions,
} from "./src/transport/tcp_stream_transport.ts";
export {
  ModbusRegisterClient,
  type ModbusRegisterClientOptions,
  type RegisterReadResult,
  type RegisterWriteResult,
} from "./src/client/modbus_register_client.ts";
export { getLocalProfile, listLocalProfiles } from "./src/plugins/bluetti_local/registry.ts";
export { type RegisterMap, type RegisterMapDef } from "./src/parser/register_map.ts";
export { parseRegisterMapFile } from "./src/parser/register_map_file.ts";
