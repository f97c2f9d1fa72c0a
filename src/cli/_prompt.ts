// Asking a person for a secret (a certificate password) on the terminal, without echo. The
// commands see only the small Terminal interface, so tests inject their own; DENO_TERMINAL is
// the one place that puts stdin in raw mode. Private to src/cli.
import { DENO_PROMPT_SIGNALS } from "./_signals.ts";

/** The terminal a command may ask a person on. */
export interface Terminal {
  /** Whether stdin is a terminal a person can type into (false for a pipe, a file, null). */
  isTerminal(): boolean;
  /**
   * Ask for a secret: write `prompt`, read one line without echoing it, write the newline the
   * person typed.
   *
   * @param prompt What to ask (`Password for client.p12: `).
   * @param write Where the prompt goes (stderr, so stdout stays clean for results).
   * @returns The secret, or null when the person cancelled (Ctrl-C, or Ctrl-D/end of input
   * before anything was typed).
   */
  readSecret(prompt: string, write: (text: string) => void): Promise<string | null>;
}

/** What {@linkcode createTerminal} needs of stdin: the subset of `Deno.stdin` it uses. */
export interface RawInput {
  /** Whether it is a terminal. */
  isTerminal(): boolean;
  /** Switch raw mode (no echo, no line editing, Ctrl-C as a byte) on or off. */
  setRaw(mode: boolean): void;
  /** Read into `buffer`; the byte count, or null at end of input. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/** Signals that end a prompt early, so raw mode is undone before the process goes. */
export interface PromptSignals {
  /**
   * Call `onSignal` when the process is asked to stop (SIGTERM, SIGHUP); returns a function that
   * stops listening.
   */
  listen(onSignal: () => void): () => void;
}

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const CTRL_U = 0x15;
const ESC = 0x1b;
const DEL = 0x7f;

/**
 * A {@linkcode Terminal} over a raw-capable input. Raw mode is switched on for the read only
 * and switched off on every way out: Enter, Ctrl-C, end of input, a read error, a signal.
 * Backspace and Ctrl-U edit; escape sequences (arrow keys) and other control bytes are ignored.
 *
 * @param input stdin, or a test double.
 * @param signals Signals that cancel the prompt; none by default.
 * @returns The terminal.
 */
export function createTerminal(input: RawInput, signals?: PromptSignals): Terminal {
  return {
    isTerminal: () => input.isTerminal(),
    async readSecret(prompt, write) {
      // Raw first, so nothing typed after the prompt appears is echoed.
      input.setRaw(true);
      let stopListening = () => {};
      try {
        write(prompt);
        const read = collectSecret(input);
        if (signals === undefined) return await read;
        const signalled = new Promise<null>((resolve) => {
          stopListening = signals.listen(() => resolve(null));
        });
        return await Promise.race([read, signalled]);
      } finally {
        stopListening();
        input.setRaw(false);
        write("\n");
      }
    },
  };
}

/**
 * Read bytes until Enter and return the text typed, editing as a terminal would.
 *
 * @param input Where the bytes come from (in raw mode).
 * @returns The secret, or null for Ctrl-C, or Ctrl-D/end of input with nothing typed.
 */
export async function collectSecret(input: Pick<RawInput, "read">): Promise<string | null> {
  const decoder = new TextDecoder();
  const chars: string[] = [];
  const buffer = new Uint8Array(256);
  let escape: "none" | "start" | "csi" = "none";
  for (;;) {
    const count = await input.read(buffer);
    if (count === null) return chars.length === 0 ? null : chars.join("");
    for (const byte of buffer.subarray(0, count)) {
      if (escape === "start") {
        // ESC [ ... final byte (CSI), ESC O x (SS3) or ESC x: skip the whole sequence.
        escape = byte === 0x5b ? "csi" : byte === 0x4f ? "csi" : "none";
        continue;
      }
      if (escape === "csi") {
        if (byte >= 0x40 && byte <= 0x7e) escape = "none";
        continue;
      }
      if (byte === 0x0d || byte === 0x0a) return chars.join("") + decoder.decode();
      if (byte === CTRL_C) return null;
      if (byte === CTRL_D) {
        if (chars.length === 0) return null;
        continue;
      }
      if (byte === DEL || byte === BACKSPACE) {
        chars.pop();
        continue;
      }
      if (byte === CTRL_U) {
        chars.length = 0;
        continue;
      }
      if (byte === ESC) {
        escape = "start";
        continue;
      }
      if (byte < 0x20) continue;
      // Characters of several bytes come out whole once their last byte is in.
      const text = decoder.decode(Uint8Array.of(byte), { stream: true });
      if (text !== "") chars.push(...text);
    }
  }
}

/** The process's terminal: `Deno.stdin` in raw mode while a secret is typed. */
export const DENO_TERMINAL: Terminal = createTerminal(Deno.stdin, DENO_PROMPT_SIGNALS);
