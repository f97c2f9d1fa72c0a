// Reading a register-map file into its data and positions, without compiling it: what
// runtime.yaml's `profile_file` reads before the plugin compiles the map (the compiler and the
// datatype parser load with the plugin's parts). register_map_file.ts re-exports it.
import { LineCounter, parseDocument } from "../_shared/yaml.ts";
import { ConfigError } from "../errors/errors.ts";
import type { RegisterMapSource } from "./register_map_source.ts";

/**
 * Parses a register-map file's YAML (or JSON) into a {@linkcode RegisterMapSource}: the data
 * and where each value sits. Not checked yet: {@linkcode compileRegisterMapSource} does that.
 *
 * @param text The file's text.
 * @param file The file name, for messages. @default {"<register map>"}
 * @returns The data and its positions.
 * @throws {ConfigError} `CONFIG_SYNTAX` for text that is not YAML, at `file:line:column`.
 *
 * @example
 * ```ts
 * import { readRegisterMapSource } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const source = readRegisterMapSource("id: M\nmax_span: 2\n", "m.yaml");
 * assert.deepEqual(source.locate(["max_span"]), { line: 2, column: 11 });
 * assert.throws(() => readRegisterMapSource("id: [", "m.yaml"), { code: "CONFIG_SYNTAX" });
 * ```
 */
export function readRegisterMapSource(text: string, file = "<register map>"): RegisterMapSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const { line, column } = at(first.pos[0]);
    throw new ConfigError(
      "CONFIG_SYNTAX",
      `${file}:${line}:${column}: ${first.message.split("\n")[0]}`,
      { file, line, column },
    );
  }
  return {
    file,
    data: doc.toJS(),
    locate(path) {
      // The deepest node of the path that exists.
      let node: unknown = undefined;
      for (let n = path.length; n >= 0 && node === undefined; n--) {
        node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      }
      return at((node as { range?: [number, number] } | undefined)?.range?.[0] ?? 0);
    },
  };
}
