// A FIFO as `--config`: what `--config <(envsubst < template)` gives the CLI, a text that can be
// read once and that arrives when the writer opens it. Opening a FIFO for writing waits for its
// reader, so a test knows when the CLI has loaded and reads its configuration.
import assert from "node:assert/strict";
import { type CliOptions, CliProcess } from "./cli.ts";

/** Make a FIFO (named pipe) at `path`. */
export async function makeFifo(path: string): Promise<void> {
  const made = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.ok(made.success, `mkfifo ${path}`);
}

/**
 * `power-sdk runtime --verbose` on a FIFO in `dir`, sent SIGTERM once it reads the FIFO (loaded,
 * before it runs anything or listens to signals), then given `yaml`: how it ends.
 */
export async function sigtermWhileReadingConfig(
  dir: string,
  yaml: string,
  options: CliOptions = {},
): Promise<{ readonly code: number; readonly stderr: string }> {
  const fifo = `${dir}/runtime-fifo.yaml`;
  await makeFifo(fifo);
  await using runtime = new CliProcess(["runtime", "--config", fifo, "--verbose"], options);
  const writer = await Deno.open(fifo, { write: true });
  runtime.signal("SIGTERM");
  await writer.write(new TextEncoder().encode(yaml));
  writer.close();
  const status = await runtime.exited();
  return { code: status.code, stderr: runtime.stderr };
}
