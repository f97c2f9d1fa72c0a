// The PKI of the TLS fleet bench: a CA, a server certificate for localhost and one PKCS#12
// bundle per station, each with its own key (EC P-256 or RSA 2048), certificate and password,
// made with the openssl command line (OpenSSL 3 defaults: AES-256-CBC, PBKDF2, SHA-256 MAC).
// Kept in a folder and reused by later runs (making 1,000 bundles takes a minute or two).
// bench/fleet.ts makes missing bundles in a child process (this file run as a program).
import { join } from "node:path";

export interface FleetPki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** The bundle of station `i`. */
  bundle(i: number): string;
  /** Its password (distinct per station). */
  password(i: number): string;
}

const CLIENT_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = fleet
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
`;

async function openssl(args: string[]): Promise<void> {
  const output = await new Deno.Command("openssl", {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the PKI for `keyType` bundles lives in `dir` (nothing is made or checked).
 *
 * @param dir The folder.
 * @param keyType `ec` or `rsa`.
 */
export function fleetPki(dir: string, keyType: "ec" | "rsa"): FleetPki {
  const f = (name: string) => join(dir, name);
  return {
    dir,
    caCert: f("ca.pem"),
    caKey: f("ca.key"),
    serverCert: f("server.pem"),
    serverKey: f("server.key"),
    bundle: (i) => f(`${keyType}-station-${i}.p12`),
    password: (i) => `bundle-password-${i}`,
  };
}

/** Whether the PKI in `dir` already holds the CA and the bundles of `n` stations. */
export function fleetPkiComplete(pki: FleetPki, n: number): boolean {
  return exists(pki.caCert) &&
    Array.from({ length: n }, (_, i) => i).every((i) => exists(pki.bundle(i)));
}

/**
 * Make (or complete) the PKI for `n` stations in `dir`.
 *
 * @param dir The folder, created when missing.
 * @param n How many station bundles.
 * @param keyType `ec` (P-256, fast to make) or `rsa` (2048-bit).
 * @param onProgress Called now and then with the number of bundles made.
 */
export async function ensureFleetPki(
  dir: string,
  n: number,
  keyType: "ec" | "rsa",
  onProgress: (made: number) => void = () => {},
): Promise<FleetPki> {
  await Deno.mkdir(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const config = f("openssl.cnf");
  await Deno.writeTextFile(config, CLIENT_CONFIG);
  const newKey = keyType === "ec"
    ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    : ["-newkey", "rsa:2048"];
  const pki = fleetPki(dir, keyType);
  /** A new key and its certificate, self-signed (the CA) or signed by the CA. */
  const certificate = (
    extensions: "ca" | "server" | "client",
    subject: string,
    keyOut: string,
    certOut: string,
  ) =>
    openssl([
      "req",
      "-x509",
      "-new",
      "-config",
      config,
      "-extensions",
      extensions,
      ...newKey,
      "-nodes",
      "-keyout",
      keyOut,
      "-out",
      certOut,
      "-subj",
      subject,
      ...(extensions === "ca" ? [] : ["-CA", pki.caCert, "-CAkey", pki.caKey]),
      "-days",
      "30",
    ]);
  if (!exists(pki.caCert)) {
    await certificate("ca", "/CN=Power SDK Fleet Bench CA", pki.caKey, pki.caCert);
    await certificate("server", "/CN=localhost", pki.serverKey, pki.serverCert);
  }
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !exists(pki.bundle(i)));
  let made = 0;
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const i = missing[next++]!;
      const key = f(`tmp-${i}.key`);
      const cert = f(`tmp-${i}.pem`);
      await certificate("client", `/CN=fleet-station-${i}`, key, cert);
      await openssl([
        "pkcs12",
        "-export",
        "-in",
        cert,
        "-inkey",
        key,
        "-certfile",
        pki.caCert,
        "-out",
        pki.bundle(i),
        "-passout",
        `pass:${pki.password(i)}`,
      ]);
      await Deno.remove(key);
      await Deno.remove(cert);
      if (++made % 100 === 0) onProgress(made);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return pki;
}

// Run as a program by bench/fleet.ts, so that the thousands of openssl runs do not leave their
// memory in the measured process: deno run -P=bench bench/_fleet_pki.ts dir n ec|rsa
if (import.meta.main) {
  const [dir, n, keyType] = Deno.args;
  await ensureFleetPki(
    dir!,
    Number(n),
    keyType === "rsa" ? "rsa" : "ec",
    (made) => console.error(`made ${made} bundles…`),
  );
}
