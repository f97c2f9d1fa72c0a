/**
 * The schema engine: datatypes, transforms, block schemas, decoding and encoding payload
 * bytes, and an instance-scoped registry. Knows nothing of frames, sockets or devices.
 *
 * @module
 */
export * from "./types.ts";
export * from "./datatype.ts";
export * from "./datatype_text.ts";
export * from "./transform.ts";
export * from "./block_schema.ts";
export * from "./block_facts.ts";
export * from "./registry.ts";
export * from "./builders.ts";
export * from "./override_fields.ts";
export * from "./redact.ts";
export * from "./register_map.ts";
export * from "./read_plan.ts";
export * from "./register_map_source.ts";
export * from "./register_map_file.ts";
