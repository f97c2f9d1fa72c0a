import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import { CredentialsError } from "../errors/errors.ts";
import { openPkcs12Natively } from "./_native_pkcs12.ts";
import { loadPkcs12Reader, pkcs12Reader, Pkcs12ReaderMissingError } from "./_pkcs12_reader.ts";

/**
 * Where TLS client credentials come from: either a PKCS#12 bundle (`pfx` + `passphrase`) or a
 * PEM certificate and key (`cert` + `key`, `keyPassphrase` when the key is encrypted). Giving
 * both a bundle and PEM is refused. Everything is bytes and text in memory: no file is read.
 */
export interface TlsCredentialsInput {
  /**
   * A PKCS#12 bundle (`.p12`/`.pfx`, DER bytes): the client certificate, its private key and
   * usually the CA certificates. OpenSSL 3 default, `-legacy` (RC2/3DES), RSA and EC.
   */
  pfx?: Uint8Array;
  /**
   * The bundle's password. For PEM input it is also accepted as the key's passphrase when
   * `keyPassphrase` is absent (as `node:tls` does).
   *
   * @default {""} (an empty password)
   */
  passphrase?: string;
  /**
   * The client certificate as PEM text; may hold a chain (in any order: the leaf is the one
   * that matches the key) and may hold the private key too when `key` is absent.
   */
  cert?: string;
  /** The private key as PEM text: PKCS#8, PKCS#1 RSA or SEC1 EC, encrypted or not. */
  key?: string;
  /** The passphrase of an encrypted PEM `key`. Not used with `pfx`. */
  keyPassphrase?: string;
  /** Extra trusted CA certificates, as PEM text (one string may hold several). */
  ca?: string | readonly string[];
  /**
   * The time validity is checked against (for tests).
   *
   * @default {new Date()}
   */
  now?: Date;
}

/**
 * Checked TLS client credentials, ready for a TLS connection: pass `cert`, `key` and `ca`
 * explicitly (the key is not an own enumerable property, so `{ ...credentials }` drops it).
 * Logging the object (`console.log`, `Deno.inspect`, `util.inspect`, `JSON.stringify`) shows
 * subject, issuer, validity and fingerprint, with `key: "[redacted]"`.
 */
export interface TlsCredentials {
  /** PEM: the client (leaf) certificate first, then any intermediate certificates. */
  readonly cert: string;
  /** PEM PKCS#8, unencrypted; in memory only, never logged. */
  readonly key: string;
  /** PEM CA certificates: those in the bundle (every certificate but the leaf), then the given ones. */
  readonly ca: readonly string[];
  /** The client certificate's subject, one line (`CN=power-sdk-test-client`). */
  readonly subject: string;
  /** The client certificate's issuer, one line. */
  readonly issuer: string;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** SHA-256 fingerprint of the client certificate, colon-separated upper-case hex. */
  readonly fingerprint256: string;
}

/**
 * Load TLS client credentials from a PKCS#12 bundle or from PEM, and check them before any
 * connection is tried: Deno's TLS does not report a wrong key passphrase (it connects without
 * a client certificate) nor a key that does not match its certificate ("unsupported protocol"
 * later), so this function does. The key comes back decrypted, in memory; nothing is written
 * or read from disk.
 *
 * Checks, in order, each a {@linkcode CredentialsError} with its `problem`:
 * - `unreadable`: not PKCS#12, not PEM, corrupt, or both a bundle and PEM given;
 * - `wrong_password`: the bundle's passphrase or the encrypted PEM key's passphrase is wrong
 *   or missing;
 * - `missing_certificate`: no client certificate (e.g. a bundle holding only CA certificates);
 * - `missing_key`: a client certificate without a private key;
 * - `key_mismatch`: the private key belongs to no given certificate;
 * - `expired` / `not_yet_valid`: the client certificate is outside its validity at `now`.
 *
 * Messages say what failed and the current state; they never contain a password, key
 * material or the bundle's bytes.
 *
 * @param input The bundle or the PEM, and extra CAs.
 * @returns The checked credentials.
 * @throws {CredentialsError} For each problem above (code `TRANSPORT_CREDENTIALS`).
 * @throws {TypeError} If a field has the wrong type (`pfx` not a `Uint8Array`, ...).
 *
 * @example Garbage is refused as unreadable
 * ```ts
 * import { CredentialsError, loadTlsCredentials } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => loadTlsCredentials({ pfx: new Uint8Array([1, 2, 3]), passphrase: "x" }),
 *   (error) => error instanceof CredentialsError && error.problem === "unreadable",
 * );
 * ```
 *
 * @example Nothing given: no client certificate
 * ```ts
 * import { CredentialsError, loadTlsCredentials } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => loadTlsCredentials({}), (error) => {
 *   assert.ok(error instanceof CredentialsError);
 *   assert.equal(error.code, "TRANSPORT_CREDENTIALS");
 *   assert.equal(error.problem, "missing_certificate");
 *   return true;
 * });
 * ```
 */
