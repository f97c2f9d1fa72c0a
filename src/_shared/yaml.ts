// The YAML library (npm:yaml), as one ES module: src/_shared/_yaml_bundle.js is the package's ES
// module build (its `browser/` folder) joined into one file by tools/gen_yaml_bundle.ts, for the
// version deno.json pins. The package's exports map would give Deno the CommonJS build (the
// "node" condition comes before "default"), whose Node compatibility layer costs more CPU than
// the rest of `runtime --dry-run` together; its ES build loads as 73 modules, about 18 ms, the
// bundle as one, about 4 ms (docs/benchmarks.md, CLI start-up). Private to the package.
import type * as Yaml from "yaml";
// @ts-types="yaml"
import * as bundle from "./_yaml_bundle.js";

const yaml: typeof Yaml = bundle;

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
