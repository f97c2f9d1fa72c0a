import assert from "node:assert/strict";
import { renderBlockReference } from "./gen_block_docs.ts";

Deno.test("docs/blocks.md is what `deno task gen:docs` generates (run it when this fails)", async () => {
  const committed = await Deno.readTextFile(new URL("../docs/blocks.md", import.meta.url));
  assert.equal(committed, renderBlockReference());
});

Deno.test("the block reference lists every built-in block", () => {
  const text = renderBlockReference();
  assert.equal(text.match(/^## Block \d+$/gm)?.length, 45);
  assert.match(text, /\| 0 \| pack_voltage \| uint16 \| scale:0\.01 \| V \| yes \|/);
});
