/**
 * A throw-away test PKI made with the `openssl` command line: a CA, a server certificate for
 * `localhost`, client certificates and keys, and PKCS#12 bundles in every flavour the library
 * must read. Nothing is cached: every call makes a fresh temporary directory.
 *
 * @module
 */

/** Paths of every file {@linkcode createTestPki} writes, all inside {@linkcode TestPki.dir}. */
export interface TestPkiPaths {
  /** The CA certificate (CN=Power SDK Test CA, RSA 2048). Readable by the `mosquitto` user. */
  readonly caCert: string;
  /** The CA's private key (unencrypted PEM). */
  readonly caKey: string;
  /** The server certificate: CN=localhost, subjectAltName DNS:localhost, IP:127.0.0.1. */
  readonly serverCert: string;
  /** The server's private key (unencrypted PEM). Readable by the `mosquitto` user. */
  readonly serverKey: string;
  /** The client certificate (CN=power-sdk-test-client, RSA 2048, clientAuth). */
  readonly clientCert: string;
  /** The client's private key (unencrypted PKCS#8 PEM). */
  readonly clientKey: string;
  /** The client's private key, encrypted PKCS#8 PEM (AES-256-CBC) with the PKI password. */
  readonly clientKeyEncrypted: string;
  /** The client's private key, encrypted traditional RSA PEM (`Proc-Type: 4,ENCRYPTED`). */
  readonly clientKeyEncryptedTraditional: string;
  /** Client certificate + key + CA, PKCS#12 with OpenSSL 3 defaults (AES-256, PBKDF2, SHA-256). */
  readonly clientP12: string;
  /** The same content as `clientP12`, made with `-legacy` (RC2/3DES, SHA-1 MAC). */
  readonly legacyP12: string;
  /** The same content as `clientP12`, with an empty password. */
  readonly emptyPasswordP12: string;
  /** The EC client certificate (CN=power-sdk-test-client-ec, prime256v1). */
  readonly ecCert: string;
  /** The EC client's private key (unencrypted PKCS#8 PEM). */
  readonly ecKey: string;
  /** EC client certificate + key + CA, PKCS#12 with OpenSSL 3 defaults. */
  readonly ecP12: string;
  /** A client certificate that expired a day before it was made (CN=power-sdk-expired-client). */
  readonly expiredCert: string;
  /** The expired client's private key. */
  readonly expiredKey: string;
  /** Expired client certificate + key + CA, PKCS#12. */
  readonly expiredP12: string;
  /** A PKCS#12 bundle holding only the CA certificate: no client certificate, no key. */
  readonly caOnlyP12: string;
  /** A second, unrelated CA (CN=Power SDK Other CA, P-256), for wrong-CA tests. */
  readonly otherCaCert: string;
  /** The second CA's private key. */
  readonly otherCaKey: string;
  /** A server certificate for localhost (P-256, same names as `serverCert`) signed by the other CA. */
  readonly otherServerCert: string;
  /** The private key of `otherServerCert`. */
  readonly otherServerKey: string;
  /** A client certificate signed by the other CA (CN=power-sdk-other-client, P-256, clientAuth). */
  readonly otherClientCert: string;
  /** The private key of `otherClientCert` (unencrypted PKCS#8 PEM). */
  readonly otherClientKey: string;
}

/** PEM text of the certificates and keys, as written to {@linkcode TestPkiPaths}. */
export interface TestPkiPem {
  /** See {@linkcode TestPkiPaths.caCert}. */
  readonly caCert: string;
  /** See {@linkcode TestPkiPaths.caKey}. */
  readonly caKey: string;
  /** See {@linkcode TestPkiPaths.serverCert}. */
  readonly serverCert: string;
  /** See {@linkcode TestPkiPaths.serverKey}. */
  readonly serverKey: string;
  /** See {@linkcode TestPkiPaths.clientCert}. */
  readonly clientCert: string;
  /** See {@linkcode TestPkiPaths.clientKey}. */
  readonly clientKey: string;
  /** See {@linkcode TestPkiPaths.clientKeyEncrypted}. */
  readonly clientKeyEncrypted: string;
  /** See {@linkcode TestPkiPaths.clientKeyEncryptedTraditional}. */
  readonly clientKeyEncryptedTraditional: string;
  /** See {@linkcode TestPkiPaths.ecCert}. */
  readonly ecCert: string;
  /** See {@linkcode TestPkiPaths.ecKey}. */
  readonly ecKey: string;
  /** See {@linkcode TestPkiPaths.expiredCert}. */
  readonly expiredCert: string;
  /** See {@linkcode TestPkiPaths.expiredKey}. */
  readonly expiredKey: string;
  /** See {@linkcode TestPkiPaths.otherCaCert}. */
  readonly otherCaCert: string;
  /** See {@linkcode TestPkiPaths.otherServerCert}. */
  readonly otherServerCert: string;
  /** See {@linkcode TestPkiPaths.otherServerKey}. */
  readonly otherServerKey: string;
  /** See {@linkcode TestPkiPaths.otherClientCert}. */
  readonly otherClientCert: string;
  /** See {@linkcode TestPkiPaths.otherClientKey}. */
  readonly otherClientKey: string;
}

