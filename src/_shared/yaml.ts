// The YAML library (npm:yaml), loaded as an ES module. Its package's exports map gives Deno the
// CommonJS build (the "node" condition comes before "default"), and loading that through the
// Node compatibility layer costs more CPU than the rest of `runtime --dry-run` together
// (docs/benchmarks.md, CLI start-up). The same package ships the same library as ES modules in
// its `browser/` folder, which the exports map does not expose: it is imported by its URL, next
// to the resolved CommonJS entry. Where that fails (the package is not a local folder, or a
// remote module may not import it), the CommonJS build loads as before. Private to the package.
import type * as Yaml from "yaml";

async function loadYaml(): Promise<typeof Yaml> {
  try {
    const entry = import.meta.resolve("yaml");
    if (entry.startsWith("file:") && entry.endsWith("/dist/index.js")) {
      const esm = new URL("../browser/index.js", entry);
      // A dynamic import of a local file needs read access to it: never ask for it (a prompt
      // would stop a program that was not given it), take the CommonJS build instead.
      const read = Deno.permissions.querySync({ name: "read", path: esm });
      if (read.state !== "granted") return await import("yaml");
      const module: typeof Yaml = await import(esm.href);
      if (typeof module.parseDocument === "function") return module;
    }
  } catch {
    // Fall through to the package's own export.
  }
  return await import("yaml");
}

const yaml = await loadYaml();

/** `parseDocument` of npm:yaml. */
export const parseDocument: typeof Yaml.parseDocument = yaml.parseDocument;
/** `LineCounter` of npm:yaml. */
export const LineCounter: typeof Yaml.LineCounter = yaml.LineCounter;
/** `isAlias` of npm:yaml. */
export const isAlias: typeof Yaml.isAlias = yaml.isAlias;
/** `isMap` of npm:yaml. */
export const isMap: typeof Yaml.isMap = yaml.isMap;
/** `isScalar` of npm:yaml. */
export const isScalar: typeof Yaml.isScalar = yaml.isScalar;
/** `isSeq` of npm:yaml. */
export const isSeq: typeof Yaml.isSeq = yaml.isSeq;
/** `Document` of npm:yaml (its type). */
export type Document = Yaml.Document;
