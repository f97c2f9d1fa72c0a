/**
 * The plugin contract: a plugin value brings everything vendor-specific; the generic rooms
 * take it from the plugin a profile belongs to.
 *
 * @module
 */
export * from "./plugin.ts";
export * from "./field_labels.ts";
export * from "./station_simulation.ts";
export * from "./parts_not_loaded.ts";
