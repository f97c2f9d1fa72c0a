// The certificate files of `read`, `write`, `simulate` and `runtime`: read a PKCS#12 bundle
// and open it with the password from --password, POWER_SDK_CERT_PASSWORD or a no-echo prompt,
// and read a CA file; every failure is one CredentialsError naming the file. The password is
// never echoed, logged or put in a message. Private to src/cli.
import { X509Certificate } from "node:crypto";
import { CredentialsError } from "../errors/errors.ts";
import { openTlsCredentials, type TlsCredentials } from "../transport/credentials.ts";
import { type CredentialSources, PASSWORD_ENV } from "./_sources.ts";

export {
  CANCELLED_EXIT_CODE,
  type CredentialSources,
  DENO_SOURCES,
  PASSWORD_ENV,
} from "./_sources.ts";

/** The person cancelled the password prompt: the command prints the message, exits 130. */
export class PromptCancelledError extends Error {
  /** @param path The bundle whose password was asked for. */
  constructor(path: string) {
    super(`cancelled: no password entered for ${path}`);
    this.name = "PromptCancelledError";
  }
}

/**
 * Run `open`, which may ask for a password: when the person cancels the prompt, write its one
 * error line and give null (the command then returns {@linkcode CANCELLED_EXIT_CODE}).
 *
 * @param write Where the error line goes (stderr).
 * @param open What may ask.
 * @returns What `open` returned, or null when the prompt was cancelled.
 */
export async function unlessCancelled<T>(
  write: (text: string) => void,
  open: () => Promise<T>,
): Promise<T | null> {
  try {
    return await open();
  } catch (error) {
    if (!(error instanceof PromptCancelledError)) throw error;
    write(`error: ${error.message}\n`);
    return null;
  }
}

/** What {@linkcode loadBundle} opens. */
export interface BundleRequest {
  /** The bundle's path, as the user gave it (it names the file in messages). */
  readonly path: string;
  /** The value of `--password`, if given. */
  readonly password: string | undefined;
  /** Where the prompt is written (stderr). */
  readonly write: (text: string) => void;
}

/**
 * Read and open a PKCS#12 bundle. The password is `--password`, else the environment variable,
 * else none: then the empty password is tried (bundles made without one open at once) and, if
 * the bundle is protected, a person at a terminal is asked without echo; without a terminal it
 * fails saying how to pass the password.
 *
 * @param request The path, the `--password` value and where to write the prompt.
 * @param sources Files, environment, terminal.
 * @returns The checked credentials (certificate, key, the bundle's CAs).
 * @throws {CredentialsError} naming the file: unreadable, wrong or missing password, expired...
 * @throws {PromptCancelledError} when the person cancels the prompt.
 */
export async function loadBundle(
  request: BundleRequest,
  sources: CredentialSources,
): Promise<TlsCredentials> {
  const { path } = request;
  const pfx = await readUserFile(path, "the PKCS#12 bundle", sources);
  const env = sources.env(PASSWORD_ENV);
  if (request.password !== undefined) return await open(pfx, request.password, path, "--password");
  if (env !== undefined && env !== "") return await open(pfx, env, path, PASSWORD_ENV);
  try {
    return await open(pfx, "", path, "");
  } catch (error) {
    if (!(error instanceof CredentialsError && error.problem === "wrong_password")) throw error;
  }
  if (!sources.terminal.isTerminal()) {
    throw new CredentialsError(
      "wrong_password",
      `Cannot open the PKCS#12 bundle ${path}: it is password-protected; pass --password or set ${PASSWORD_ENV}`,
    );
  }
  const typed = await sources.terminal.readSecret(`Password for ${path}: `, request.write);
  if (typed === null) throw new PromptCancelledError(path);
  return await open(pfx, typed, path, "the prompt");
}

/**
 * Read a file of trusted CA certificates (PEM) and check that each certificate parses.
 *
 * @param path The path, as the user gave it.
 * @param sources Files.
 * @returns The PEM text.
 * @throws {CredentialsError} `unreadable`, naming the file.
 */
export async function readCaFile(path: string, sources: CredentialSources): Promise<string> {
  const what = "the CA file";
  const text = new TextDecoder().decode(await readUserFile(path, what, sources));
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (blocks === null) {
    throw new CredentialsError(
      "unreadable",
      `Cannot read ${what} ${path}: it holds no PEM CERTIFICATE block`,
    );
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new CredentialsError(
        "unreadable",
        `Cannot read ${what} ${path}: certificate #${
          i + 1
        } of ${blocks.length} is not a valid X.509 certificate (${
          error instanceof Error ? error.message : String(error)
        })`,
      );
    }
  });
  return text;
}

/** Open the bundle; a failure is rethrown naming the file and where the password came from. */
async function open(
  pfx: Uint8Array,
  password: string,
  path: string,
  from: string,
): Promise<TlsCredentials> {
  try {
    return await openTlsCredentials({ pfx, passphrase: password });
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    const verb = error.problem === "unreadable" || error.problem === "wrong_password"
      ? "open"
      : "use";
    // The library says "Cannot open the PKCS#12 bundle: why"; keep the why, name the file.
    const why = error.message.replace(/^Cannot [^:]*: /, "");
    const source = error.problem === "wrong_password" && from !== ""
      ? `; the password came from ${from}`
      : "";
    throw new CredentialsError(
      error.problem,
      `Cannot ${verb} the PKCS#12 bundle ${path}: ${why}${source}`,
      { cause: error },
    );
  }
}

async function readUserFile(
  path: string,
  what: string,
  sources: CredentialSources,
): Promise<Uint8Array> {
  try {
    return await sources.readFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new CredentialsError("unreadable", `Cannot read ${what} ${path}: ${why}`, {
      cause: error,
    });
  }
}
