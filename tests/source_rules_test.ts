// Rules over the library's own source that a review would otherwise have to remember.
import assert from "node:assert/strict";

const SRC = new URL("../src/", import.meta.url);

async function* sourceFiles(dir: URL, path = ""): AsyncGenerator<[string, URL]> {
  for await (const entry of Deno.readDir(dir)) {
    const name = `${path}${entry.name}`;
    if (entry.isDirectory) yield* sourceFiles(new URL(`${entry.name}/`, dir), `${name}/`);
    else if (name.endsWith(".ts") && !name.endsWith("_test.ts")) {
      yield [name, new URL(entry.name, dir)];
    }
  }
}

Deno.test("no library code joins signals with AbortSignal.any (Deno never prunes what it keeps)", async () => {
  // AbortSignal.any registers its result in every source's dependent set and Deno never removes
  // it: a long-lived source joined once per request grows for as long as the process runs.
  // src/_shared/linked_signal.ts joins for one operation and detaches.
  const offenders: string[] = [];
  let files = 0;
  for await (const [name, url] of sourceFiles(SRC)) {
    files++;
    const lines = (await Deno.readTextFile(url)).split("\n");
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "");
      if (/AbortSignal\.any\s*\(/.test(code)) offenders.push(`src/${name}:${i + 1}`);
    });
  }
  assert.ok(files > 100, `only ${files} source files found under src/`);
  assert.deepEqual(offenders, [], "use linkedSignal from src/_shared/linked_signal.ts");
});

Deno.test("the library's and the CLI's modules are ASCII: other characters as \\u escapes", async () => {
  // Deno hands V8 an ASCII module's text in place and copies any other onto the heap as two
  // bytes per character (with the inline source map of its TypeScript emit): 80 such modules cost
  // `runtime --dry-run` a young-generation collection and ~7 ms (docs/benchmarks.md, "ASCII
  // sources"). Prose says ->, x, <=, deg C; strings that print such characters escape them.
  const ROOT = new URL("..", import.meta.url);
  const files: [string, URL][] = [];
  for await (const [name, url] of sourceFiles(SRC)) files.push([`src/${name}`, url]);
  for await (const [name, url] of sourceFiles(new URL("profiles/", ROOT))) {
    files.push([`profiles/${name}`, url]);
  }
  for (const name of ["cli.ts", "mod.ts", "testing.ts"]) files.push([name, new URL(name, ROOT)]);
  files.push([
    "src/plugins/bluetti_v2/blocks.json",
    new URL("plugins/bluetti_v2/blocks.json", SRC),
  ]);
  const offenders: string[] = [];
  for (const [name, url] of files) {
    (await Deno.readTextFile(url)).split("\n").forEach((line, i) => {
      const column = line.search(/[\u0080-\uffff]/);
      if (column >= 0) {
        const code = line.codePointAt(column)!.toString(16).toUpperCase().padStart(4, "0");
        offenders.push(`${name}:${i + 1}:${column + 1}: U+${code}`);
      }
    });
  }
  assert.ok(files.length > 100, `only ${files.length} files found`);
  assert.deepEqual(offenders, []);
});
