// Who opens a PKCS#12 bundle that the native reader refuses: node-forge (./_pkcs12.ts), whose
// errors say precisely what is wrong. It weighs ~12 MB of memory in a process and a good bundle
// never needs it, so it is loaded only when wanted: the public entry points (this room's mod.ts,
// the package's mod.ts) install it at once, so `loadTlsCredentials` behaves in full for library
// users; `openTlsCredentials` (what the runtime uses) loads it on the first bundle the native
// reader refuses. Private to src/transport.
import { CredentialsError } from "../errors/errors.ts";
import type { Pkcs12Contents } from "./_pkcs12.ts";

/** Opens a bundle or throws the CredentialsError that says why not. */
export type Pkcs12Reader = (bytes: Uint8Array, passphrase: string | undefined) => Pkcs12Contents;

let reader: Pkcs12Reader | null = null;

/** Make `open` the reader of refused bundles (from an entry point that loaded it). */
export function installPkcs12Reader(open: Pkcs12Reader): void {
  reader = open;
}

/** The installed reader, or null when none was loaded yet. */
export function pkcs12Reader(): Pkcs12Reader | null {
  return reader;
}

/** Load node-forge's reader (once) and install it. */
export async function loadPkcs12Reader(): Promise<void> {
  if (reader === null) installPkcs12Reader((await import("./_pkcs12.ts")).openPkcs12);
}

/**
 * The native reader refused a bundle and no reader is installed to say why. A
 * CredentialsError (`unreadable`) for whoever sees it; `openTlsCredentials` loads the reader
 * and tries again instead.
 */
export class Pkcs12ReaderMissingError extends CredentialsError {
  constructor() {
    super(
      "unreadable",
      "Cannot open the PKCS#12 bundle: the native reader refused it (a wrong password, or a format it cannot read), and the reader that explains refusals is not loaded (open it with openTlsCredentials)",
    );
  }
}
