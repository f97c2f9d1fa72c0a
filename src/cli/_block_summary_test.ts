import assert from "node:assert/strict";
import { BlockSchema } from "../parser/block_schema.ts";
import type { BlockSchemaDef } from "../parser/types.ts";
import { BUILTIN_PLUGINS, DEFAULT_PLUGIN } from "../plugins/builtin.ts";
import { summarizeBlock, summarizeBlockDef, summarizeBlockDefs } from "./_block_summary.ts";
import { blocksCommand } from "./blocks_command.ts";
import type { CommandContext } from "./_context.ts";

const GROUPED: BlockSchemaDef = {
  id: 7,
  name: "GROUPED",
  minLength: 2,
  sensitive: true,
  fields: [
    { name: "a", offset: 0, type: "uint16" },
    {
      kind: "group",
      name: "pack",
      fields: [
        { name: "volts", offset: 2, type: "uint32_lw", transforms: ["scale:0.1"] },
        { name: "model", offset: 6, type: "string:12" },
      ],
    },
  ],
};

Deno.test("a block's summary from its definition is the compiled schema's", () => {
  const defs = [
    ...(DEFAULT_PLUGIN.blocks ?? []),
    ...BUILTIN_PLUGINS.flatMap((p) =>
      p.profiles.flatMap((profile) => p.createRegistry(profile).list().map((s) => s.def))
    ),
    GROUPED,
  ];
  assert.ok(defs.length > 45);
  for (const def of defs) {
    assert.deepEqual(summarizeBlockDef(def), summarizeBlock(new BlockSchema(def)), def.name);
  }
  assert.equal(summarizeBlockDef(GROUPED).registerCount, 9);
  assert.equal(summarizeBlockDef(GROUPED).fieldCount, 3);
  assert.deepEqual(
    summarizeBlockDefs([GROUPED, { id: 3, name: "THREE", minLength: 0, fields: [] }]).map((s) =>
      s.id
    ),
    [3, 7],
  );
});

/** A context whose registry fails the test when a command compiles a schema. */
function noCompileContext(out: string[]): CommandContext {
  return {
    io: { stdout: (text) => out.push(text), stderr: () => {} },
    plugin: DEFAULT_PLUGIN,
    get registry(): never {
      throw new Error("a block schema was compiled");
    },
  };
}

Deno.test("listing the blocks compiles no block schema", () => {
  const out: string[] = [];
  assert.equal(blocksCommand([], noCompileContext(out)), 0);
  assert.equal(blocksCommand(["--json"], noCompileContext(out)), 0);
  assert.match(out.join(""), /APP_HOME_DATA/);
});
