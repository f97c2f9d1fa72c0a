import type { RegisterMap } from "./register_map.ts";
import { compileRegisterMapSource } from "./register_map_source.ts";
import { readRegisterMapSource } from "./register_map_read.ts";

export { readRegisterMapSource } from "./register_map_read.ts";

/**
 * Reads a register-map file (YAML, or JSON which is YAML too): checks it against
 * {@linkcode REGISTER_MAP_JSON_SCHEMA} (see {@linkcode compileRegisterMapSource}), then compiles it (datatypes, served ranges, group
 * names). Every problem is reported at `file:line:column` with its path.
 *
 * @param text The file's text.
 * @param file The file name, for messages. @default {"<register map>"}
 * @returns The compiled map.
 * @throws {ConfigError} `CONFIG_SYNTAX` for bad YAML, `CONFIG_INVALID` for a value the schema
 * or the compiler refuses (with `file`, `line`, `column`, `path`).
 *
 * @example A meter in five lines, and a mistake located
 * ```ts
 * import { parseRegisterMapFile } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const text = `id: METER
 * served: [[0, 9]]
 * max_span: 10
 * fields: [{ name: power, address: 0, type: int32, unit: W }]
 * groups: { live: { fields: [power] } }
 * `;
 * assert.equal(parseRegisterMapFile(text, "meter.yaml").field("power").registers, 2);
 * assert.throws(() => parseRegisterMapFile(text.replace("int32", "int33"), "meter.yaml"), {
 *   code: "CONFIG_INVALID",
 *   line: 4,
 *   path: "fields[0].type",
 * });
 * ```
 */
export function parseRegisterMapFile(text: string, file = "<register map>"): RegisterMap {
  return compileRegisterMapSource(readRegisterMapSource(text, file));
}
