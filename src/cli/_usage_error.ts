// The command line was wrong (unknown command or option, missing argument, bad choice): exit 2.
// Private to src/cli.

/**
 * A mistake in the command line itself, as opposed to a failure while running a command.
 * `main` prints the message, a hint to the command's `--help`, and returns exit code 2.
 */
export class UsageError extends Error {
  /** The exit code of a usage error. */
  readonly exitCode = 2;
  /** The command whose `--help` the hint names (`decode`, `blocks show`), or "" for global. */
  readonly command: string;

  /**
   * @param message What is wrong, and a "did you mean" suggestion when something is close.
   * @param command The command whose help the hint should name; "" for the global help.
   */
  constructor(message: string, command = "") {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}
