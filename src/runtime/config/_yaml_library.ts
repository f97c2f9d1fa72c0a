// Reading YAML with the library (npm:yaml, src/_shared/yaml.ts), its nodes adapted to the tree
// the walker reads (_yaml_node.ts). The library is given, not imported: the CLI loads it only
// when the subset reader (_yaml_subset.ts) declines a text. Private to src/runtime/config.
import type * as YamlLibrary from "../../_shared/yaml.ts";
import { ConfigError } from "../../errors/errors.ts";
import type { YamlNode, YamlTree } from "./_yaml_node.ts";

/** What this module uses of src/_shared/yaml.ts. */
export type YamlLibraryModule = Pick<
  typeof YamlLibrary,
  "parseDocument" | "LineCounter" | "isAlias" | "isMap" | "isScalar" | "isSeq"
>;

/**
 * Parse `text` with the library (YAML 1.2, core schema, duplicate keys kept, no merge keys).
 *
 * @throws {ConfigError} `CONFIG_SYNTAX` listing every YAML syntax error.
 */
export function readWithLibrary(
  text: string,
  file: string | undefined,
  yaml: YamlLibraryModule,
): YamlTree {
  const name = file ?? "<config>";
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
    version: "1.2",
    schema: "core",
    merge: false,
  });
  // Aliases are expanded by the walker, never by the library's toJS() (whose maxAliasCount
  // would otherwise be the bound): the walker counts every value it produces.
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((error) => {
      const { line, column } = at(error.pos[0]);
      return `${name}:${line}:${column}: ${error.message}`;
    });
    const first = at(doc.errors[0]!.pos[0]);
    throw new ConfigError(
      "CONFIG_SYNTAX",
      [`Cannot parse ${name}: ${plural(doc.errors.length, "YAML syntax error")}`, ...lines].join(
        "\n",
      ),
      { ...(file === undefined ? {} : { file }), line: first.line, column: first.column },
    );
  }
  const adapted = new WeakMap<object, YamlNode>();
  const adapt = (node: unknown): YamlNode | null => {
    if (node === null || node === undefined) return null;
    const known = adapted.get(node as object);
    if (known !== undefined) return known;
    const range = (node as { range?: [number, number, number] | null }).range;
    const start = range ? range[0] : undefined;
    let out: YamlNode;
    if (yaml.isAlias(node)) {
      out = { kind: "alias", start, resolve: () => adapt(node.resolve(doc)) };
    } else if (yaml.isScalar(node)) {
      const empty = node.value === null && range !== undefined && range !== null &&
        range[0] === range[1];
      out = { kind: "scalar", start, empty, value: node.value };
    } else if (yaml.isMap(node)) {
      const pairs = node.items.map((pair) => ({ key: adapt(pair.key), value: adapt(pair.value) }));
      out = { kind: "map", start, pairs };
    } else if (yaml.isSeq(node)) {
      out = { kind: "seq", start, items: node.items.map(adapt) };
    } else out = { kind: "other", start };
    adapted.set(node as object, out);
    return out;
  };
  return { root: adapt(doc.contents), at };
}

function plural(count: number, noun: string): string {
  return count === 1 ? `1 ${noun}` : `${count} ${noun}s`;
}
