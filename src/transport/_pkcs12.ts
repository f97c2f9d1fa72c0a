// Opens a PKCS#12 bundle in memory with node-forge: forge verifies the MAC and decrypts the
// bags; everything after that (keys, certificates, checks) is node:crypto's job. Forge cannot
// build objects for EC keys and certificates and then leaves the decrypted ASN.1 in the bag;
// for RSA it builds objects, which are turned back into DER here, so both key types leave this
// module the same way: PKCS#8 DER keys and X.509 DER certificates.

// @ts-types="@types/node-forge"
import forge from "node-forge";
import { CredentialsError } from "../errors/errors.ts";

/** What a PKCS#12 bundle holds, as DER. */
export interface Pkcs12Contents {
  /** X.509 certificates (DER), in bundle order. */
  readonly certificates: Uint8Array[];
  /** Private keys as PKCS#8 PrivateKeyInfo (DER), in bundle order. */
  readonly keys: Uint8Array[];
}

const MAC_FAILURE = "PKCS#12 MAC could not be verified";

/**
 * Verify and decrypt a PKCS#12 bundle.
 *
 * @param bytes The bundle (DER).
 * @param passphrase The password; `undefined` when none was given (tried as empty).
 * @returns The certificates and keys it holds.
 * @throws {CredentialsError} `unreadable` (not PKCS#12, corrupt, unsupported) or
 * `wrong_password`. Messages never quote the password or the bundle's bytes.
 */
export function openPkcs12(bytes: Uint8Array, passphrase: string | undefined): Pkcs12Contents {
  if (bytes.length === 0) {
    throw new CredentialsError(
      "unreadable",
      "Cannot open the PKCS#12 bundle: it is empty (0 bytes)",
    );
  }
  if (startsWithText(bytes, "-----BEGIN")) {
    throw new CredentialsError(
      "unreadable",
      `Cannot open the PKCS#12 bundle: the ${bytes.length} bytes given are PEM text, not a binary PKCS#12 bundle; pass PEM as 'cert' and 'key' instead`,
    );
  }
  let pfxAsn1: forge.asn1.Asn1;
  try {
    pfxAsn1 = forge.asn1.fromDer(toBinaryString(bytes));
  } catch (error) {
    throw new CredentialsError(
      "unreadable",
      `Cannot open the PKCS#12 bundle: the ${bytes.length} bytes given are not DER-encoded PKCS#12 (${
        reason(error)
      })`,
    );
  }
  const hasMac = Array.isArray(pfxAsn1.value) && pfxAsn1.value.length > 2;

  const password = passphrase ?? "";
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    pfx = decode(pfxAsn1, password);
  } catch (first) {
    if (password === "" && isMacFailure(first)) {
      // Some tools compute the MAC over an absent password rather than an empty one.
      pfx = decodeOr(pfxAsn1, null, first, hasMac, passphrase);
    } else if (!isMacFailure(first) && hasMac && !isAscii(password)) {
      // forge feeds PBES2 (the OpenSSL 3 default) the password's UTF-16 code units, OpenSSL
      // its UTF-8 bytes: the MAC (UTF-16 by the standard) passed, so retry the decryption
      // alone with the UTF-8 form.
      pfx = decodeOr(
        withoutMac(pfxAsn1),
        forge.util.encodeUtf8(password),
        first,
        hasMac,
        passphrase,
      );
    } else {
      throw failure(first, hasMac, passphrase);
    }
  }

  const certificates: Uint8Array[] = [];
  const keys: Uint8Array[] = [];
  try {
    for (const contents of pfx.safeContents) {
      for (const bag of contents.safeBags) {
        const raw = (bag as { asn1?: forge.asn1.Asn1 }).asn1;
        if (bag.type === forge.pki.oids.certBag) {
          const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : raw;
          if (asn1) certificates.push(toDer(asn1));
        } else if (
          bag.type === forge.pki.oids.keyBag || bag.type === forge.pki.oids.pkcs8ShroudedKeyBag
        ) {
          const asn1 = bag.key
            ? forge.pki.wrapRsaPrivateKey(
              forge.pki.privateKeyToAsn1(bag.key as forge.pki.rsa.PrivateKey),
            )
            : raw;
          if (asn1) keys.push(toDer(asn1));
        }
      }
    }
  } catch (error) {
    throw new CredentialsError(
      "unreadable",
      `Cannot open the PKCS#12 bundle: a bag could not be re-encoded (${reason(error)})`,
    );
  }
  return { certificates, keys };
}

function decode(asn1: forge.asn1.Asn1, password: string | null): forge.pkcs12.Pkcs12Pfx {
  // forge's types say string; it handles null/undefined as "no password".
  return forge.pkcs12.pkcs12FromAsn1(asn1, true, password as string);
}

function decodeOr(
  asn1: forge.asn1.Asn1,
  password: string | null,
  first: unknown,
  hasMac: boolean,
  given: string | undefined,
): forge.pkcs12.Pkcs12Pfx {
  try {
    return decode(asn1, password);
  } catch {
    throw failure(first, hasMac, given);
  }
}

function failure(error: unknown, hasMac: boolean, given: string | undefined): CredentialsError {
  if (isMacFailure(error)) {
    return new CredentialsError(
      "wrong_password",
      given === undefined
        ? "Cannot open the PKCS#12 bundle: it is password-protected and no passphrase was given (an empty password does not open it)"
        : given === ""
        ? "Cannot open the PKCS#12 bundle: wrong passphrase (an empty passphrase was given; the bundle's integrity check failed)"
        : "Cannot open the PKCS#12 bundle: wrong passphrase (the bundle's integrity check failed)",
    );
  }
  const why = reason(error);
  if (!hasMac && /decrypt|password/i.test(why)) {
    // Without a MAC a wrong password shows up only when decryption fails.
    return new CredentialsError(
      "wrong_password",
      `Cannot open the PKCS#12 bundle: its contents could not be decrypted, most likely a wrong passphrase (the bundle has no integrity check to tell; ${why})`,
    );
  }
  return new CredentialsError(
    "unreadable",
    `Cannot open the PKCS#12 bundle: it is corrupt or uses an unsupported format (${why})`,
  );
}

function isMacFailure(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith(MAC_FAILURE);
}

function withoutMac(asn1: forge.asn1.Asn1): forge.asn1.Asn1 {
  const value = asn1.value as forge.asn1.Asn1[];
  return { ...asn1, value: value.slice(0, 2) };
}

/** The message of a forge or node error: fixed text, never key or password material. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\.$/, "");
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return false;
  }
  return true;
}

function startsWithText(bytes: Uint8Array, text: string): boolean {
  let start = 0;
  // Skip a UTF-8 byte order mark and leading white space.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  while (start < bytes.length && [0x09, 0x0a, 0x0d, 0x20].includes(bytes[start]!)) start++;
  if (bytes.length - start < text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (bytes[start + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

function toBinaryString(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return text;
}

function toDer(asn1: forge.asn1.Asn1): Uint8Array {
  const binary = forge.asn1.toDer(asn1).getBytes();
  const der = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) der[i] = binary.charCodeAt(i);
  return der;
}
