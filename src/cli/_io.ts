// The one place the CLI touches the terminal: the default CliIo writes to Deno.stdout and
// Deno.stderr. Private to src/cli.
import type { CliIo } from "./main.ts";

const encoder = new TextEncoder();

function writeAll(stream: typeof Deno.stdout | typeof Deno.stderr, text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  try {
    while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
  } catch (error) {
    // The reader went away (`power-sdk blocks | head -1`): nothing left to write to.
    if (error instanceof Deno.errors.BrokenPipe) return;
    throw error;
  }
}

/** Writes to the process's standard output and error. */
export const DENO_IO: CliIo = {
  stdout(text: string): void {
    writeAll(Deno.stdout, text);
  },
  stderr(text: string): void {
    writeAll(Deno.stderr, text);
  },
};
