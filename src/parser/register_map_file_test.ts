import assert from "node:assert/strict";
import { ConfigError } from "../errors/errors.ts";
import { getLocalProfile } from "../plugins/bluetti_local/registry.ts";
import { planReads } from "./read_plan.ts";
import { parseRegisterMapFile } from "./register_map_file.ts";
import { REGISTER_MAP_JSON_SCHEMA } from "./register_map_source.ts";

const EXAMPLES = new URL("../../examples/register-maps/", import.meta.url);

Deno.test("the AC500 example map file is the built-in AC500 profile, as data", async () => {
  const text = await Deno.readTextFile(new URL("bluetti_ac500.yaml", EXAMPLES));
  const fromFile = parseRegisterMapFile(text, "bluetti_ac500.yaml");
  const builtIn = getLocalProfile("AC500");
  assert.deepEqual(fromFile.def, JSON.parse(JSON.stringify(builtIn.def)));
});

Deno.test("the energy meter example compiles and plans merged reads inside its served range", async () => {
  const text = await Deno.readTextFile(new URL("energy_meter.yaml", EXAMPLES));
  const map = parseRegisterMapFile(text, "energy_meter.yaml");
  const plan = planReads(map, map.def.groups["live"]!.fields);
  assert.deepEqual(plan.map((s) => [s.start, s.quantity]), [[0, 15]]);
  assert.equal(map.field("grid_power").datatype.text, "int32");
});

Deno.test("docs/register-map.schema.json is the schema the loader checks against", async () => {
  const file = JSON.parse(
    await Deno.readTextFile(new URL("../../docs/register-map.schema.json", import.meta.url)),
  );
  assert.deepEqual(file, JSON.parse(JSON.stringify(REGISTER_MAP_JSON_SCHEMA)));
});

Deno.test("parseRegisterMapFile() reports each mistake at file:line:column with its path", () => {
  const good = [
    "id: M",
    "served: [[0, 9]]",
    "max_span: 10",
    "fields:",
    "  - { name: soc, address: 4, type: uint16 }",
    "groups: { live: { fields: [soc] } }",
  ];
  const cases: [string[], string, number, string, RegExp][] = [
    [
      good.map((l) => l.replace("max_span", "max_spam")),
      "CONFIG_INVALID",
      3,
      "max_spam",
      /unknown key 'max_spam'; did you mean 'max_span'\?/,
    ],
    [
      good.map((l) => l.replace("address: 4", "address: 70000")),
      "CONFIG_INVALID",
      5,
      "fields[0].address",
      /must be ≤ 65535, got 70000/,
    ],
    [
      good.map((l) => l.replace("address: 4", "address: 12")),
      "CONFIG_INVALID",
      5,
      "fields[0].address",
      /soc \(12\.\.12\) is not inside one served range/,
    ],
    [
      good.map((l) => l.replace("[soc]", "[sco]")),
      "CONFIG_INVALID",
      6,
      "groups.live.fields[0]",
      /unknown field 'sco'/,
    ],
    [
      good.map((l) => l.replace("served: [[0, 9]]", "served: [[0, 9]")),
      "CONFIG_SYNTAX",
      0,
      "",
      /^m\.yaml:\d+:\d+: /,
    ],
  ];
  for (const [lines, code, line, path, message] of cases) {
    assert.throws(() => parseRegisterMapFile(lines.join("\n"), "m.yaml"), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.code, code);
      assert.match(error.message, message);
      if (code === "CONFIG_INVALID") {
        assert.equal(error.line, line, error.message);
        assert.equal(error.path, path);
        assert.match(error.message, new RegExp(`^m\\.yaml:${line}:\\d+: `));
      }
      return true;
    });
  }
  assert.equal(parseRegisterMapFile(good.join("\n")).id, "M");
});
