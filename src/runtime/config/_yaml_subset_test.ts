// The subset reader reads as the library does: for every runtime.yaml the project shows (README,
// docs, fixtures, examples, the demo), hand-written edge cases and a seeded generated corpus,
// readYaml's result through the subset reader deep-equals its result through the library:
// value, issues, interpolated paths, written texts and every key and value position.
import "../../plugins/builtin.ts";
import assert from "node:assert/strict";
import * as library from "../../_shared/yaml.ts";
import { DEMO_CONFIG } from "../../cli/_demo_config.ts";
import { seededRandom } from "../../testing/faults.ts";
import { plainReading } from "./_test_utils.ts";
import { readWithLibrary } from "./_yaml_library.ts";
import { readYamlSubset } from "./_yaml_subset.ts";
import { walkTree } from "./_yaml_walk.ts";

const ROOT = new URL("../../../", import.meta.url);
const ENV: Record<string, string> = { X: "from-x", PORT: "18760", EMPTY: "" };
const env = (name: string) => ENV[name];

/** Whether the subset reader read `text`; when it did, its reading is the library's. */
function sameReading(text: string, name: string): boolean {
  const tree = readYamlSubset(text);
  if (tree === undefined) return false;
  const ours = plainReading(walkTree(tree, "runtime.yaml", env));
  let theirs;
  try {
    theirs = plainReading(
      walkTree(readWithLibrary(text, "runtime.yaml", library), "runtime.yaml", env),
    );
  } catch (error) {
    assert.fail(
      `${name}: the subset reader read a text the library refuses: ${JSON.stringify(text)} ${
        String(error).slice(0, 300)
      }`,
    );
  }
  assert.deepStrictEqual(ours, theirs, `${name}: ${JSON.stringify(text)}`);
  // The value's own properties are defined as the library's are (`__proto__` too).
  assert.equal(JSON.stringify(ours.value), JSON.stringify(theirs.value), name);
  return true;
}

async function filesUnder(dir: URL, suffix: string): Promise<URL[]> {
  const out: URL[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) out.push(...await filesUnder(url, suffix));
    else if (entry.name.endsWith(suffix)) out.push(url);
  }
  return out.sort((a, b) => a.href.localeCompare(b.href));
}

async function documentedYaml(): Promise<[string, string][]> {
  const docs = [new URL("README.md", ROOT), ...await filesUnder(new URL("docs/", ROOT), ".md")];
  const out: [string, string][] = [];
  for (const file of docs) {
    const text = await Deno.readTextFile(file);
    for (const match of text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
      out.push([`${file.pathname.slice(ROOT.pathname.length)} block ${out.length}`, match[1]!]);
    }
  }
  return out;
}

Deno.test("the subset reader reads every runtime.yaml of the docs, fixtures, examples and demo as the library does", async () => {
  const corpus: [string, string][] = [
    ...await documentedYaml(),
    ["demo", DEMO_CONFIG],
  ];
  for (const dir of ["tests/fixtures/", "examples/"]) {
    for (const file of await filesUnder(new URL(dir, ROOT), ".yaml")) {
      corpus.push([file.pathname.slice(ROOT.pathname.length), await Deno.readTextFile(file)]);
    }
  }
  assert.ok(corpus.length >= 20, `${corpus.length} texts`);
  const declined = corpus.filter(([name, text]) => !sameReading(text, name)).map(([name]) => name);
  // Most are read without the library (otherwise this test proves nothing).
  assert.ok(declined.length * 5 <= corpus.length, `declined: ${declined.join(", ")}`);
});

