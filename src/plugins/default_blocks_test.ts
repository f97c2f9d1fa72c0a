import assert from "node:assert/strict";
import { DEFAULT_BLOCKS } from "./default_blocks.ts";
import { DEFAULT_PLUGIN } from "./default_plugin.ts";

Deno.test("DEFAULT_BLOCKS are the default plugin's blocks and labels", () => {
  // The same arrays and objects, not copies: `blocks` and `decode` show what the plugin decodes.
  assert.ok(DEFAULT_PLUGIN.blocks !== undefined && DEFAULT_PLUGIN.blocks.length > 0);
  assert.equal(DEFAULT_BLOCKS.blocks, DEFAULT_PLUGIN.blocks);
  assert.equal(DEFAULT_BLOCKS.labels, DEFAULT_PLUGIN.labels);
});
