/**
 * The runtime: runtime.yaml, many stations on schedules, sinks, metrics, shutdown.
 *
 * @module
 */
export * from "./types.ts";
export * from "./runtime_registry.ts";
export * from "./executor.ts";
export * from "./sinks/mod.ts";
export * from "./config/mod.ts";
export * from "./runtime.ts";
export * from "./describe_output_device.ts";
export * from "./shard.ts";
export * from "./capture.ts";
