import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { inspect } from "node:util";
import { CredentialsError, type CredentialsProblem } from "../errors/errors.ts";
import {
  describeCredentials,
  loadTlsCredentials,
  type TlsCredentials,
  type TlsCredentialsInput,
} from "./credentials.ts";
import { createTestPki } from "../../tests/_support/pki.ts";
import "./_pkcs12_install.ts"; // as the public entry points do (credentials_lazy_test.ts: without)

const pki = await createTestPki();
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(pki.dir, { recursive: true });
  } catch {
    // already gone
  }
});

const PASSWORD = pki.password;
const clientCert = new X509Certificate(pki.pem.clientCert);
const caCert = new X509Certificate(pki.pem.caCert);

/** Every secret a test handles: passwords and each line of each private key PEM. */
const secrets = new Set<string>([PASSWORD, "wrong-" + PASSWORD]);
function addKeyLines(pem: string): void {
  for (const line of pem.split("\n")) {
    const trimmed = line.trim();
    // Armour lines ("-----BEGIN PRIVATE KEY-----") are no secret, but must not show either.
    if (trimmed.length >= 16) secrets.add(trimmed);
  }
}
for (
  const pem of [
    pki.pem.clientKey,
    pki.pem.clientKeyEncrypted,
    pki.pem.clientKeyEncryptedTraditional,
    pki.pem.ecKey,
    pki.pem.expiredKey,
    pki.pem.serverKey,
  ]
) addKeyLines(pem);

function assertNoSecret(text: string, what: string): void {
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `${what} leaks a secret (${secret.slice(0, 8)}…)`);
  }
}

function assertProblem(
  input: TlsCredentialsInput,
  problem: CredentialsProblem,
  message?: RegExp,
): CredentialsError {
  let caught: unknown;
  try {
    loadTlsCredentials(input);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof CredentialsError, `expected a CredentialsError, got ${caught}`);
  assert.equal(caught.code, "TRANSPORT_CREDENTIALS");
  assert.equal(caught.problem, problem, caught.message);
  if (message) assert.match(caught.message, message);
  assert.equal(caught.cause, undefined);
  assertNoSecret(caught.message, "the message");
  assertNoSecret(Deno.inspect(caught), "Deno.inspect(error)");
  return caught;
}

