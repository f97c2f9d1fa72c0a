// Where the certificate password and files come from (the process, or a test's doubles), kept
// apart from ./_credentials.ts so that commands which only check a file do not load the bundle
// reader. Private to src/cli.
import type { Terminal } from "./_prompt.ts";

/** The environment variable that holds the certificate password. */
export const PASSWORD_ENV = "POWER_SDK_CERT_PASSWORD";

/** Exit code of a command whose password prompt was cancelled (128 + SIGINT). */
export const CANCELLED_EXIT_CODE = 130;

/** Where files, the environment and the terminal come from: the process, or a test's doubles. */
export interface CredentialSources {
  /** Read a file's bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** An environment variable, or undefined when unset or not readable. */
  env(name: string): string | undefined;
  /** The terminal for the password prompt. */
  readonly terminal: Terminal;
}

/** The process's files, environment and terminal. */
export const DENO_SOURCES: CredentialSources = {
  readFile: (path) => Deno.readFile(path),
  env(name) {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no permission: as good as unset
    }
  },
  // The prompt's code (raw mode, line editing) loads when a secret is asked for.
  terminal: {
    isTerminal: () => Deno.stdin.isTerminal(),
    readSecret: async (prompt, write) =>
      (await import("./_prompt.ts")).DENO_TERMINAL.readSecret(prompt, write),
  },
};
