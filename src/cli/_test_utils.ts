// Test-only helpers of this folder: run main() in-process with a capturing CliIo.
import { type BlockSchema, BLUETTI_V2_BLOCKS, SchemaRegistry } from "../../mod.ts";
import { type CliIo, main } from "./main.ts";

/** What one run of the CLI produced. */
export interface CliRun {
  /** The exit code main returned. */
  readonly code: number;
  /** Everything written to stdout. */
  readonly stdout: string;
  /** Everything written to stderr. */
  readonly stderr: string;
}

/** Runs `main(args)` with an io that captures both streams. */
export async function runCli(args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout(text) {
      stdout += text;
    },
    stderr(text) {
      stderr += text;
    },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const registry = new SchemaRegistry(BLUETTI_V2_BLOCKS);

/** The built-in schema of a block. */
export function schemaOf(id: number): BlockSchema {
  return registry.require(id);
}

/** The lines of a text, without the empty one after the final newline. */
export function lines(text: string): string[] {
  const all = text.split("\n");
  if (all.at(-1) === "") all.pop();
  return all;
}
