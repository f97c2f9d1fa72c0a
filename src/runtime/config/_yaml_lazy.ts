// readYaml (_yaml.ts) for the CLI: the YAML library (210 KB, ~15 ms to load and warm up) and
// its adapter are imported only when the subset reader declines the text. Private to src/runtime/config.
import type { YamlTree } from "./_yaml_node.ts";
import { readYamlSubset } from "./_yaml_subset.ts";
import { checkLength, walkTree, type YamlData } from "./_yaml_walk.ts";

/**
 * readYaml() of _yaml.ts, loading the library only when the subset reader declines `text`.
 *
 * @throws {ConfigError} as readYaml() does.
 */
export async function readYamlLazily(
  text: string,
  file: string | undefined,
  env: (name: string) => string | undefined,
): Promise<YamlData> {
  checkLength(text, file);
  const tree = readYamlSubset(text) ?? await readDeclined(text, file);
  return walkTree(tree, file, env);
}

/** A text the subset reader declined, read by the library and its adapter, loaded now. */
async function readDeclined(text: string, file: string | undefined): Promise<YamlTree> {
  const [{ readWithLibrary }, library] = await Promise.all([
    import("./_yaml_library.ts"),
    import("../../_shared/yaml.ts"),
  ]);
  return readWithLibrary(text, file, library);
}
