// YAML text -> plain data, with positions, duplicate keys and environment interpolation: the
// subset reader (_yaml_subset.ts) reads the usual runtime.yaml, the library (loaded with this
// module) what it declines. The CLI reads with _yaml_lazy.ts instead, which loads the library
// only then. Private to src/runtime/config.
import * as library from "../../_shared/yaml.ts";
import { readWithLibrary } from "./_yaml_library.ts";
import { readYamlSubset } from "./_yaml_subset.ts";
import { checkLength, walkTree, type YamlData } from "./_yaml_walk.ts";

export {
  MAX_DOCUMENT_LENGTH,
  MAX_EXPANDED_NODES,
  MAX_STRING_LENGTH,
  type YamlData,
} from "./_yaml_walk.ts";

/**
 * Parse `text` and turn its one document into plain data, interpolating string scalars.
 *
 * @throws {ConfigError} `CONFIG_SYNTAX` listing every YAML syntax error; `CONFIG_INVALID` for
 * a text longer than {@linkcode MAX_DOCUMENT_LENGTH} or one whose aliases expand to more than
 * {@linkcode MAX_EXPANDED_NODES} values.
 */
export function readYaml(
  text: string,
  file: string | undefined,
  env: (name: string) => string | undefined,
): YamlData {
  checkLength(text, file);
  return walkTree(readYamlSubset(text) ?? readWithLibrary(text, file, library), file, env);
}
