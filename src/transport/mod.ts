/**
 * The transport room: connections, topics, TLS credentials, sending a frame and getting the
 * frame that answers it, unsolicited frames, reconnecting. Knows nothing of Modbus, blocks or
 * schemas: a request is a payload and a function that recognises its reply.
 *
 * @module
 */
import "./_pkcs12_install.ts"; // loadTlsCredentials explains refused bundles in full
export * from "./types.ts";
export * from "./topics.ts";
export * from "./reconnect_policy.ts";
export * from "./mqtt_transport.ts";
export * from "./mqtt_connection_pool.ts";
export * from "./loopback_transport.ts";
export * from "./delegating_transport.ts";
export * from "./credentials.ts";
export * from "./connect_limiter.ts";
export * from "./transport_definition.ts";
export * from "./mqtt_definition.ts";
export * from "./stream_framing.ts";
export * from "./tcp_stream_transport.ts";
