/**
 * Sinks: where snapshots go. {@linkcode MemorySink} keeps the latest per device,
 * {@linkcode JsonlSink} appends JSON lines to a private file, {@linkcode StdoutSink} prints a
 * line per snapshot for humans, {@linkcode CompositeSink} fans out to several sinks, and a
 * {@linkcode SinkQueue} puts a bounded queue with a drop policy in front of any sink.
 * {@linkcode redactDeep} is the redaction every sink that leaves the process applies. Implement
 * the `Sink` interface for a sink of your own.
 *
 * @module
 */
export * from "./redact_deep.ts";
export * from "./memory_sink.ts";
export * from "./jsonl_sink.ts";
export * from "./record_sink.ts";
export * from "./stdout_sink.ts";
export * from "./composite_sink.ts";
export * from "./sink_queue.ts";
export * from "./output_device.ts";
export * from "./mqtt_sink.ts";
export * from "./homeassistant_sink.ts";
export * from "./prometheus_sink.ts";
export * from "./influxdb_sink.ts";
