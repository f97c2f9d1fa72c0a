// The default plugin as defined, before its expensive parts load (see `_defined_builtin.ts`).
// Chosen here and nowhere else: the first built-in one. Private to src/plugins.
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import {
  BLUETTI_V2,
  BLUETTI_V2_BLOCKS_PART,
  loadBluettiV2Parts,
} from "./bluetti_v2/_definition.ts";

/** The default plugin; its blocks, registries and simulation throw until its parts load. */
export const DEFINED_DEFAULT_PLUGIN: ProtocolPlugin = BLUETTI_V2;

/**
 * Load the default plugin's block definitions, registry compiler and simulation mapping.
 *
 * @returns When they are loaded.
 */
export function loadDefaultParts(): Promise<void> {
  return loadBluettiV2Parts();
}

/**
 * Load the default plugin's block definitions alone: what its `blocks` gives.
 *
 * @returns When they are loaded.
 */
export function loadDefaultBlocks(): Promise<void> {
  return BLUETTI_V2_BLOCKS_PART.load();
}
