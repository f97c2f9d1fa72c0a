import assert from "node:assert/strict";
import { BLUETTI_V2_BLOCKS } from "../plugins/bluetti_v2/blocks.ts";
import { SchemaRegistry } from "../parser/registry.ts";
import { LazySchemaRegistry } from "./_lazy_registry.ts";

Deno.test("LazySchemaRegistry compiles only the blocks asked for, and all of them to list", () => {
  const lazy = new LazySchemaRegistry(BLUETTI_V2_BLOCKS);
  assert.equal(lazy.size, BLUETTI_V2_BLOCKS.length);
  assert.equal(lazy.get(100)?.name, "APP_HOME_DATA");
  assert.equal(lazy.get("INV_GRID_INFO")?.id, 1300);
  assert.equal(lazy.get(99), undefined);
  // Only those two are compiled: a plain registry sees the compiled ones through the parent.
  assert.deepEqual(SchemaRegistry.prototype.list.call(lazy).map((s) => s.id), [100, 1300]);
  const all = lazy.list();
  assert.deepEqual(
    all.map((s) => s.id),
    new SchemaRegistry(BLUETTI_V2_BLOCKS).list().map((s) => s.id),
  );
  assert.equal(lazy.get(100), all[0]); // the same schema, not compiled twice
  assert.throws(() => lazy.require(99), { code: "PARSER_UNKNOWN_BLOCK" });
});