/** Texts in the subset, each an edge of it. */
const EDGES: readonly string[] = [
  "version: 1\npipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }\ndevices:\n" +
  '  - { id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }\n',
  "\ufeffa: 1\n",
  "\ufeff---\na: 1\n",
  "--- # start\n# comment\n\na: 1\n",
  "a: 1\r\nb:\r\n  - x\r\n  - y # c\r\n",
  "a: 1\nb:\n  c: x\n  d:\n  - 1\n  - 2.5\n  e: [a, 'b''c', \"d\\n\\u00e9\"]\n",
  "- a: 1\n  b: 2\n-\n  c: 3\n- - x\n  - y\n-\n- 'q'\n",
  "-   a: 1\n    b: 2\n",
  "a:\n  b: 1\n# at the left\n  c: 2\n",
  "a:\n      # deeper\n  b: 1\n",
  "{ a: 1, b: [x, y,], }\n",
  "[a, [b, [c, {d: e}]], {}, []]\n",
  "a: { url: mqtt://x:1883, b: a:b, c: http://h/p?q=1 }\n",
  "a: http://x:1883/p\nb: a,b\nc: a[0]\nd: x{y}\ne: a b  c\n",
  '"a" : 1\n\'b\': 2\n"c d": 3\n',
  "a: 1\na: 2\nb: {a: 1, a: 2}\n",
  "a:\nb: 'x'\nc: # nothing\nd:   \n",
  "a: ${X}\nb: \"${UNSET}\"\nc: ${X\nd: '${PORT:-1}'\ne: pre${EMPTY}post\n",
  "__proto__: 1\nconstructor: {}\nhasOwnProperty: x\n",
  "1: a\nnull: b\ntrue: c\n1.50: d\n~: e\n-7: f\n",
  "a: ~\nb: null\nc: Null\nd: NULL\ne: true\nf: True\ng: TRUE\nh: false\ni: False\nj: FALSE\n",
  "a: 0\nb: -0\nc: 007\nd: 123456789012345\ne: -5\nf: 1.\ng: 1.50\nh: -0.25\ni: 3.000\n",
  "a: yes\nb: no\nc: on\nd: off\ne: y\nf: 1_000\ng: 0b1\nh: inf\ni: NaN\nj: 1e\nk: e3\n",
  "a: 1.2.3\nb: 0.0.0.0\nc: -x\nd: x-\ne: a'b\nf: a\"b\ng: x#y\nh: x # y\n",
  "a: [ ]\nb: { }\nc: []\nd: {}\n",
  "  a: 1\n  b: 2\n",
  "a: x \nb: 'y'  \n",
  "a:   \n  - x\n",
  "a:\n- x\n- y\nb: 1\n",
  "x\n",
  '"x"\n',
  "[a, b]\n",
  "- x\n- - y\n  - - z\n",
  'a: "\\0\\a\\b\\t\\n\\v\\f\\r\\e\\"\\/\\\\\\x41\\u00e9\\u263A"\n',
  "a: '' \nb: \"\"\nc: ''''\n",
  "a: café\nb: 日本\nc: \u{1F600}\n",
  "a: [\"x\", 'y', \"a, b\", 'c]d']\n",
  "a:\n  b:\n    c:\n      d:\n        - e\n        - f: g\n          h: i\n",
  "a: 1 # c\nb: [1, 2] # c\nc: {d: 3} # c\n",
  "a:\n  -\n  - b\n",
  "a:1\n",
  "a: b:c\n",
  "a:\n  - { id: g, p: l }\n  - {\n      id: b,\n      p: Balco 260,\n      t: { o: { h: 192.168.1.51 } },\n    }\n",
  'a:\n  b: {\n    c: {\n      d: "x",\n      e: { f: "l/{sn}/r" },\n    },\n  }\nz: 1\n',
  "a: [\n  1, 2,\n  3\n]\n",
  "- [\n  1\n]\n",
  "[\n1,\n2\n]\n",
  "{\n  a: 1, # c\n  # d\n\n  b: [x, y]\n}\n",
  "a: [1,\n  2] # c\nb: 2\n",
  "a: {b: 1 # c\n  , c: 2 # d\n  }\n",
  "a:\n  b: [\n   1\n  ]\n",
  "- a: [\n   1\n  ]\n",
  "a : 1\nb  :  2\n",
  "a:\n# c\n- x\n- y\n",
  "<<: 1\n",
  "a: -#c\n",
  "a:b: c\n",
  "a: [-x, -1, -.5x]\n",
  "- -1\n- - -2\n",
  'a: "x" # c\n',
  "k: v\n\n\n",
  "a:\n    # c\nb: 1\n",
  "a: 1\n  # deeper comment\n",
  "a: {b: 1}  \n",
  "a: [\n]\n",
  "a: [  # c\n]\n",
  "a: [x,\n  ]\n",
  "[a,\n# c\nb]\n",
  "a: {b: 1\n  # c\n  , c: 2 # d\n  }\n",
];

