// The default plugin's block definitions and field labels, without defining the plugin: what
// the CLI's `blocks` and `decode` start with. Defining the plugin loads its profiles,
// controls, framings and simulator mapping besides, which listing or decoding a block does
// not need. default_plugin.ts chooses the plugin; this module names its blocks and labels,
// and default_blocks_test.ts checks that they are the default plugin's.
import type { BlockSchemaDef } from "../parser/types.ts";
import type { BlockLabels } from "../plugin/field_labels.ts";
import { BLUETTI_V2_BLOCKS } from "./bluetti_v2/blocks.ts";
import { BLUETTI_V2_LABELS } from "./bluetti_v2/labels.ts";

/** A plugin's block definitions and the labels of their status and mode fields. */
export interface PluginBlocks {
  /** The block definitions (`ProtocolPlugin.blocks`). */
  readonly blocks?: readonly BlockSchemaDef[];
  /** The labels of the blocks' fields (`ProtocolPlugin.labels`). */
  readonly labels?: BlockLabels;
}

/**
 * The default plugin's blocks and labels: `DEFAULT_PLUGIN.blocks` and `DEFAULT_PLUGIN.labels`,
 * loaded without the rest of the plugin.
 *
 * @example
 * ```ts
 * import { DEFAULT_BLOCKS } from "./default_blocks.ts";
 * import { DEFAULT_PLUGIN } from "./default_plugin.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULT_BLOCKS.blocks, DEFAULT_PLUGIN.blocks);
 * assert.equal(DEFAULT_BLOCKS.labels, DEFAULT_PLUGIN.labels);
 * ```
 */
export const DEFAULT_BLOCKS: PluginBlocks = Object.freeze({
  blocks: BLUETTI_V2_BLOCKS,
  labels: BLUETTI_V2_LABELS,
});
