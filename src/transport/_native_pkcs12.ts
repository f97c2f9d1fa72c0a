// Opens a PKCS#12 bundle with the runtime's native TLS code (Deno's `node:tls` reads `pfx` in
// Rust: MAC check, PBKDF2/PKCS#12 key derivation and decryption cost about 2 ms instead of the
// 20-40 ms of JavaScript that node-forge needs). Only the happy path is taken from here: when
// the native code refuses the bundle (wrong password, not PKCS#12, no key, no certificate, a
// format it does not support) the caller opens it again with node-forge, whose failures say
// precisely what is wrong. Private to src/transport.

import { Buffer } from "node:buffer";
import { createPrivateKey } from "node:crypto";
import { createSecureContext } from "node:tls";
import type { Pkcs12Contents } from "./_pkcs12.ts";

/** What Deno's SecureContext keeps after reading a `pfx` (PEM text). */
interface NativeContext {
  readonly cert?: unknown;
  readonly key?: unknown;
  readonly ca?: unknown;
}

/**
 * Open a bundle natively.
 *
 * @param bytes The bundle (DER).
 * @param passphrase The password; `undefined` is tried as empty.
 * @returns Its certificates and keys as DER, or `null` when the native code refused it or
 * returned something other than one certificate chain and one key (the caller then opens it
 * with node-forge to say why).
 */
export function openPkcs12Natively(
  bytes: Uint8Array,
  passphrase: string | undefined,
): Pkcs12Contents | null {
  let context: NativeContext | undefined;
  try {
    const secure = createSecureContext({ pfx: Buffer.from(bytes), passphrase: passphrase ?? "" });
    context = (secure as unknown as { context?: NativeContext }).context;
  } catch {
    return null;
  }
  if (context === undefined || typeof context.cert !== "string") return null;
  if (typeof context.key !== "string") return null;
  const ca = context.ca === undefined ? [] : Array.isArray(context.ca) ? context.ca : [context.ca];
  if (!ca.every((item): item is string => typeof item === "string")) return null;
  try {
    const certificates = [context.cert, ...ca].flatMap(certificateDers);
    const keys = [pkcs8Der(context.key)];
    if (certificates.length === 0) return null;
    return { certificates, keys };
  } catch {
    return null;
  }
}

function certificateDers(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (
    const match of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)
  ) {
    out.push(new Uint8Array(Buffer.from(match[1]!.replace(/\s+/g, ""), "base64")));
  }
  return out;
}

function pkcs8Der(pem: string): Uint8Array {
  const plain = /^-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----\s*$/.exec(
    pem.trim(),
  );
  if (plain) return new Uint8Array(Buffer.from(plain[1]!.replace(/\s+/g, ""), "base64"));
  const der = createPrivateKey({ key: pem, format: "pem" }).export({
    type: "pkcs8",
    format: "der",
  });
  return new Uint8Array(der);
}