Deno.test("the subset reader reads its edge cases as the library does", () => {
  for (const text of EDGES) assert.ok(sameReading(text, "edge"), JSON.stringify(text));
  // Strings too long, as written and after interpolation; nesting as deep as it reads.
  const long = "x".repeat(5000);
  const deep = `${"[".repeat(40)}1${"]".repeat(40)}\n`;
  for (
    const text of [`a: ${long}\n`, `a: '${long}'\nb: [${long}]\n`, `a: "\${X}${long}"\n`, deep]
  ) {
    assert.ok(sameReading(text, "long or deep"), text.slice(0, 40));
  }
  ENV.LONG = long;
  try {
    assert.ok(sameReading("a: ${LONG}\nb: 'pre${LONG}'\n", "long after interpolation"));
  } finally {
    delete ENV.LONG;
  }
});

Deno.test("the subset reader reads a seeded generated corpus as the library does", () => {
  const random = seededRandom(0x5eed_12);
  let read = 0;
  const count = 1000;
  const declined: string[] = [];
  for (let n = 0; n < count; n++) {
    const text = generateDocument(random);
    if (sameReading(text, `generated #${n}`)) read++;
    else declined.push(text);
    if (Deno.env.get("SHOW_DECLINED") && !readYamlSubset(text)) console.log(JSON.stringify(text));
  }
  // Generated in the subset: nearly all are read without the library.
  assert.ok(read >= count * 0.95, `${read} of ${count} read; e.g. ${JSON.stringify(declined[0])}`);
});

Deno.test("the subset reader reads mutated documents as the library does, or declines them", async () => {
  // A few characters changed, inserted or removed: many are no longer YAML, or no longer in
  // the subset; whatever the subset reader still reads, it reads as the library does.
  const random = seededRandom(Number(Deno.env.get("SEED") ?? 0x0d_d17e));
  const ALPHABET = [..." \n:#-{}[],'\"\\&*!|>?%@`~.0123456789abeE+$\t\r\ufeff"];
  // Generated documents, the edge cases, the docs' and the demo's.
  const written = [...EDGES, ...(await documentedYaml()).map(([, text]) => text), DEMO_CONFIG];
  let read = 0;
  const count = Number(Deno.env.get("COUNT") ?? 5000);
  for (let n = 0; n < count; n++) {
    let text = random() < 0.4
      ? written[Math.floor(random() * written.length)]!
      : generateDocument(random);
    for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
      const at = Math.floor(random() * (text.length + 1));
      const char = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
      const kind = Math.floor(random() * 3);
      text = kind === 0
        ? text.slice(0, at) + char + text.slice(at)
        : kind === 1
        ? text.slice(0, at) + char + text.slice(at + 1)
        : text.slice(0, at) + text.slice(at + 1);
    }
    if (sameReading(text, `mutated #${n}`)) read++;
  }
  // Some still read (else the comparison above never ran).
  assert.ok(read >= count / 10, `${read} of ${count} read`);
});

