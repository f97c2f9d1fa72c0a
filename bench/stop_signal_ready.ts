// How soon after it starts the CLI takes SIGTERM as a graceful stop (Linux): spawns
// `deno run -P=cli cli.ts runtime --config <file>` and polls /proc/PID/status until the SigCgt
// mask has SIGTERM (read by `cat`, a few milliseconds a poll: the figures are that coarse). Before that instant, a SIGTERM ends the process with 143. Compared with an
// empty Deno program that listens to SIGTERM (the floor: Deno's own start).
// Run: deno run -P=bench bench/stop_signal_ready.ts [runs]   — prints a Markdown table.
const runs = Number(Deno.args[0] ?? "10");
const ROOT = new URL("..", import.meta.url);

async function caughtAfter(args: string[]): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let at = Number.NaN;
  try {
    while (performance.now() - started < 30_000) {
      // Deno reads /proc only with every permission: `cat` reads it for us (a few ms a poll).
      const read = await new Deno.Command("cat", { args: [`/proc/${child.pid}/status`] }).output();
      const status = new TextDecoder().decode(read.stdout);
      const mask = /SigCgt:\s*([0-9a-f]+)/.exec(status)?.[1];
      if (mask !== undefined && (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n) {
        at = performance.now() - started;
        break;
      }
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // It ended by itself.
    }
    await child.status;
  }
  return at;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const dir = await Deno.makeTempDir();
try {
  const empty = `${dir}/empty.ts`;
  await Deno.writeTextFile(
    empty,
    'Deno.addSignalListener("SIGTERM", () => {}); setTimeout(() => {}, 60_000);\n',
  );
  // A broker port where nothing listens: the runtime starts, fails to connect, and runs on.
  const config = `${dir}/runtime.yaml`;
  await Deno.writeTextFile(
    config,
    `version: 1
pipelines:
  lan: { transport: mqtt, vendor: bluetti, protocol: v2, transport_opts: { broker: "mqtt://127.0.0.1", port: 9, allow_insecure: true } }
devices:
  - { id: garage, pipeline: lan, profile_id: EL30V2, transport: { opts: { device_sn: EL30V2000001 } } }
`,
  );
  const rows: [string, string[]][] = [
    ["empty Deno program listening to SIGTERM", ["run", "-A", empty]],
    ["`power-sdk runtime --config runtime.yaml`", [
      "run",
      "-P=cli",
      "cli.ts",
      "runtime",
      "--config",
      config,
    ]],
  ];
  console.log(`| program | SIGTERM caught after (median of ${runs}) | max |`);
  console.log("| --- | --- | --- |");
  for (const [label, args] of rows) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await caughtAfter(args));
    console.log(
      `| ${label} | ${median(times).toFixed(0)} ms | ${Math.max(...times).toFixed(0)} ms |`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