export function loadTlsCredentials(input: TlsCredentialsInput): TlsCredentials {
  checkTypes(input);
  const now = input.now ?? new Date();
  const given = readCaInput(input.ca);

  let material: Material;
  if (input.pfx !== undefined) {
    const pem = (["cert", "key", "keyPassphrase"] as const).filter((name) =>
      input[name] !== undefined
    );
    if (pem.length > 0) {
      throw new CredentialsError(
        "unreadable",
        `Cannot load TLS credentials: give either a PKCS#12 bundle ('pfx', 'passphrase') or PEM ('cert', 'key', 'keyPassphrase'), not both: got 'pfx' and ${
          pem.map((name) => `'${name}'`).join(", ")
        }`,
      );
    }
    material = fromPkcs12(input.pfx, input.passphrase);
  } else {
    material = fromPem(input);
  }

  const { leaf } = material;
  const notBefore = dateOf(leaf, "validFrom");
  const notAfter = dateOf(leaf, "validTo");
  const subject = oneLine(leaf.subject);
  if (notAfter.getTime() < now.getTime()) {
    throw new CredentialsError(
      "expired",
      `Cannot use TLS credentials: the client certificate ${subject} expired on ${notAfter.toISOString()} (now ${now.toISOString()})`,
    );
  }
  if (notBefore.getTime() > now.getTime()) {
    throw new CredentialsError(
      "not_yet_valid",
      `Cannot use TLS credentials: the client certificate ${subject} is not valid before ${notBefore.toISOString()} (now ${now.toISOString()}; check the clock)`,
    );
  }

  const ca: string[] = [];
  const caSubjects: string[] = [];
  const seen = new Set<string>();
  for (const certificate of [...material.ca, ...given]) {
    if (seen.has(certificate.fingerprint256)) continue;
    seen.add(certificate.fingerprint256);
    ca.push(pemOf(certificate));
    caSubjects.push(oneLine(certificate.subject));
  }
  return new LoadedTlsCredentials(
    {
      cert: material.chain.map(pemOf).join(""),
      ca: Object.freeze(ca),
      subject,
      issuer: oneLine(leaf.issuer),
      notBefore,
      notAfter,
      fingerprint256: leaf.fingerprint256,
    },
    String(material.key.export({ type: "pkcs8", format: "pem" })),
    caSubjects,
  );
}

/**
 * {@linkcode loadTlsCredentials}, loading the reader that explains refused PKCS#12 bundles only
 * when a bundle needs it. A good bundle is opened by the runtime's native TLS code; the
 * JavaScript reader that says precisely why a bundle cannot be opened (wrong password, corrupt,
 * no key, ...) weighs ~12 MB of memory, which a process that only opens good bundles (the
 * runtime with its thousand devices) does not pay. The checks and messages are those of
 * `loadTlsCredentials`.
 *
 * @param input The bundle or the PEM, and extra CAs.
 * @returns The checked credentials.
 * @throws {CredentialsError} As `loadTlsCredentials`.
 * @throws {TypeError} As `loadTlsCredentials`.
 *
 * @example A wrong kind of input is refused as unreadable, with the reason
 * ```ts
 * import { CredentialsError } from "@power-sdk/sdk/errors";
 * import { openTlsCredentials } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   openTlsCredentials({ pfx: new Uint8Array([1, 2, 3]), passphrase: "x" }),
 *   (error) => error instanceof CredentialsError && error.problem === "unreadable",
 * );
 * ```
 */
export async function openTlsCredentials(input: TlsCredentialsInput): Promise<TlsCredentials> {
  try {
    return loadTlsCredentials(input);
  } catch (error) {
    if (!(error instanceof Pkcs12ReaderMissingError)) throw error;
  }
  await loadPkcs12Reader();
  return loadTlsCredentials(input);
}

