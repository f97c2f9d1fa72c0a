// The first read of a small runtime.yaml in a fresh process, by the subset reader
// (src/runtime/config/_yaml_subset.ts) and by the YAML library (npm:yaml's bundle through
// src/runtime/config/_yaml_library.ts): what `runtime --dry-run` pays for its YAML before and
// after the subset reader. Each round spawns one process per reader, in turn; each process
// times (performance.now()) the import of its reader, its first read of the text into a tree,
// the first walk of that tree into plain data (the same walker for both) and a second, warm
// read. Medians are printed as a Markdown table.
// Run: deno run -P=bench bench/yaml_first_read.ts [rounds]   (default 30)

import type { YamlTree } from "../src/runtime/config/_yaml_node.ts";

// The configuration bench/cli_startup.ts reads.
const TEXT = `version: 1
pipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }
`;

interface Times {
  /** Importing the reader. */
  readonly load: number;
  /** Its first read of the text into a tree. */
  readonly parse: number;
  /** The first walk of that tree into data (the same walker for both). */
  readonly walk: number;
  /** A second read and walk. */
  readonly warm: number;
}

async function child(reader: string): Promise<Times> {
  const { walkTree } = await import("../src/runtime/config/_yaml_walk.ts");
  const env = () => undefined;
  const t0 = performance.now();
  let parse: (text: string) => YamlTree;
  if (reader === "subset") {
    const { readYamlSubset } = await import("../src/runtime/config/_yaml_subset.ts");
    parse = (text) => readYamlSubset(text)!;
  } else {
    const library = await import("../src/_shared/yaml.ts");
    const { readWithLibrary } = await import("../src/runtime/config/_yaml_library.ts");
    parse = (text) => readWithLibrary(text, "runtime.yaml", library);
  }
  const t1 = performance.now();
  const tree = parse(TEXT);
  const t2 = performance.now();
  walkTree(tree, "runtime.yaml", env);
  const t3 = performance.now();
  walkTree(parse(TEXT), "runtime.yaml", env);
  const t4 = performance.now();
  return { load: t1 - t0, parse: t2 - t1, walk: t3 - t2, warm: t4 - t3 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

if (Deno.args[0] === "--child") {
  console.log(JSON.stringify(await child(Deno.args[1]!)));
} else {
  const rounds = Number(Deno.args[0] ?? "30");
  const readers = ["subset", "library"] as const;
  const times = new Map<string, Times[]>(readers.map((r) => [r, []]));
  for (let round = 0; round < rounds + 1; round++) {
    for (const reader of readers) {
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-q", "-P=bench", import.meta.filename!, "--child", reader],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      if (!output.success) throw new Error(`the ${reader} process failed`);
      // The first round warms the module and code caches.
      if (round > 0) times.get(reader)!.push(JSON.parse(new TextDecoder().decode(output.stdout)));
    }
  }
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  console.log("| reader | import | first parse | first walk | import + first read | warm read |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const reader of readers) {
    const all = times.get(reader)!;
    const of = (pick: (t: Times) => number) => ms(median(all.map(pick)));
    console.log(
      `| ${reader} | ${of((t) => t.load)} | ${of((t) => t.parse)} | ${of((t) => t.walk)} | ${
        of((t) => t.load + t.parse + t.walk)
      } | ${of((t) => t.warm)} |`,
    );
  }
  console.log(`\n${rounds} fresh processes per reader; load average: ${Deno.loadavg().join(", ")}`);
}
