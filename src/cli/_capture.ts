// Reading the captures users share (`read --record capture.jsonl`, the runtime's `record`
// sink; written by src/runtime/capture.ts): `decode --replay capture.jsonl` decodes them again
// offline. Private to src/cli.
import { ConfigError } from "../errors/errors.ts";
import { framingNames } from "../protocol/framing.ts";
import { CAPTURE_VERSION, type CaptureLine } from "../runtime/capture.ts";
import { parseHex } from "./_hex.ts";

export type { CaptureLine };

/**
 * Read a capture file: every line checked, a mistake named by `file:line`.
 *
 * @param path The file.
 * @param text Its contents.
 * @returns The lines, in file order.
 * @throws {ConfigError} `CONFIG_INVALID` for a line that is not a capture line.
 */
export function parseCapture(path: string, text: string): { line: number; entry: CaptureLine }[] {
  const out: { line: number; entry: CaptureLine }[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    if (raw.trim() === "") continue;
    const where = `${path}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new ConfigError("CONFIG_INVALID", `${where}: not JSON: ${(error as Error).message}`, {
        path: where,
      });
    }
    out.push({ line: index + 1, entry: checkLine(value, where) });
  }
  if (out.length === 0) {
    throw new ConfigError("CONFIG_INVALID", `${path}: the capture holds no line`, { path });
  }
  return out;
}

function checkLine(value: unknown, where: string): CaptureLine {
  const fail = (what: string): never => {
    throw new ConfigError("CONFIG_INVALID", `${where}: ${what}`, { path: where });
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return fail("expected an object");
  }
  const line = value as Record<string, unknown>;
  if (line.v !== CAPTURE_VERSION) {
    fail(
      `'v' must be ${CAPTURE_VERSION} (a capture of this version), got ${JSON.stringify(line.v)}`,
    );
  }
  const framing = line.framing;
  if (typeof framing !== "string" || !framingNames().includes(framing)) {
    fail(`'framing' must be one of ${framingNames().join(", ")}`);
  }
  for (const key of ["block", "quantity"]) {
    if (!Number.isSafeInteger(line[key]) || (line[key] as number) < 0) {
      fail(`'${key}' must be a whole number`);
    }
  }
  if (line.reply !== null && typeof line.reply !== "string") fail("'reply' must be hex or null");
  if (typeof line.reply === "string") {
    try {
      parseHex(line.reply);
    } catch (error) {
      fail(`'reply': ${(error as Error).message}`);
    }
  }
  return line as unknown as CaptureLine;
}