/**
 * Describe credentials in one line for logs: subject, issuer, validity and fingerprint, never
 * the key.
 *
 * @param credentials Credentials from {@linkcode loadTlsCredentials} (or any
 * {@linkcode TlsCredentials}).
 * @returns For example `CN=client (issuer CN=Test CA), valid 2026-01-01T00:00:00.000Z to
 * 2027-01-01T00:00:00.000Z, SHA-256 AB:CD:..., 1 CA certificate`.
 *
 * @example One line for a log
 * ```ts
 * import { describeCredentials } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * const line = describeCredentials({
 *   cert: "",
 *   key: "",
 *   ca: [],
 *   subject: "CN=client",
 *   issuer: "CN=Test CA",
 *   notBefore: new Date("2026-01-01T00:00:00Z"),
 *   notAfter: new Date("2027-01-01T00:00:00Z"),
 *   fingerprint256: "AB:CD",
 * });
 * assert.equal(
 *   line,
 *   "CN=client (issuer CN=Test CA), valid 2026-01-01T00:00:00.000Z to 2027-01-01T00:00:00.000Z, SHA-256 AB:CD, 0 CA certificates",
 * );
 * ```
 */
export function describeCredentials(credentials: TlsCredentials): string {
  const count = credentials.ca.length;
  return `${credentials.subject} (issuer ${credentials.issuer}), valid ${credentials.notBefore.toISOString()} to ${credentials.notAfter.toISOString()}, SHA-256 ${credentials.fingerprint256}, ${count} CA certificate${
    count === 1 ? "" : "s"
  }`;
}

/** The summary logging shows. */
interface CredentialsSummary {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  ca: string[];
  key: string;
}

type Inspect = (value: unknown, options?: unknown) => string;

class LoadedTlsCredentials implements TlsCredentials {
  readonly cert: string;
  readonly ca: readonly string[];
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly fingerprint256: string;
  readonly #key: string;
  readonly #caSubjects: readonly string[];

  constructor(fields: Omit<TlsCredentials, "key">, key: string, caSubjects: readonly string[]) {
    this.cert = fields.cert;
    this.ca = fields.ca;
    this.subject = fields.subject;
    this.issuer = fields.issuer;
    this.notBefore = fields.notBefore;
    this.notAfter = fields.notAfter;
    this.fingerprint256 = fields.fingerprint256;
    this.#key = key;
    this.#caSubjects = caSubjects;
    Object.freeze(this);
  }

  get key(): string {
    return this.#key;
  }

