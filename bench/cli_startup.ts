// Start-up of the offline CLI commands beside an empty Deno script, measured in the same run:
// each round spawns every command once, in turn, so load on the machine hits all of them alike;
// the medians and their ratio to the empty script's median are printed as a Markdown table for
// docs/benchmarks.md. Every process runs as a user runs it: `deno run -q -P=cli` with the V8
// flags of `deno task power-sdk`, from the project folder (same config, same lockfile).
// Run: deno task bench:startup [rounds]   (default 30)

const ROOT = new URL("..", import.meta.url);
const rounds = Number(Deno.args[0] ?? "30");
const V8_FLAGS = "--v8-flags=--max-semi-space-size=8,--heap-growing-percent=30";

const dir = await Deno.makeTempDir({ prefix: "power_sdk_startup_" });
// In the project folder, so that it loads the same deno.json and lockfile as the CLI does.
const empty = "bench/_empty_script.ts";
const config = `${dir}/runtime.yaml`;
await Deno.writeTextFile(
  config,
  `version: 1
pipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: "2237000012345" } } }
`,
);

const CASES: readonly (readonly [string, readonly string[]])[] = [
  ["empty Deno script", [empty]],
  ["`--version`", ["cli.ts", "--version"]],
  ["`blocks`", ["cli.ts", "blocks"]],
  ["`decode --block 100 <hex>`", ["cli.ts", "decode", "--block", "100", "14c10000005f"]],
  ["`profiles`", ["cli.ts", "profiles"]],
  ["`controls --profile EL100V2`", ["cli.ts", "controls", "--profile", "EL100V2"]],
  ["`schema`", ["cli.ts", "schema"]],
  ["`runtime --dry-run` (one device)", ["cli.ts", "runtime", "--config", config, "--dry-run"]],
];

async function once(args: readonly string[]): Promise<number> {
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-P=cli", V8_FLAGS, ...args],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - start;
  if (!output.success) {
    throw new Error(`${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

try {
  const times = CASES.map(() => [] as number[]);
  for (const [, args] of CASES) await once(args); // warm the module and code caches
  for (let round = 0; round < rounds; round++) {
    for (const [i, [, args]] of CASES.entries()) times[i]!.push(await once(args));
  }
  // The median is what a user waits; the fastest run is the least disturbed by other load.
  const base = median(times[0]!);
  const baseMin = Math.min(...times[0]!);
  console.log(`${rounds} rounds, wall time per process\n`);
  console.log("| command | median | ratio | fastest | ratio |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const [i, [label]] of CASES.entries()) {
    const m = median(times[i]!);
    const fastest = Math.min(...times[i]!);
    console.log(
      `| ${label} | ${m.toFixed(0)} ms | ${(m / base).toFixed(2)}× | ${fastest.toFixed(0)} ms | ${
        (fastest / baseMin).toFixed(2)
      }× |`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
