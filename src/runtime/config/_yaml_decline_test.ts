// What the subset reader does not read exactly as the library does, it declines: readYaml then
// gives the library's reading, its errors and their positions unchanged, and so does the CLI's
// readYamlLazily (which loads the library only then).
import assert from "node:assert/strict";
import * as library from "../../_shared/yaml.ts";
import { readYaml } from "./_yaml.ts";
import { readYamlLazily } from "./_yaml_lazy.ts";
import { plainReading } from "./_test_utils.ts";
import { readWithLibrary } from "./_yaml_library.ts";
import { readYamlSubset } from "./_yaml_subset.ts";
import { walkTree, type YamlData } from "./_yaml_walk.ts";

const env = (name: string) => name === "X" ? "from-x" : undefined;

/** Each declined, by what it holds. */
const DECLINED: Readonly<Record<string, string>> = {
  "an anchor and an alias": "a: &x 1\nb: *x\n",
  "a merge key": "base: &b { x: 1 }\nc:\n  <<: *b\n",
  "a tag": "a: !!str 1\n",
  "a local tag": "a: !thing 1\n",
  "a literal block scalar": "a: |\n  x\n  y\n",
  "a folded block scalar": "a: >-\n  x\n",
  "a multi-line plain scalar": "a: b\n  c\n",
  "a multi-line plain scalar in a flow": "a: [x\n  y]\n",
  "a multi-line quoted scalar": 'a: "b\n  c"\n',
  "a multi-line single-quoted scalar": "a: 'b\n  c'\n",
  "a complex key": "? a\n: b\n",
  "a directive": "%YAML 1.2\n---\na: 1\n",
  "two documents": "a: 1\n---\nb: 2\n",
  "a document end": "a: 1\n...\n",
  "a tab as indentation": "a:\n\tb: 1\n",
  "a tab after a value": "a: 1\t# c\n",
  "a flow sequence as a key": "[a]: 1\n",
  "a flow mapping as a key": "{a: 1}: 2\n",
  "an unclosed flow sequence": "a: [\n",
  "an unclosed flow mapping": "a: {b: 1\n",
  "an unclosed quote": 'a: "x\n',
  "a mapping after a sequence": "- a\nb: 1\n",
  "a mapping on a value's line": "a: b: c\n",
  "a key after a value": "a: b:\n",
  "a less indented flow line": "a:\n  b: [\n 1]\n",
  "a comment line in a flow at its parent's indentation": "a: {b: 1\n# c\n  , c: 2}\n",
  "a comment line in a flow at its key's indentation": "a:\n  b: [x,\n  # c\n   y]\n",
  "an octal number": "a: 0o17\n",
  "a hexadecimal number": "a: 0x1F\n",
  "infinity": "a: .inf\n",
  "negative infinity": "a: -.Inf\n",
  "not a number": "a: .nan\n",
  "an exponent": "a: 1e3\n",
  "an exponent with a fraction": "a: 2.5E-3\n",
  "a leading plus": "a: +1\n",
  "a leading dot": "a: .5\n",
  "an integer beyond 15 digits": "a: 12345678901234567890\n",
  "a fraction beyond 15 digits": "a: 0.1234567890123456789\n",
  "a long escape": 'a: "\\U0001F600"\n',
  "a next-line escape": 'a: "\\N"\n',
  "an escaped space": 'a: "\\ "\n',
  "an escaped surrogate": 'a: "\\uD83D\\uDE00"\n',
  "an unknown escape": 'a: "\\q"\n',
  "an empty document": "",
  "a comment alone": "# nothing\n",
  "a document marker alone": "---\n",
  "an empty flow value": "a: {b: , c: 1}\n",
  "a flow key without a value": "a: {b, c: 1}\n",
  "a JSON-like key": 'a: {"b":1}\n',
  "an empty flow entry": "a: [1,,2]\n",
  "a flow pair in a sequence": "a: [b: 1]\n",
  "a lone carriage return": "a: 1\rb: 2\n",
  "a next-line character": "a: x\u0085y\n",
  "a byte order mark inside": "a: x\ufeffy\n",
  "a lone surrogate": "a: x\ud800y\n",
  "a lone low surrogate": "a: x\udc00\n",
  "a control character": "a: x\u0007y\n",
  "a non-character": "a: x\uffffy\n",
  "a byte order mark before a sequence": "\ufeff- a\n",
  "a byte order mark before an indented mapping": "\ufeff  a: 1\n  b: 2\n",
  "a dash alone as a value": "a: -\n",
  "an indicator first": "a: @x\n",
  "a backquote first": "a: `x`\n",
  "a percent first": "a: %x\n",
  "a comment without a space": "a: [x]#c\n",
  "a key too long": `${"k".repeat(1100)}: 1\n`,
  "a deeper indentation after a value": "a: 1\n  b: 2\n",
  "nesting beyond 64 levels": `${"[".repeat(70)}1${"]".repeat(70)}\n`,
  "text after a quoted scalar": 'a: "x"y\n',
};

function reading(read: () => YamlData): unknown {
  try {
    return plainReading(read());
  } catch (error) {
    assert.ok(error instanceof Error);
    const { code, line, column, file } = error as unknown as Record<string, unknown>;
    return { error: error.constructor.name, message: error.message, code, line, column, file };
  }
}

for (const [what, text] of Object.entries(DECLINED)) {
  Deno.test(`the subset reader declines ${what}; readYaml gives the library's reading`, async () => {
    assert.equal(readYamlSubset(text), undefined);
    const libraryReading = reading(() =>
      walkTree(readWithLibrary(text, "runtime.yaml", library), "runtime.yaml", env)
    );
    assert.deepStrictEqual(reading(() => readYaml(text, "runtime.yaml", env)), libraryReading);
    const lazily = await readYamlLazily(text, "runtime.yaml", env).then(
      (data) => reading(() => data),
      (error) =>
        reading(() => {
          throw error;
        }),
    );
    assert.deepStrictEqual(lazily, libraryReading);
  });
}

Deno.test("readYamlLazily reads as readYaml does when the subset reader reads the text", async () => {
  const text = "a: ${X}\nb: [1, 2.5, true, ~]\na: 2\n";
  assert.ok(readYamlSubset(text) !== undefined);
  const lazily = await readYamlLazily(text, "runtime.yaml", env);
  assert.deepStrictEqual(
    reading(() => lazily),
    reading(() => readYaml(text, "runtime.yaml", env)),
  );
  assert.deepStrictEqual(lazily.value, { a: "from-x", b: [1, 2.5, true, null] });
});