  toJSON(): CredentialsSummary {
    return {
      subject: this.subject,
      issuer: this.issuer,
      notBefore: this.notBefore.toISOString(),
      notAfter: this.notAfter.toISOString(),
      fingerprint256: this.fingerprint256,
      ca: [...this.#caSubjects],
      key: "[redacted]",
    };
  }

  [Symbol.for("Deno.customInspect")](inspect: Inspect, options: unknown): string {
    return `TlsCredentials ${inspect(this.toJSON(), options)}`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: unknown,
    inspect: Inspect,
  ): string {
    return `TlsCredentials ${inspect(this.toJSON(), options)}`;
  }
}

/** What a source yields before the validity checks. */
interface Material {
  /** The client certificate (matches `key`). */
  leaf: X509Certificate;
  /** Leaf first, then intermediates. */
  chain: X509Certificate[];
  key: KeyObject;
  /** CA certificates that came with the source (bundle). */
  ca: X509Certificate[];
}

function fromPkcs12(pfx: Uint8Array, passphrase: string | undefined): Material {
  // The native reader opens a good bundle in ~2 ms; a bundle it refuses is opened again with
  // node-forge, whose errors say precisely what is wrong (loaded only then: _pkcs12_reader.ts).
  const contents = openPkcs12Natively(pfx, passphrase) ?? explainPkcs12(pfx, passphrase);
  const certs = contents.certificates.map((der, i) => {
    try {
      return new X509Certificate(Buffer.from(der));
    } catch (error) {
      throw new CredentialsError(
        "unreadable",
        `Cannot open the PKCS#12 bundle: certificate #${
          i + 1
        } of ${contents.certificates.length} is not a valid X.509 certificate (${reason(error)})`,
      );
    }
  });
  const keys = contents.keys.map((der, i) => {
    try {
      return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
    } catch (error) {
      throw new CredentialsError(
        "unreadable",
        `Cannot open the PKCS#12 bundle: private key #${
          i + 1
        } of ${contents.keys.length} is not a valid PKCS#8 key (${reason(error)})`,
      );
    }
  });

  const clientCerts = certs.filter((cert) => !cert.ca);
  if (certs.length === 0) {
    throw new CredentialsError(
      "missing_certificate",
      `Cannot use the PKCS#12 bundle: it holds no certificate (${
        plural(keys.length, "private key")
      })`,
    );
  }
  if (keys.length === 0) {
    if (clientCerts.length === 0) {
      throw new CredentialsError(
        "missing_certificate",
        `Cannot use the PKCS#12 bundle: it holds no client certificate and no private key, only CA certificates (${
          subjects(certs)
        })`,
      );
    }
    throw new CredentialsError(
      "missing_key",
      `Cannot use the PKCS#12 bundle: it holds the client certificate ${
        subjects(clientCerts)
      } but no private key`,
    );
  }

  for (const key of keys) {
    const leaf = certs.find((cert) => matches(cert, key));
    if (leaf === undefined) continue;
    const others = certs.filter((cert) =>
      cert !== leaf && cert.fingerprint256 !== leaf.fingerprint256
    );
    return { leaf, key, chain: buildChain(leaf, others), ca: others };
  }
  if (clientCerts.length === 0) {
    throw new CredentialsError(
      "missing_certificate",
      `Cannot use the PKCS#12 bundle: it holds a private key (${
        describeKey(keys[0]!)
      }) but no client certificate, only CA certificates (${subjects(certs)})`,
    );
  }
  throw new CredentialsError(
    "key_mismatch",
    `Cannot use the PKCS#12 bundle: its private key (${
      describeKey(keys[0]!)
    }) matches none of its certificates (${subjects(certs)})`,
  );
}

function explainPkcs12(pfx: Uint8Array, passphrase: string | undefined) {
  const reader = pkcs12Reader();
  if (reader === null) throw new Pkcs12ReaderMissingError();
  return reader(pfx, passphrase);
}

function fromPem(input: TlsCredentialsInput): Material {
  const certText = input.cert ?? "";
  const keyGiven = input.key !== undefined && input.key.trim() !== "";
  if (certText.trim() === "") {
    throw new CredentialsError(
      "missing_certificate",
      keyGiven
        ? "Cannot load TLS credentials: a private key ('key') was given but no client certificate; pass 'cert' (PEM) too"
        : "Cannot load TLS credentials: no client certificate given; pass a PKCS#12 bundle ('pfx', 'passphrase') or a PEM certificate and key ('cert', 'key')",
    );
  }
  const certBlocks = pemBlocks(certText);
  const certPems = certBlocks.filter((block) => block.label === "CERTIFICATE");
  if (certPems.length === 0) {
    if (certBlocks.length === 0) {
      throw new CredentialsError(
        "unreadable",
        `Cannot read the client certificate: 'cert' holds no PEM block (${notPem(certText)})`,
      );
    }
    throw new CredentialsError(
      "missing_certificate",
      `Cannot read the client certificate: 'cert' holds no CERTIFICATE block, only ${
        labels(certBlocks)
      }`,
    );
  }
  const certs = certPems.map((block, i) => {
    try {
      return new X509Certificate(block.text);
    } catch (error) {
      throw new CredentialsError(
        "unreadable",
        `Cannot read the client certificate: CERTIFICATE block #${
          i + 1
        } of 'cert' is not a valid X.509 certificate (${reason(error)})`,
      );
    }
  });

  let keyBlock: PemBlock;
  let source: string;
  if (keyGiven) {
    source = "'key'";
    const blocks = pemBlocks(input.key!);
    const keyBlocks = blocks.filter((block) => PRIVATE_KEY_LABELS.has(block.label));
    if (keyBlocks.length === 0) {
      if (blocks.length === 0) {
        throw new CredentialsError(
          "unreadable",
          `Cannot read the private key: 'key' holds no PEM block (${notPem(input.key!)})`,
        );
      }
      throw new CredentialsError(
        "missing_key",
        `Cannot read the private key: 'key' holds no PRIVATE KEY block, only ${labels(blocks)}`,
      );
    }
    if (keyBlocks.length > 1) {
      throw new CredentialsError(
        "unreadable",
        `Cannot read the private key: 'key' holds ${keyBlocks.length} private keys; give one`,
      );
    }
    keyBlock = keyBlocks[0]!;
  } else {
    source = "'cert'";
    const keyBlocks = certBlocks.filter((block) => PRIVATE_KEY_LABELS.has(block.label));
    if (keyBlocks.length !== 1) {
      throw new CredentialsError(
        "missing_key",
        keyBlocks.length === 0
          ? `Cannot load TLS credentials: no private key given for the client certificate ${
            subjects(certs)
          }; pass 'key' (PEM)`
          : `Cannot read the private key: 'cert' holds ${keyBlocks.length} private keys; give one in 'key'`,
      );
    }
    keyBlock = keyBlocks[0]!;
  }

  const key = readPemKey(keyBlock, input.keyPassphrase ?? input.passphrase, source);
  const leaf = certs.find((cert) => matches(cert, key));
  if (leaf === undefined) {
    throw new CredentialsError(
      "key_mismatch",
      certs.length === 1
        ? `Cannot use TLS credentials: the private key (${
          describeKey(key)
        }) does not match the client certificate ${subjects(certs)} (whose key is ${
          describeKey(certs[0]!.publicKey)
        })`
        : `Cannot use TLS credentials: the private key (${
          describeKey(key)
        }) matches none of the ${certs.length} certificates in 'cert' (${subjects(certs)})`,
    );
  }
  return { leaf, key, chain: [leaf, ...certs.filter((cert) => cert !== leaf)], ca: [] };
}

function readPemKey(block: PemBlock, passphrase: string | undefined, source: string): KeyObject {
  const encrypted = block.label === "ENCRYPTED PRIVATE KEY" ||
    /^Proc-Type:\s*4,\s*ENCRYPTED/m.test(block.text);
  if (encrypted && (passphrase === undefined || passphrase === "")) {
    throw new CredentialsError(
      "wrong_password",
      `Cannot decrypt the private key: the key in ${source} is encrypted and ${
        passphrase === undefined ? "no 'keyPassphrase' was given" : "the 'keyPassphrase' is empty"
      }`,
    );
  }
  try {
    return encrypted
      ? createPrivateKey({ key: block.text, format: "pem", passphrase: passphrase! })
      : createPrivateKey({ key: block.text, format: "pem" });
  } catch (error) {
    if (encrypted) {
      throw new CredentialsError(
        "wrong_password",
        `Cannot decrypt the private key: wrong 'keyPassphrase' for the ${
          describeEncrypted(block)
        } in ${source}`,
      );
    }
    throw new CredentialsError(
      "unreadable",
      `Cannot read the private key: the ${block.label} block in ${source} is corrupt (${
        reason(error)
      })`,
    );
  }
}

function describeEncrypted(block: PemBlock): string {
  switch (block.label) {
    case "RSA PRIVATE KEY":
      return "encrypted RSA (PKCS#1) key";
    case "EC PRIVATE KEY":
      return "encrypted EC (SEC1) key";
    default:
      return "encrypted PKCS#8 key";
  }
}

function readCaInput(ca: string | readonly string[] | undefined): X509Certificate[] {
  if (ca === undefined) return [];
  const texts = typeof ca === "string" ? [ca] : ca;
  const certs: X509Certificate[] = [];
  texts.forEach((text, i) => {
    if (text.trim() === "") return;
    const where = typeof ca === "string" ? "'ca'" : `'ca' entry #${i + 1}`;
    const blocks = pemBlocks(text);
    const certBlocks = blocks.filter((block) => block.label === "CERTIFICATE");
    if (certBlocks.length === 0) {
      throw new CredentialsError(
        "unreadable",
        `Cannot read the CA certificates: ${where} holds no PEM CERTIFICATE block (${
          blocks.length === 0 ? notPem(text) : `only ${labels(blocks)}`
        })`,
      );
    }
    certBlocks.forEach((block, j) => {
      try {
        certs.push(new X509Certificate(block.text));
      } catch (error) {
        throw new CredentialsError(
          "unreadable",
          `Cannot read the CA certificates: CERTIFICATE block #${
            j + 1
          } of ${where} is not a valid X.509 certificate (${reason(error)})`,
        );
      }
    });
  });
  return certs;
}

function checkTypes(input: TlsCredentialsInput): void {
  if (typeof input !== "object" || input === null) {
    throw new TypeError(
      `Cannot load TLS credentials: the input must be an object: current type is ${
        typeName(input)
      }`,
    );
  }
  if (input.pfx !== undefined && !(input.pfx instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot load TLS credentials: 'pfx' must be a Uint8Array: current type is ${
        typeName(input.pfx)
      }`,
    );
  }
  for (const name of ["passphrase", "cert", "key", "keyPassphrase"] as const) {
    const value: unknown = input[name];
    if (value !== undefined && typeof value !== "string") {
      throw new TypeError(
        `Cannot load TLS credentials: '${name}' must be a string: current type is ${
          typeName(value)
        }`,
      );
    }
  }
  const ca: unknown = input.ca;
  if (
    ca !== undefined && typeof ca !== "string" &&
    !(Array.isArray(ca) && ca.every((item) => typeof item === "string"))
  ) {
    throw new TypeError(
      `Cannot load TLS credentials: 'ca' must be a string or an array of strings: current type is ${
        typeName(ca)
      }`,
    );
  }
  const now: unknown = input.now;
  if (now !== undefined && !(now instanceof Date && !Number.isNaN(now.getTime()))) {
    throw new TypeError(
      `Cannot load TLS credentials: 'now' must be a valid Date: current value is ${
        now instanceof Date ? "an invalid Date" : typeName(now)
      }`,
    );
  }
}

interface PemBlock {
  /** `CERTIFICATE`, `PRIVATE KEY`, `RSA PRIVATE KEY`, ... */
  label: string;
  /** The whole block, armour included. */
  text: string;
}

const PRIVATE_KEY_LABELS: ReadonlySet<string> = new Set([
  "PRIVATE KEY",
  "ENCRYPTED PRIVATE KEY",
  "RSA PRIVATE KEY",
  "EC PRIVATE KEY",
]);

function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)) {
    blocks.push({ label: match[1]!, text: `${match[0]}\n` });
  }
  return blocks;
}

/** Why text is not PEM, without quoting it (it may be a key). */
function notPem(text: string): string {
  const trimmed = text.trim();
  if (!/[\r\n]/.test(trimmed) && /\.(pem|crt|cer|key|p12|pfx)$/i.test(trimmed)) {
    return "it looks like a file name: pass the file's PEM text, not its path";
  }
  if (/^[A-Za-z0-9+/=\s]+$/.test(trimmed)) {
    return `${text.length} characters of base64 without PEM armour`;
  }
  return `${text.length} characters, not PEM`;
}

function labels(blocks: readonly PemBlock[]): string {
  return [...new Set(blocks.map((block) => block.label))].join(", ");
}

function matches(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/** Leaf, then each non-self-signed issuer found among `others`. */
function buildChain(leaf: X509Certificate, others: readonly X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  let current = leaf;
  while (chain.length <= others.length) {
    const issuer = others.find((cert) =>
      !chain.includes(cert) && current.checkIssued(cert) && current.verify(cert.publicKey)
    );
    if (issuer === undefined || issuer.checkIssued(issuer)) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain;
}

function pemOf(cert: X509Certificate): string {
  const pem = cert.toString();
  return pem.endsWith("\n") ? pem : `${pem}\n`;
}

function dateOf(cert: X509Certificate, field: "validFrom" | "validTo"): Date {
  const date = (cert as unknown as Record<string, unknown>)[`${field}Date`];
  if (date instanceof Date && !Number.isNaN(date.getTime())) return new Date(date.getTime());
  return new Date(Date.parse(cert[field]));
}

function oneLine(name: string): string {
  return name.split("\n").join(", ");
}

function subjects(certs: readonly X509Certificate[]): string {
  return certs.map((cert) => oneLine(cert.subject)).join("; ");
}

function describeKey(key: KeyObject): string {
  const type = (key.asymmetricKeyType ?? "unknown").toUpperCase();
  const details = key.asymmetricKeyDetails;
  if (details?.modulusLength !== undefined) return `${type} ${details.modulusLength}-bit`;
  if (details?.namedCurve !== undefined) return `${type} ${details.namedCurve}`;
  return type;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\.$/, "");
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}