function assertClient(credentials: TlsCredentials, expected: X509Certificate): void {
  assert.equal(credentials.subject, expected.subject);
  assert.equal(credentials.issuer, "CN=Power SDK Test CA");
  assert.equal(credentials.fingerprint256, expected.fingerprint256);
  assert.equal(credentials.notBefore.getTime(), Date.parse(expected.validFrom));
  assert.equal(credentials.notAfter.getTime(), Date.parse(expected.validTo));
  const leaf = new X509Certificate(credentials.cert);
  assert.equal(leaf.fingerprint256, expected.fingerprint256);
  assert.match(credentials.key, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.ok(leaf.checkPrivateKey(createPrivateKey(credentials.key)));
}

function assertRedacted(credentials: TlsCredentials): void {
  addKeyLines(credentials.key);
  const outputs: Record<string, string> = {
    "JSON.stringify": JSON.stringify(credentials),
    "Deno.inspect": Deno.inspect(credentials, { getters: true, showHidden: true, depth: 10 }),
    "util.inspect": inspect(credentials, { getters: true, showHidden: true, depth: 10 }),
    "String": String(credentials),
    "describeCredentials": describeCredentials(credentials),
  };
  for (const [what, text] of Object.entries(outputs)) assertNoSecret(text, what);
  assert.match(outputs["JSON.stringify"]!, /"key":"\[redacted\]"/);
  assert.match(outputs["Deno.inspect"]!, /key: "\[redacted\]"/);
  assert.match(outputs["Deno.inspect"]!, /subject: "CN=/);
  assert.match(outputs["util.inspect"]!, /key: '\[redacted\]'/);
}

async function openssl(...args: string[]): Promise<void> {
  const output = await new Deno.Command("openssl", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
}

Deno.test("loadTlsCredentials() opens an OpenSSL 3 default PKCS#12 bundle", () => {
  const credentials = loadTlsCredentials({ pfx: pki.p12.client, passphrase: PASSWORD });
  assertClient(credentials, clientCert);
  assert.equal(credentials.subject, "CN=power-sdk-test-client");
  assert.equal(credentials.ca.length, 1);
  assert.equal(new X509Certificate(credentials.ca[0]!).fingerprint256, caCert.fingerprint256);
  // The leaf alone: the CA is trusted, not sent.
  assert.equal(credentials.cert.match(/BEGIN CERTIFICATE/g)?.length, 1);
  assertRedacted(credentials);
});

Deno.test("loadTlsCredentials() opens a -legacy (RC2/3DES, SHA-1 MAC) bundle", () => {
  const credentials = loadTlsCredentials({ pfx: pki.p12.legacy, passphrase: PASSWORD });
  assertClient(credentials, clientCert);
  assert.equal(credentials.ca.length, 1);
});

Deno.test("loadTlsCredentials() opens a bundle with an EC (P-256) key", () => {
  const credentials = loadTlsCredentials({ pfx: pki.p12.ec, passphrase: PASSWORD });
  assertClient(credentials, new X509Certificate(pki.pem.ecCert));
  assert.equal(credentials.subject, "CN=power-sdk-test-client-ec");
  assert.equal(createPrivateKey(credentials.key).asymmetricKeyType, "ec");
  assertRedacted(credentials);
});

Deno.test("loadTlsCredentials() opens an empty-password bundle with or without passphrase", () => {
  for (const input of [{}, { passphrase: "" }]) {
    const credentials = loadTlsCredentials({ pfx: pki.p12.emptyPassword, ...input });
    assertClient(credentials, clientCert);
  }
});

Deno.test("loadTlsCredentials() opens bundles with a non-ASCII passphrase", async () => {
  const passphrase = "pässwörd-€-" + PASSWORD;
  secrets.add(passphrase);
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-cred-" });
  try {
    for (const legacy of [false, true]) {
      const out = `${dir}/unicode-${legacy}.p12`;
      const output = await new Deno.Command("openssl", {
        args: [
          "pkcs12",
          "-export",
          ...(legacy ? ["-legacy"] : []),
          "-in",
          pki.paths.clientCert,
          "-inkey",
          pki.paths.clientKey,
          "-out",
          out,
          "-passout",
          "env:P12_PASSWORD",
        ],
        env: { P12_PASSWORD: passphrase },
        stdin: "null",
        stderr: "piped",
      }).output();
      assert.ok(output.success, new TextDecoder().decode(output.stderr));
      const pfx = await Deno.readFile(out);
      assertClient(loadTlsCredentials({ pfx, passphrase }), clientCert);
      assertProblem({ pfx, passphrase: "passwort" }, "wrong_password");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadTlsCredentials() reads a PEM certificate and key with extra CAs", () => {
  const credentials = loadTlsCredentials({
    cert: pki.pem.clientCert,
    key: pki.pem.clientKey,
    ca: [pki.pem.caCert, pki.pem.otherCaCert + pki.pem.caCert],
  });
  assertClient(credentials, clientCert);
  // Deduplicated, in the order given; several PEM blocks in one string are all read.
  assert.deepEqual(
    credentials.ca.map((pem) => new X509Certificate(pem).subject),
    ["CN=Power SDK Test CA", "CN=Power SDK Other CA"],
  );
  assertRedacted(credentials);
});

Deno.test("loadTlsCredentials() merges bundle CAs with given ones", () => {
  const credentials = loadTlsCredentials({
    pfx: pki.p12.client,
    passphrase: PASSWORD,
    ca: pki.pem.otherCaCert,
  });
  assert.deepEqual(
    credentials.ca.map((pem) => new X509Certificate(pem).subject),
    ["CN=Power SDK Test CA", "CN=Power SDK Other CA"],
  );
  assert.match(
    JSON.stringify(credentials),
    /"ca":\["CN=Power SDK Test CA","CN=Power SDK Other CA"\]/,
  );
});

Deno.test("loadTlsCredentials() puts the leaf first when cert holds a chain", () => {
  const credentials = loadTlsCredentials({
    cert: pki.pem.caCert + pki.pem.clientCert,
    key: pki.pem.clientKey,
  });
  const blocks = credentials.cert.match(
    /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g,
  );
  assert.equal(blocks?.length, 2);
  assert.equal(new X509Certificate(blocks![0]!).fingerprint256, clientCert.fingerprint256);
  assert.equal(new X509Certificate(blocks![1]!).fingerprint256, caCert.fingerprint256);
  assert.deepEqual(credentials.ca, []);
});

Deno.test("loadTlsCredentials() reads a key given inside cert", () => {
  const credentials = loadTlsCredentials({ cert: pki.pem.clientKey + pki.pem.clientCert });
  assertClient(credentials, clientCert);
});

Deno.test("loadTlsCredentials() decrypts an encrypted PEM key with keyPassphrase", () => {
  for (const key of [pki.pem.clientKeyEncrypted, pki.pem.clientKeyEncryptedTraditional]) {
    const credentials = loadTlsCredentials({
      cert: pki.pem.clientCert,
      key,
      keyPassphrase: PASSWORD,
    });
    assertClient(credentials, clientCert);
    // Handed over decrypted.
    assert.doesNotMatch(credentials.key, /ENCRYPTED/);
    assertRedacted(credentials);
    // `passphrase` works too when keyPassphrase is absent, as in node:tls.
    assertClient(
      loadTlsCredentials({ cert: pki.pem.clientCert, key, passphrase: PASSWORD }),
      clientCert,
    );
  }
});

Deno.test("loadTlsCredentials() refuses a wrong or missing PEM key passphrase", () => {
  assertProblem(
    {
      cert: pki.pem.clientCert,
      key: pki.pem.clientKeyEncrypted,
      keyPassphrase: "wrong-" + PASSWORD,
    },
    "wrong_password",
    /^Cannot decrypt the private key: wrong 'keyPassphrase' for the encrypted PKCS#8 key in 'key'$/,
  );
  assertProblem(
    {
      cert: pki.pem.clientCert,
      key: pki.pem.clientKeyEncryptedTraditional,
      keyPassphrase: "wrong-" + PASSWORD,
    },
    "wrong_password",
    /encrypted RSA \(PKCS#1\) key/,
  );
  assertProblem(
    { cert: pki.pem.clientCert, key: pki.pem.clientKeyEncrypted },
    "wrong_password",
    /^Cannot decrypt the private key: the key in 'key' is encrypted and no 'keyPassphrase' was given$/,
  );
  assertProblem(
    { cert: pki.pem.clientCert, key: pki.pem.clientKeyEncrypted, keyPassphrase: "" },
    "wrong_password",
    /the 'keyPassphrase' is empty/,
  );
});

Deno.test("loadTlsCredentials() refuses a wrong bundle password", () => {
  assertProblem(
    { pfx: pki.p12.client, passphrase: "wrong-" + PASSWORD },
    "wrong_password",
    /^Cannot open the PKCS#12 bundle: wrong passphrase \(the bundle's integrity check failed\)$/,
  );
  assertProblem(
    { pfx: pki.p12.legacy, passphrase: "wrong-" + PASSWORD },
    "wrong_password",
  );
  assertProblem(
    { pfx: pki.p12.client },
    "wrong_password",
    /it is password-protected and no passphrase was given/,
  );
  assertProblem({ pfx: pki.p12.client, passphrase: "" }, "wrong_password", /empty passphrase/);
  assertProblem({ pfx: pki.p12.emptyPassword, passphrase: PASSWORD }, "wrong_password");
});

Deno.test("loadTlsCredentials() refuses bytes that are not PKCS#12", () => {
  assertProblem(
    { pfx: new Uint8Array([1, 2, 3]), passphrase: PASSWORD },
    "unreadable",
    /^Cannot open the PKCS#12 bundle: the 3 bytes given are not DER-encoded PKCS#12 \(.+\)$/,
  );
  assertProblem(
    { pfx: crypto.getRandomValues(new Uint8Array(2048)), passphrase: PASSWORD },
    "unreadable",
  );
  assertProblem({ pfx: new Uint8Array(), passphrase: PASSWORD }, "unreadable", /empty \(0 bytes\)/);
  assertProblem(
    { pfx: pki.p12.client.subarray(0, 1000), passphrase: PASSWORD },
    "unreadable",
    /not DER-encoded PKCS#12/,
  );
  assertProblem(
    { pfx: new TextEncoder().encode(pki.pem.clientCert), passphrase: PASSWORD },
    "unreadable",
    /are PEM text, not a binary PKCS#12 bundle; pass PEM as 'cert' and 'key' instead$/,
  );
  // A DER certificate is DER, but not PKCS#12.
  const der = new Uint8Array(clientCert.raw);
  assertProblem({ pfx: der, passphrase: PASSWORD }, "unreadable", /corrupt or uses an unsupported/);
});

Deno.test("loadTlsCredentials() refuses text that is not PEM", () => {
  assertProblem(
    { cert: pki.paths.clientCert, key: pki.paths.clientKey },
    "unreadable",
    /^Cannot read the client certificate: 'cert' holds no PEM block \(it looks like a file name/,
  );
  assertProblem(
    { cert: pki.pem.clientCert, key: "not a key" },
    "unreadable",
    /'key' holds no PEM block/,
  );
  const broken = pki.pem.clientCert.replace(/\n[A-Za-z0-9+/]{20}/, "\n!!!!");
  assertProblem({ cert: broken, key: pki.pem.clientKey }, "unreadable", /CERTIFICATE block #1/);
  assertProblem(
    { pfx: pki.p12.client, passphrase: PASSWORD, ca: "garbage" },
    "unreadable",
    /^Cannot read the CA certificates: 'ca' holds no PEM CERTIFICATE block/,
  );
});

Deno.test("loadTlsCredentials() refuses a bundle without a client certificate", () => {
  assertProblem(
    { pfx: pki.p12.caOnly, passphrase: PASSWORD },
    "missing_certificate",
    /^Cannot use the PKCS#12 bundle: it holds no client certificate and no private key, only CA certificates \(CN=Power SDK Test CA\)$/,
  );
});

Deno.test("loadTlsCredentials() refuses missing certificates and keys", () => {
  assertProblem({}, "missing_certificate", /no client certificate given/);
  assertProblem({ key: pki.pem.clientKey }, "missing_certificate", /no client certificate/);
  assertProblem({ cert: pki.pem.clientKey, key: pki.pem.clientKey }, "missing_certificate");
  assertProblem(
    { cert: pki.pem.clientCert },
    "missing_key",
    /^Cannot load TLS credentials: no private key given for the client certificate CN=power-sdk-test-client; pass 'key' \(PEM\)$/,
  );
  assertProblem(
    { cert: pki.pem.clientCert, key: pki.pem.caCert },
    "missing_key",
    /'key' holds no PRIVATE KEY block, only CERTIFICATE/,
  );
});

Deno.test("loadTlsCredentials() refuses a key that does not match the certificate", () => {
  assertProblem(
    { cert: pki.pem.clientCert, key: pki.pem.serverKey },
    "key_mismatch",
    /^Cannot use TLS credentials: the private key \(RSA 2048-bit\) does not match the client certificate CN=power-sdk-test-client \(whose key is RSA 2048-bit\)$/,
  );
  assertProblem(
    { cert: pki.pem.clientCert, key: pki.pem.ecKey },
    "key_mismatch",
    /\(EC prime256v1\)/,
  );
  assertProblem(
    { cert: pki.pem.caCert + pki.pem.clientCert, key: pki.pem.expiredKey },
    "key_mismatch",
    /matches none of the 2 certificates in 'cert'/,
  );
});

Deno.test("loadTlsCredentials() refuses an expired certificate", () => {
  const expired = new X509Certificate(pki.pem.expiredCert);
  const notAfter = new Date(Date.parse(expired.validTo)).toISOString();
  const error = assertProblem(
    { pfx: pki.p12.expired, passphrase: PASSWORD },
    "expired",
    /^Cannot use TLS credentials: the client certificate CN=power-sdk-expired-client expired on \S+ \(now \S+\)$/,
  );
  assert.ok(error.message.includes(`expired on ${notAfter} (now `));
  assertProblem({ cert: pki.pem.expiredCert, key: pki.pem.expiredKey }, "expired");
  // A valid certificate, checked later than its end.
  assertProblem(
    {
      pfx: pki.p12.client,
      passphrase: PASSWORD,
      now: new Date(Date.parse(clientCert.validTo) + 1000),
    },
    "expired",
    /CN=power-sdk-test-client expired on/,
  );
});

Deno.test("loadTlsCredentials() refuses a certificate that is not valid yet", () => {
  const notBefore = Date.parse(clientCert.validFrom);
  const now = new Date(notBefore - 60_000);
  const error = assertProblem(
    { pfx: pki.p12.client, passphrase: PASSWORD, now },
    "not_yet_valid",
    /^Cannot use TLS credentials: the client certificate CN=power-sdk-test-client is not valid before /,
  );
  assert.ok(
    error.message.includes(`${new Date(notBefore).toISOString()} (now ${now.toISOString()}`),
  );
  // The edges are inside validity.
  loadTlsCredentials({ pfx: pki.p12.client, passphrase: PASSWORD, now: new Date(notBefore) });
});

Deno.test("loadTlsCredentials() refuses a bundle and PEM together", () => {
  assertProblem(
    { pfx: pki.p12.client, passphrase: PASSWORD, cert: pki.pem.clientCert, key: pki.pem.clientKey },
    "unreadable",
    /^Cannot load TLS credentials: give either a PKCS#12 bundle \('pfx', 'passphrase'\) or PEM \('cert', 'key', 'keyPassphrase'\), not both: got 'pfx' and 'cert', 'key'$/,
  );
  assertProblem({ pfx: pki.p12.client, keyPassphrase: PASSWORD }, "unreadable");
});

Deno.test("loadTlsCredentials() throws TypeError on wrongly typed input", () => {
  const bad = [
    { pfx: "MIIK" },
    { pfx: pki.p12.client.buffer },
    { cert: 42 },
    { ca: [pki.pem.caCert, 1] },
    { now: new Date(Number.NaN) },
    null,
  ];
  for (const input of bad) {
    assert.throws(
      () => loadTlsCredentials(input as unknown as TlsCredentialsInput),
      TypeError,
      JSON.stringify(input),
    );
  }
});

Deno.test("loadTlsCredentials() sends intermediates and trusts every other bundle CA", async () => {
  const dir = await Deno.makeTempDir({ prefix: "power-sdk-cred-" });
  try {
    const f = (name: string) => `${dir}/${name}`;
    await Deno.writeTextFile(f("ca.ext"), "basicConstraints=critical,CA:TRUE\n");
    await Deno.writeTextFile(f("leaf.ext"), "basicConstraints=critical,CA:FALSE\n");
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await openssl(
      "req",
      "-new",
      ...ec,
      "-keyout",
      f("int.key"),
      "-out",
      f("int.csr"),
      "-subj",
      "/CN=Intermediate",
    );
    await openssl(
      "x509",
      "-req",
      "-in",
      f("int.csr"),
      "-CA",
      pki.paths.caCert,
      "-CAkey",
      pki.paths.caKey,
      "-set_serial",
      "2",
      "-days",
      "30",
      "-extfile",
      f("ca.ext"),
      "-out",
      f("int.pem"),
    );
    await openssl(
      "req",
      "-new",
      ...ec,
      "-keyout",
      f("leaf.key"),
      "-out",
      f("leaf.csr"),
      "-subj",
      "/CN=leaf",
    );
    await openssl(
      "x509",
      "-req",
      "-in",
      f("leaf.csr"),
      "-CA",
      f("int.pem"),
      "-CAkey",
      f("int.key"),
      "-set_serial",
      "3",
      "-days",
      "30",
      "-extfile",
      f("leaf.ext"),
      "-out",
      f("leaf.pem"),
    );
    await Deno.writeTextFile(
      f("chain.pem"),
      pki.pem.caCert + (await Deno.readTextFile(f("int.pem"))),
    );
    await openssl(
      "pkcs12",
      "-export",
      "-in",
      f("leaf.pem"),
      "-inkey",
      f("leaf.key"),
      "-certfile",
      f("chain.pem"),
      "-out",
      f("leaf.p12"),
      "-passout",
      "pass:",
    );
    const credentials = loadTlsCredentials({ pfx: await Deno.readFile(f("leaf.p12")) });
    assert.equal(credentials.subject, "CN=leaf");
    assert.equal(credentials.issuer, "CN=Intermediate");
    const sent = credentials.cert.match(
      /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g,
    )!;
    assert.deepEqual(sent.map((pem) => new X509Certificate(pem).subject), [
      "CN=leaf",
      "CN=Intermediate",
    ]);
    assert.deepEqual(
      credentials.ca.map((pem) => new X509Certificate(pem).subject).sort(),
      ["CN=Intermediate", "CN=Power SDK Test CA"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadTlsCredentials() hides the key from spreading and enumeration", () => {
  const credentials = loadTlsCredentials({ pfx: pki.p12.client, passphrase: PASSWORD });
  assert.ok(!Object.keys(credentials).includes("key"));
  assert.equal(({ ...credentials } as Partial<TlsCredentials>).key, undefined);
  assert.ok(credentials.key.length > 0);
  assert.ok(Object.isFrozen(credentials));
  assert.throws(() => {
    (credentials as { subject: string }).subject = "x";
  }, TypeError);
});

Deno.test("describeCredentials() gives one line without the key", () => {
  const credentials = loadTlsCredentials({ pfx: pki.p12.client, passphrase: PASSWORD });
  const line = describeCredentials(credentials);
  assert.equal(
    line,
    `CN=power-sdk-test-client (issuer CN=Power SDK Test CA), valid ${credentials.notBefore.toISOString()} to ${credentials.notAfter.toISOString()}, SHA-256 ${clientCert.fingerprint256}, 1 CA certificate`,
  );
  assert.ok(!line.includes("\n"));
});

Deno.test("loadTlsCredentials() writes no file (subprocess with --deny-write)", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "power-sdk-cred-script-" });
  const tmp = await Deno.makeTempDir({ prefix: "power-sdk-cred-tmp-" });
  try {
    const moduleUrl = new URL("./credentials.ts", import.meta.url).href;
    const script = `${scratch}/load.ts`;
    await Deno.writeTextFile(
      script,
      [
        `import { loadTlsCredentials } from ${JSON.stringify(moduleUrl)};`,
        `const passphrase = (await new Response(Deno.stdin.readable).text());`,
        `const pfx = await Deno.readFile(Deno.args[0]);`,
        `const credentials = loadTlsCredentials({ pfx, passphrase });`,
        `if (!credentials.key.startsWith("-----BEGIN PRIVATE KEY-----")) throw new Error("no key");`,
        `console.log(JSON.stringify(credentials));`,
        `try { Deno.writeTextFileSync(Deno.args[1] + "/probe", "x"); console.log("WRITE ALLOWED"); }`,
        `catch (error) { console.log(error instanceof Deno.errors.NotCapable ? "write denied" : String(error)); }`,
      ].join("\n"),
    );
    const listing = async (dir: string) => {
      const names: string[] = [];
      for await (const entry of Deno.readDir(dir)) names.push(entry.name);
      return names.sort();
    };
    const before = await listing(pki.dir);
    const root = new URL("../../", import.meta.url);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--no-lock",
        `--config=${new URL("deno.json", root).pathname}`,
        `--allow-read=${pki.paths.clientP12}`,
        "--deny-write",
        script,
        pki.paths.clientP12,
        tmp,
      ],
      cwd: root.pathname,
      env: { TMPDIR: tmp, TMP: tmp, TEMP: tmp },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(PASSWORD));
    await writer.close();
    const output = await child.output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(output.success, `exit ${output.code}: ${stderr}`);
    const [json, probe] = stdout.trim().split("\n");
    assert.equal(JSON.parse(json!).subject, "CN=power-sdk-test-client");
    assert.equal(probe, "write denied");
    assertNoSecret(stdout + stderr, "the subprocess output");
    assert.deepEqual(await listing(pki.dir), before);
    assert.deepEqual(await listing(tmp), []);
  } finally {
    await Deno.remove(scratch, { recursive: true });
    await Deno.remove(tmp, { recursive: true });
  }
});
