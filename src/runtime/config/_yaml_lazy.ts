// readYaml (_yaml.ts) for the CLI: the YAML library (210 KB, ~15 ms to load and warm up) is
// imported only when the subset reader declines the text. Private to src/runtime/config.
import { readWithLibrary } from "./_yaml_library.ts";
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
  const tree = readYamlSubset(text) ??
    readWithLibrary(text, file, await import("../../_shared/yaml.ts"));
  return walkTree(tree, file, env);
}
