// Feedback while a command waits on the network: after a moment without an answer, one line on
// stderr says what it is waiting for (`connecting to mqtts://host:18760 ...`), so a slow cloud
// does not look like a hang. Only for a person at a terminal (or when asked), never on stdout,
// never with --json. A timeout gets the likely
// causes appended. Private to src/cli.
import { PowerSdkError, TransportError } from "../errors/errors.ts";
import type { CommandContext } from "./_context.ts";
import { DENO_IO } from "./_io.ts";

/** How long a step runs before its line is printed, unless POWER_SDK_PROGRESS_DELAY_MS says. */
const DEFAULT_DELAY_MS = 1_000;

/** Says what a command waits for, when the wait is noticeable. */
export interface Progress {
  /**
   * Run `work`; if it has not settled after the delay, print `text ...` on stderr.
   *
   * @param text What is being waited for: `connecting to ...`, `waiting for the reply to ...`.
   * @param work The wait.
   * @returns What `work` returns.
   */
  step<T>(text: string, work: () => Promise<T>): Promise<T>;
}

/**
 * A progress reporter for a command. It prints when stderr is a terminal (a person waits), or
 * when `POWER_SDK_PROGRESS_DELAY_MS` is set (a script or a test asks for it); never with
 * `quiet` (`--json`), never into a log file or a pipe otherwise.
 *
 * @param ctx Where lines go (stderr).
 * @param quiet Print nothing.
 * @param env The environment: `POWER_SDK_PROGRESS_DELAY_MS` sets the delay (0: at once).
 * @returns The reporter.
 */
export function progress(
  ctx: CommandContext,
  quiet: boolean,
  env: (name: string) => string | undefined = readEnv,
): Progress {
  const text = env("POWER_SDK_PROGRESS_DELAY_MS");
  const configured = text === undefined || text.trim() === "" ? Number.NaN : Number(text);
  const asked = Number.isFinite(configured) && configured >= 0;
  const delayMs = asked ? configured : DEFAULT_DELAY_MS;
  const shown = !quiet && (asked || (ctx.io === DENO_IO && Deno.stderr.isTerminal()));
  return {
    async step(text, work) {
      if (!shown) return await work();
      const timer = setTimeout(() => ctx.io.stderr(`${text} ...\n`), delayMs);
      try {
        return await work();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** What a reply that did not come usually means, as docs/cloud-setup.md lists it. */
export const TIMEOUT_CAUSES =
  "likely causes: the station is offline or not on this broker; the framing is not the one it " +
  "speaks (--framing rtu|iot-v2|v1); the serial number or the topics are not its own; another " +
  "session (the vendor app, a second power-sdk) holds the station's certificate. " +
  "See docs/cloud-setup.md";

/**
 * A timeout with the likely causes appended; any other error as it is.
 *
 * @param error What was thrown.
 * @returns The error to throw.
 */
export function explainTimeout(error: unknown): unknown {
  if (!(error instanceof PowerSdkError) || error.code !== "TRANSPORT_TIMEOUT") return error;
  return new TransportError("TRANSPORT_TIMEOUT", `${error.message}; ${TIMEOUT_CAUSES}`, {
    cause: error,
  });
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