// A document in the subset: block and flow collections mixed and nested, comments, blank lines,
// quoting and escapes, numbers, booleans, nulls, empty values, odd keys, trailing spaces, CRLF,
// a BOM, a leading `---`.
function generateDocument(random: () => number): string {
  const below = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[below(items.length)]!;
  const chance = (p: number) => random() < p;
  const step = 1 + below(4);
  const lines: string[] = [];
  const comment = () => chance(0.15) ? `  # ${pick(["c", "x: y", "#", "- z"])}` : "";
  const trailing = () => chance(0.1) ? " ".repeat(1 + below(3)) : "";

  const WORDS = [
    "a",
    "garage",
    "EL30V2",
    "v2",
    "x-y",
    "a.b",
    "a/b",
    "host:1883",
    "http://h:1/p",
    "a b c",
    "café",
    "\u{1F600}",
    "a'b",
    'a"b',
    "a#b",
    "x_1",
    "-x",
    "1.2.3",
    "${X}",
    "${UNSET}",
    "${PORT:-1}",
    "$x",
    "yes",
    "off",
    "1_000",
    "0b1",
    "inf",
    "NaN",
    "e3",
    "Truee",
    "nulls",
  ];
  const BLOCK_WORDS = ["a,b", "a[0]", "x{y}", "k :v"];
  const NUMBERS = ["0", "7", "-12", "007", "-0", "1.5", "-2.25", "3.", "0.1", "10.000", "65535"];
  const CONSTANTS = ["true", "True", "FALSE", "false", "null", "Null", "NULL", "~"];
  const QUOTED = ["", "a'b", " lead", "trail ", "#x", "a: b", "true", "1", "${X}", "[x]", "{y}"];
  const ESCAPED = ["\\n", "\\t", '\\"', "\\\\", "\\u00e9", "\\x41", "\\/", "a\\u263Ab", "\\e"];
  const KEYS = [
    "a",
    "b",
    "id",
    "port",
    "x-y",
    "k.z",
    "a b",
    "_u",
    "__proto__",
    "1",
    "true",
    "null",
    "-k",
    "k$",
    "é",
  ];

  const scalar = (flow: boolean): string => {
    switch (below(6)) {
      case 0:
        return pick(NUMBERS);
      case 1:
        return pick(CONSTANTS);
      case 2:
        return `'${pick(QUOTED).replaceAll("'", "''")}'`;
      case 3:
        return `"${pick(QUOTED).replaceAll('"', '\\"')}${chance(0.6) ? pick(ESCAPED) : ""}"`;
      default:
        // `${X}` unquoted holds flow indicators: not in a flow collection.
        return flow
          ? pick(WORDS.filter((w) => !w.includes("{")))
          : pick([...WORDS, ...BLOCK_WORDS]);
    }
  };
  const key = (): string => {
    const k = pick(KEYS);
    return chance(0.15) ? `"${k}"` : chance(0.1) ? `'${k}'` : k;
  };
  const flowNode = (depth: number): string => {
    if (depth > 2 || chance(0.5)) return scalar(true);
    const n = below(4);
    const comma = n > 0 && chance(0.2) ? "," : "";
    const space = chance(0.5) ? " " : "";
    if (chance(0.5)) {
      const items = Array.from({ length: n }, () => flowNode(depth + 1));
      return `[${space}${items.join(", ")}${comma}${space}]`;
    }
    const pairs = Array.from({ length: n }, () => `${key()}: ${flowNode(depth + 1)}`);
    return `{${space}${pairs.join(", ")}${comma}${space}}`;
  };
  // A flow collection over several lines (as deno fmt writes a long one), in a block
  // collection indented by `parent`: its lines are indented more, its closing bracket as much.
  const flowLines = (parent: number, depth: number): string => {
    const pad = " ".repeat(parent + 1 + below(3));
    const mapping = chance(0.5);
    const count = below(4);
    const lines = Array.from({ length: count }, (_, i) => {
      const value = depth < 2 && chance(0.3)
        ? flowLines(pad.length, depth + 1)
        : flowNode(depth + 1);
      const comma = i < count - 1 || chance(0.3) ? "," : "";
      return `${pad}${mapping ? `${key()}: ` : ""}${value}${comma}${comment()}`;
    });
    const close = `${" ".repeat(parent + below(2))}${mapping ? "}" : "]"}`;
    return [mapping ? "{" : "[", ...lines, close].join("\n");
  };
  const inline = (indent: number): string =>
    chance(0.75) ? scalar(false) : chance(0.8) ? flowNode(1) : flowLines(indent, 1);
  const filler = (indent: number) => {
    if (chance(0.08)) lines.push(trailing());
    if (chance(0.08)) lines.push(`${" ".repeat(below(indent + 3))}# note`);
  };
  // A block node at `indent` whose first line may start with `- ` (a compact entry).
  const blockMap = (indent: number, depth: number): void => {
    const n = 1 + below(4);
    for (let i = 0; i < n; i++) {
      if (i > 0) filler(indent);
      const pad = " ".repeat(indent);
      const k = key();
      const r = depth > 3 ? 0 : below(10);
      if (r < 5) lines.push(`${pad}${k}: ${inline(indent)}${comment()}${trailing()}`);
      else if (r === 5) lines.push(`${pad}${k}:${comment()}${trailing()}`);
      else if (r === 6) {
        lines.push(`${pad}${k}:${comment()}`);
        blockSeq(indent, depth + 1); // a sequence at its key's indentation
      } else {
        lines.push(`${pad}${k}:${comment()}${trailing()}`);
        block(indent + step, depth + 1);
      }
    }
  };
  const blockSeq = (indent: number, depth: number): void => {
    const n = 1 + below(4);
    const pad = " ".repeat(indent);
    for (let i = 0; i < n; i++) {
      if (i > 0) filler(indent);
      const r = depth > 3 ? 0 : below(10);
      if (r < 5) lines.push(`${pad}- ${inline(indent)}${comment()}${trailing()}`);
      else if (r === 5) lines.push(`${pad}-${comment()}`);
      else if (r === 6) {
        lines.push(`${pad}-${comment()}`);
        block(indent + step, depth + 1);
      } else {
        // A compact entry: the nested node's first line on the dash's line.
        const first = lines.length;
        if (r < 9) blockMap(indent + 2, depth + 1);
        else blockSeq(indent + 2, depth + 1);
        lines[first] = `${pad}- ${lines[first]!.slice(indent + 2)}`;
      }
    }
  };
  const block = (indent: number, depth: number) =>
    chance(0.6) ? blockMap(indent, depth) : blockSeq(indent, depth);

  if (chance(0.1)) lines.push(pick(["---", "--- # start"]));
  if (chance(0.1)) lines.push("# header");
  const root = below(20);
  if (root === 0) lines.push(flowNode(0));
  else if (root < 4) blockSeq(0, 0);
  else blockMap(chance(0.1) ? 2 : 0, 0);
  const text = lines.join(chance(0.2) ? "\r\n" : "\n") + (chance(0.9) ? "\n" : "");
  // The library counts a byte order mark in the first line's indentation (the subset reader
  // declines such a text: _yaml_decline_test.ts).
  return chance(0.05) && !/^[ -]/.test(text) ? `\ufeff${text}` : text;
}

Deno.test("the subset reader reads a fleet of 10,000 stations (1 MB) as the library does", () => {
  // Flow devices as the fleet benches write them, a block-style pipeline and defaults, comments.
  const devices = Array.from(
    { length: 10_000 },
    (_, i) =>
      `  - { id: d${i}, pipeline: lan, profile_id: EL30V2, poll_interval: ${5 + i % 7}, ` +
      `transport: { opts: { device_sn: "SN${String(i).padStart(8, "0")}", port: 1883 } } }` +
      (i % 1000 === 0 ? ` # block ${i / 1000}` : ""),
  );
  const text = [
    "version: 1",
    "pipelines:",
    "  lan:",
    "    transport: mqtt",
    "    vendor: bluetti",
    "    protocol: v2",
    "    transport_opts: { broker: 127.0.0.1 }",
    "defaults:",
    "  poll_interval: 5",
    "devices:",
    ...devices,
    "",
  ].join("\n");
  assert.ok(text.length > 1_000_000, String(text.length));
  assert.ok(sameReading(text, "10,000 stations"), "the subset reader declined the fleet");
});