/** Bytes of the PKCS#12 bundles, as written to {@linkcode TestPkiPaths}. */
export interface TestPkiP12 {
  /** See {@linkcode TestPkiPaths.clientP12}; password {@linkcode TestPki.password}. */
  readonly client: Uint8Array;
  /** See {@linkcode TestPkiPaths.legacyP12}; password {@linkcode TestPki.password}. */
  readonly legacy: Uint8Array;
  /** See {@linkcode TestPkiPaths.emptyPasswordP12}; password `""`. */
  readonly emptyPassword: Uint8Array;
  /** See {@linkcode TestPkiPaths.ecP12}; password {@linkcode TestPki.password}. */
  readonly ec: Uint8Array;
  /** See {@linkcode TestPkiPaths.expiredP12}; password {@linkcode TestPki.password}. */
  readonly expired: Uint8Array;
  /** See {@linkcode TestPkiPaths.caOnlyP12}; password {@linkcode TestPki.password}. */
  readonly caOnly: Uint8Array;
}

/** A test PKI on disk; remove it with `await using` or {@linkcode TestPki.cleanup}. */
export interface TestPki extends AsyncDisposable {
  /** The temporary directory holding every file (mode 0755; files 0644). */
  readonly dir: string;
  /**
   * The password of the bundles (except `emptyPassword`) and of the encrypted PEM keys; random
   * per PKI, so a test can search output for it.
   */
  readonly password: string;
  /** File paths. */
  readonly paths: TestPkiPaths;
  /** PEM texts. */
  readonly pem: TestPkiPem;
  /** PKCS#12 bytes. */
  readonly p12: TestPkiP12;
  /** Milliseconds {@linkcode createTestPki} took. */
  readonly elapsedMs: number;
  /** Remove the directory and everything in it; safe to call twice. */
  cleanup(): Promise<void>;
}

const CA_SUBJECT = "/CN=Power SDK Test CA";
const OTHER_CA_SUBJECT = "/CN=Power SDK Other CA";

const SERVER_EXT = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature,keyEncipherment",
  "extendedKeyUsage=serverAuth",
  "subjectAltName=DNS:localhost,IP:127.0.0.1",
  "",
].join("\n");

const SERVER_EC_EXT = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=serverAuth",
  "subjectAltName=DNS:localhost,IP:127.0.0.1",
  "",
].join("\n");

const CLIENT_EXT = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature,keyEncipherment",
  "extendedKeyUsage=clientAuth",
  "",
].join("\n");

const CLIENT_EC_EXT = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=clientAuth",
  "",
].join("\n");

/**
 * Create a fresh test PKI in a new temporary directory by running `openssl` (independent steps
 * run concurrently). Every certificate and key is new; nothing is cached across calls.
 *
 * @returns The PKI; dispose of it (`await using pki = await createTestPki()`) to remove it.
 * @throws {Error} If `openssl` is missing or a command fails (with its stderr).
 *
 * @example
 * ```ts ignore
 * await using pki = await createTestPki();
 * const pfx = pki.p12.client; // password: pki.password
 * ```
 */
