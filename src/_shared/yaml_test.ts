import assert from "node:assert/strict";
import * as commonJs from "yaml";
import { bundleYaml, YAML_BUNDLE_FILE } from "../../tools/gen_yaml_bundle.ts";
import { LineCounter, parseDocument } from "./yaml.ts";

Deno.test("the YAML library loads as its ES module build, not the CommonJS one", () => {
  // Both builds are the same library; the CommonJS one costs start-up time (docs/benchmarks.md).
  assert.equal(typeof parseDocument, "function");
  assert.notEqual(parseDocument, commonJs.parseDocument);
  assert.notEqual(LineCounter, commonJs.LineCounter);
});

Deno.test("the ES module build parses and locates as the CommonJS build does", () => {
  const text = "a: 1\nb: [x, y]\nc: {d: true}\nbad: [\n";
  const ours = new LineCounter();
  const theirs = new commonJs.LineCounter();
  const doc = parseDocument(text, { lineCounter: ours, prettyErrors: false });
  const reference = commonJs.parseDocument(text, { lineCounter: theirs, prettyErrors: false });
  assert.ok(doc.errors.length > 0);
  assert.deepEqual(
    doc.errors.map((e) => [e.code, e.message, ours.linePos(e.pos[0])]),
    reference.errors.map((e) => [e.code, e.message, theirs.linePos(e.pos[0])]),
  );
  const good = "a: 1\nb: [x, y]\nc: {d: true}\n";
  assert.deepEqual(parseDocument(good).toJS(), commonJs.parseDocument(good).toJS());
});

Deno.test("src/_shared/_yaml_bundle.js is the bundle of the pinned npm:yaml: not stale", async () => {
  const committed = await Deno.readTextFile(YAML_BUNDLE_FILE);
  const fresh = await bundleYaml();
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const pinned = String(config.imports.yaml).replace(/^npm:yaml@/, "");
  assert.ok(fresh.startsWith(`// npm:yaml@${pinned},`), fresh.slice(0, 80));
  assert.ok(
    committed === fresh,
    "src/_shared/_yaml_bundle.js is stale: run 'deno task gen:yaml'",
  );
});
