import assert from "node:assert/strict";
import { compileRegisterMap, type RegisterMapDef } from "./register_map.ts";

const BASE: RegisterMapDef = {
  id: "METER",
  served: [[0, 19]],
  max_span: 20,
  fields: [
    { name: "power", address: 0, type: "int32_lw", unit: "W" },
    { name: "voltage", address: 2, type: "uint16", scale: 0.1, unit: "V" },
    { name: "model", address: 3, type: "string:4" },
    { name: "serial", address: 5, type: "serial_u64_rev" },
    { name: "limit", address: 9, type: "uint16", writable: { min: 5, max: 90 } },
  ],
  groups: { live: { fields: ["power", "voltage"] } },
};

Deno.test("RegisterMap decodes what it encodes, scale and signs included", () => {
  const map = compileRegisterMap(BASE);
  for (
    const [name, value] of [["power", -1211], ["voltage", 230.4], ["model", "AB1"], [
      "serial",
      "2345000012345678",
    ], ["limit", 42]] as const
  ) {
    const words = map.encode(name, value);
    const bytes = new Uint8Array(words.flatMap((w) => [w >>> 8, w & 0xff]));
    assert.equal(map.decode(name, bytes, 0), value, name);
  }
  // Low word first: -1211 = 0xFFFFFB45 → [0xFB45, 0xFFFF].
  assert.deepEqual(map.encode("power", -1211), [0xfb45, 0xffff]);
});

Deno.test("compileRegisterMap() names what is wrong and where", () => {
  const cases: [Partial<RegisterMapDef>, string, RegExp][] = [
    [{ served: [[5, 2]] }, "SCHEMA_INVALID_BLOCK", /served\[0\]/],
    [{ max_span: 0 }, "SCHEMA_INVALID_BLOCK", /max_span/],
    [
      { fields: [{ name: "Bad", address: 0, type: "uint16" }] },
      "SCHEMA_INVALID_FIELD",
      /fields\[0\]\.name/,
    ],
    [
      { fields: [{ name: "a", address: 0, type: "float99" }] },
      "SCHEMA_INVALID_TYPE",
      /fields\[0\]\.type/,
    ],
    [
      { fields: [{ name: "a", address: 19, type: "uint32_lw" }] },
      "SCHEMA_INVALID_FIELD",
      /not inside one served range/,
    ],
    [
      { fields: [{ name: "a", address: 0, type: "uint32_lw", writable: { min: 0, max: 1 } }] },
      "SCHEMA_INVALID_FIELD",
      /one-register/,
    ],
    [
      { groups: { g: { fields: ["nope"] } } },
      "SCHEMA_INVALID_FIELD",
      /groups\.g\.fields\[0\]: unknown field 'nope'/,
    ],
  ];
  for (const [patch, code, message] of cases) {
    assert.throws(() => compileRegisterMap({ ...BASE, ...patch }), (error: unknown) => {
      assert.equal((error as { code: string }).code, code);
      assert.match((error as Error).message, message);
      return true;
    });
  }
});