export async function createTestPki(): Promise<TestPki> {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-pki-" });
  try {
    return await build(dir, started);
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

async function build(dir: string, started: number): Promise<TestPki> {
  const password = `pki-${randomHex(12)}`;
  const f = (name: string) => `${dir}/${name}`;
  const paths: TestPkiPaths = {
    caCert: f("ca.pem"),
    caKey: f("ca.key"),
    serverCert: f("server.pem"),
    serverKey: f("server.key"),
    clientCert: f("client.pem"),
    clientKey: f("client.key"),
    clientKeyEncrypted: f("client.enc.key"),
    clientKeyEncryptedTraditional: f("client.enc-traditional.key"),
    clientP12: f("client.p12"),
    legacyP12: f("client-legacy.p12"),
    emptyPasswordP12: f("client-empty-password.p12"),
    ecCert: f("client-ec.pem"),
    ecKey: f("client-ec.key"),
    ecP12: f("client-ec.p12"),
    expiredCert: f("expired.pem"),
    expiredKey: f("expired.key"),
    expiredP12: f("expired.p12"),
    caOnlyP12: f("ca-only.p12"),
    otherCaCert: f("other-ca.pem"),
    otherCaKey: f("other-ca.key"),
    otherServerCert: f("other-server.pem"),
    otherServerKey: f("other-server.key"),
    otherClientCert: f("other-client.pem"),
    otherClientKey: f("other-client.key"),
  };
  await Promise.all([
    Deno.chmod(dir, 0o755),
    Deno.writeTextFile(f("server.ext"), SERVER_EXT),
    Deno.writeTextFile(f("server-ec.ext"), SERVER_EC_EXT),
    Deno.writeTextFile(f("client.ext"), CLIENT_EXT),
    Deno.writeTextFile(f("client-ec.ext"), CLIENT_EC_EXT),
  ]);
  const run = (args: string[]) => openssl(args, dir, password);

  // 1. Keys, self-signed CAs and certificate requests: all independent.
  // RSA 2048 key generation dominates the run time: the other CA and its leaves use P-256.
  const rsa = ["-newkey", "rsa:2048", "-nodes"];
  const p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await Promise.all([
    run([
      "req",
      "-x509",
      ...rsa,
      "-keyout",
      paths.caKey,
      "-out",
      paths.caCert,
      ...caArgs(CA_SUBJECT),
    ]),
    run([
      "req",
      "-x509",
      ...p256,
      "-keyout",
      paths.otherCaKey,
      "-out",
      paths.otherCaCert,
      ...caArgs(OTHER_CA_SUBJECT),
    ]),
    run([
      "req",
      "-new",
      ...rsa,
      "-keyout",
      paths.serverKey,
      "-out",
      f("server.csr"),
      "-subj",
      "/CN=localhost",
    ]),
    run([
      "req",
      "-new",
      ...p256,
      "-keyout",
      paths.otherServerKey,
      "-out",
      f("other-server.csr"),
      "-subj",
      "/CN=localhost",
    ]),
    run([
      "req",
      "-new",
      ...rsa,
      "-keyout",
      paths.clientKey,
      "-out",
      f("client.csr"),
      "-subj",
      "/CN=power-sdk-test-client",
    ]),
    run([
      "req",
      "-new",
      ...p256,
      "-keyout",
      paths.ecKey,
      "-out",
      f("client-ec.csr"),
      "-subj",
      "/CN=power-sdk-test-client-ec",
    ]),
    run([
      "req",
      "-new",
      ...p256,
      "-keyout",
      paths.otherClientKey,
      "-out",
      f("other-client.csr"),
      "-subj",
      "/CN=power-sdk-other-client",
    ]),
    run([
      "req",
      "-new",
      ...rsa,
      "-keyout",
      paths.expiredKey,
      "-out",
      f("expired.csr"),
      "-subj",
      "/CN=power-sdk-expired-client",
    ]),
  ]);

  // 2. Sign the requests (explicit serials: no shared .srl file between concurrent runs) and
  // encrypt copies of the client key.
  const sign = (csr: string, ca: "ca" | "other-ca", out: string, ext: string, days: number) =>
    run([
      "x509",
      "-req",
      "-in",
      f(csr),
      "-CA",
      f(`${ca}.pem`),
      "-CAkey",
      f(`${ca}.key`),
      "-set_serial",
      `0x${randomHex(16)}`,
      "-days",
      String(days),
      "-sha256",
      "-extfile",
      f(ext),
      "-out",
      out,
    ]);
  await Promise.all([
    sign("server.csr", "ca", paths.serverCert, "server.ext", 825),
    sign("other-server.csr", "other-ca", paths.otherServerCert, "server-ec.ext", 825),
    sign("client.csr", "ca", paths.clientCert, "client.ext", 825),
    sign("client-ec.csr", "ca", paths.ecCert, "client-ec.ext", 825),
    sign("other-client.csr", "other-ca", paths.otherClientCert, "client-ec.ext", 825),
    sign("expired.csr", "ca", paths.expiredCert, "client.ext", -1),
    run([
      "pkcs8",
      "-topk8",
      "-in",
      paths.clientKey,
      "-v2",
      "aes-256-cbc",
      "-passout",
      "env:PKI_PASSWORD",
      "-out",
      paths.clientKeyEncrypted,
    ]),
    run([
      "rsa",
      "-in",
      paths.clientKey,
      "-traditional",
      "-aes256",
      "-passout",
      "env:PKI_PASSWORD",
      "-out",
      paths.clientKeyEncryptedTraditional,
    ]),
  ]);

  // 3. The PKCS#12 bundles.
  const bundle = (cert: string, key: string, out: string, ...extra: string[]) =>
    run([
      "pkcs12",
      "-export",
      "-in",
      cert,
      "-inkey",
      key,
      "-certfile",
      paths.caCert,
      "-out",
      out,
      "-passout",
      "env:PKI_PASSWORD",
      ...extra,
    ]);
  await Promise.all([
    bundle(paths.clientCert, paths.clientKey, paths.clientP12, "-name", "power-sdk-test-client"),
    bundle(paths.clientCert, paths.clientKey, paths.legacyP12, "-legacy"),
    run([
      "pkcs12",
      "-export",
      "-in",
      paths.clientCert,
      "-inkey",
      paths.clientKey,
      "-certfile",
      paths.caCert,
      "-out",
      paths.emptyPasswordP12,
      "-passout",
      "pass:",
    ]),
    bundle(paths.ecCert, paths.ecKey, paths.ecP12),
    bundle(paths.expiredCert, paths.expiredKey, paths.expiredP12),
    run([
      "pkcs12",
      "-export",
      "-nokeys",
      "-in",
      paths.caCert,
      "-out",
      paths.caOnlyP12,
      "-passout",
      "env:PKI_PASSWORD",
    ]),
  ]);

  // 4. Everything world-readable (mosquitto drops root privileges), then read it back.
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) files.push(`${dir}/${entry.name}`);
  }
  await Promise.all(files.map((file) => Deno.chmod(file, 0o644)));

  const text = (path: string) => Deno.readTextFile(path);
  const [
    caCert,
    caKey,
    serverCert,
    serverKey,
    clientCert,
    clientKey,
    clientKeyEncrypted,
    clientKeyEncryptedTraditional,
    ecCert,
    ecKey,
    expiredCert,
    expiredKey,
    otherCaCert,
    otherServerCert,
    otherServerKey,
    otherClientCert,
    otherClientKey,
  ] = await Promise.all([
    text(paths.caCert),
    text(paths.caKey),
    text(paths.serverCert),
    text(paths.serverKey),
    text(paths.clientCert),
    text(paths.clientKey),
    text(paths.clientKeyEncrypted),
    text(paths.clientKeyEncryptedTraditional),
    text(paths.ecCert),
    text(paths.ecKey),
    text(paths.expiredCert),
    text(paths.expiredKey),
    text(paths.otherCaCert),
    text(paths.otherServerCert),
    text(paths.otherServerKey),
    text(paths.otherClientCert),
    text(paths.otherClientKey),
  ]);
  const [client, legacy, emptyPassword, ec, expired, caOnly] = await Promise.all([
    Deno.readFile(paths.clientP12),
    Deno.readFile(paths.legacyP12),
    Deno.readFile(paths.emptyPasswordP12),
    Deno.readFile(paths.ecP12),
    Deno.readFile(paths.expiredP12),
    Deno.readFile(paths.caOnlyP12),
  ]);

  let removed = false;
  async function cleanup(): Promise<void> {
    if (removed) return;
    removed = true;
    await Deno.remove(dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  return {
    dir,
    password,
    paths,
    pem: {
      caCert,
      caKey,
      serverCert,
      serverKey,
      clientCert,
      clientKey,
      clientKeyEncrypted,
      clientKeyEncryptedTraditional,
      ecCert,
      ecKey,
      expiredCert,
      expiredKey,
      otherCaCert,
      otherServerCert,
      otherServerKey,
      otherClientCert,
      otherClientKey,
    },
    p12: { client, legacy, emptyPassword, ec, expired, caOnly },
    elapsedMs: Math.round(performance.now() - started),
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}

function caArgs(subject: string): string[] {
  return [
    "-days",
    "3650",
    "-sha256",
    "-subj",
    subject,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ];
}

async function openssl(args: string[], cwd: string, password: string): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("openssl", {
      args,
      cwd,
      env: { PKI_PASSWORD: password },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(`Cannot run openssl ${args[0]}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`openssl ${args.join(" ")} failed with exit code ${output.code}: ${stderr}`);
  }
}

function randomHex(bytes: number): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes));
  // A positive serial: clear the top bit.
  buffer[0] = buffer[0]! & 0x7f;
  return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("");
}
