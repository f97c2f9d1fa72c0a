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
