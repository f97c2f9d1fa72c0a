// Start-up of the offline CLI commands beside an empty Deno script, measured in the same run:
// each round spawns every command once, in turn, so load on the machine hits all of them alike;
// the medians and their ratio to the empty script's median are printed as a Markdown table for
// docs/benchmarks.md. Every process runs as a user runs it: `deno run -q -P=cli` with the V8
// flags of `deno task power-sdk`, from the project folder (same config, same lockfile).
// Each command also runs from the bundle `deno task compile` compiles (tools/bundle_cli.ts),
// built first into a folder under dist/ (deno.json is found from there, as for dist/cli).
// Run: deno task bench:startup [rounds] [folder]   (default 30 rounds). With a folder holding
// another checkout (`git archive main | tar -x -C /tmp/before`), its commands run in the same
// rounds too, so that before and after are measured under the same load.

import { bundleCli } from "../tools/bundle_cli.ts";
import { shippedV8Flags } from "./_fleet_cli.ts";

const ROOT = new URL("..", import.meta.url);
const rounds = Number(Deno.args[0] ?? "30");
const before = Deno.args[1];
const V8_FLAGS = `--v8-flags=${shippedV8Flags()}`;

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

const COMMANDS: readonly (readonly [string, readonly string[]])[] = [
  ["empty Deno script", [empty]],
  ["`--version`", ["cli.ts", "--version"]],
  ["`blocks`", ["cli.ts", "blocks"]],
  ["`decode --block 100 <hex>`", ["cli.ts", "decode", "--block", "100", "14c10000005f"]],
  ["`profiles`", ["cli.ts", "profiles"]],
  ["`controls --profile EL100V2`", ["cli.ts", "controls", "--profile", "EL100V2"]],
  ["`schema`", ["cli.ts", "schema"]],
  ["`runtime --dry-run` (one device)", ["cli.ts", "runtime", "--config", config, "--dry-run"]],
];

await Deno.mkdir(new URL("dist", ROOT), { recursive: true });
const bundleDir = await Deno.makeTempDir({ dir: new URL("dist", ROOT).pathname, prefix: "bench_" });
const bundle = await bundleCli(bundleDir);

/** Label, arguments, folder. */
const CASES: readonly (readonly [string, readonly string[], string | URL])[] = [
  ...COMMANDS.map(([label, args]) => [label, args, ROOT] as const),
  ...COMMANDS.slice(1).map(([label, args]) =>
    [`${label}, bundled`, [bundle, ...args.slice(1)], ROOT] as const
  ),
  ...(before === undefined
    ? []
    : COMMANDS.slice(1).map(([label, args]) =>
      [`${label}, before (${before})`, args, before] as const
    )),
];

/** One process: its wall time, and its CPU time (user + system, all threads) from bash's `time`. */
async function once(
  args: readonly string[],
  cwd: string | URL,
): Promise<{ wall: number; cpu: number }> {
  const quoted = ["deno", "run", "-q", "-P=cli", V8_FLAGS, ...args].map((a) => `'${a}'`).join(" ");
  const start = performance.now();
  const output = await new Deno.Command("bash", {
    args: ["-c", `TIMEFORMAT='%3U %3S'; time ${quoted} >/dev/null 2>&1`],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  const wall = performance.now() - start;
  const text = new TextDecoder().decode(output.stderr).trim();
  if (!output.success) throw new Error(`${args.join(" ")} failed: ${text}`);
  const [user, system] = text.split("\n").at(-1)!.split(" ").map(Number);
  return { wall, cpu: (user! + system!) * 1000 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

try {
  const walls = CASES.map(() => [] as number[]);
  const cpus = CASES.map(() => [] as number[]);
  for (const [, args, cwd] of CASES) await once(args, cwd); // warm the module and code caches
  for (let round = 0; round < rounds; round++) {
    for (const [i, [, args, cwd]] of CASES.entries()) {
      const { wall, cpu } = await once(args, cwd);
      walls[i]!.push(wall);
      cpus[i]!.push(cpu);
    }
  }
  // Wall time is what a user waits; CPU time (user + system) is what the process does, and is
  // far less disturbed by other load on the machine than wall time.
  const baseWall = median(walls[0]!);
  const baseCpu = median(cpus[0]!);
  console.log(`${rounds} rounds, medians per process\n`);
  console.log("| command | wall | ratio | CPU (user + system) | ratio |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const [i, [label]] of CASES.entries()) {
    const wall = median(walls[i]!);
    const cpu = median(cpus[i]!);
    console.log(
      `| ${label} | ${wall.toFixed(0)} ms | ${(wall / baseWall).toFixed(2)}× | ${
        cpu.toFixed(0)
      } ms | ${(cpu / baseCpu).toFixed(2)}× |`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
  await Deno.remove(bundleDir, { recursive: true });
}
