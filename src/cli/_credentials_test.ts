import assert from "node:assert/strict";
import { CredentialsError } from "../../mod.ts";
import { createTestPki } from "../../tests/_support/pki.ts";
import {
  type CredentialSources,
  loadBundle,
  PASSWORD_ENV,
  PromptCancelledError,
  readCaFile,
} from "./_credentials.ts";
import type { Terminal } from "./_prompt.ts";

const pki = await createTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));

interface Fake {
  readonly sources: CredentialSources;
  /** Prompts shown, in order. */
  readonly prompts: string[];
}

/** Real files; the environment and the terminal as given. */
function fake(
  options: { env?: string; terminal?: boolean; typed?: string | null } = {},
): Fake {
  const prompts: string[] = [];
  const terminal: Terminal = {
    isTerminal: () => options.terminal ?? false,
    readSecret(prompt, write) {
      prompts.push(prompt);
      write(prompt);
      return Promise.resolve(options.typed ?? null);
    },
  };
  return {
    prompts,
    sources: {
      readFile: (path) => Deno.readFile(path),
      env: (name) => name === PASSWORD_ENV ? options.env : undefined,
      terminal,
    },
  };
}

function request(path: string, password?: string) {
  return { path, password, write: () => {} };
}

function credentialsError(problem: string, message: RegExp | string) {
  return (error: unknown) => {
    assert.ok(error instanceof CredentialsError, String(error));
    assert.equal(error.code, "TRANSPORT_CREDENTIALS");
    assert.equal(error.problem, problem);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    assert.ok(!error.message.includes(pki.password), "the password is in the message");
    return true;
  };
}

Deno.test("loadBundle() takes --password before the environment and never prompts then", async () => {
  const { sources, prompts } = fake({ env: "stale", terminal: true, typed: "typed" });
  const tls = await loadBundle(request(pki.paths.clientP12, pki.password), sources);
  assert.equal(tls.subject, "CN=power-sdk-test-client");
  assert.equal(tls.ca.length, 1);
  assert.deepEqual(prompts, []);
});

Deno.test("loadBundle() takes POWER_SDK_CERT_PASSWORD when there is no --password", async () => {
  const { sources, prompts } = fake({ env: pki.password, terminal: true });
  const tls = await loadBundle(request(pki.paths.legacyP12), sources);
  assert.equal(tls.subject, "CN=power-sdk-test-client");
  assert.deepEqual(prompts, []);
});

Deno.test("loadBundle() opens a bundle without a password without asking", async () => {
  const { sources, prompts } = fake({ terminal: true });
  const tls = await loadBundle(request(pki.paths.emptyPasswordP12), sources);
  assert.equal(tls.subject, "CN=power-sdk-test-client");
  assert.deepEqual(prompts, []);
});

Deno.test("loadBundle() asks on a terminal, naming the file", async () => {
  const { sources, prompts } = fake({ terminal: true, typed: pki.password });
  let written = "";
  const tls = await loadBundle(
    { path: pki.paths.clientP12, password: undefined, write: (text) => written += text },
    sources,
  );
  assert.equal(tls.subject, "CN=power-sdk-test-client");
  assert.deepEqual(prompts, [`Password for ${pki.paths.clientP12}: `]);
  assert.equal(written, `Password for ${pki.paths.clientP12}: `);
});

Deno.test("loadBundle() rejects a cancelled prompt with PromptCancelledError", async () => {
  const { sources } = fake({ terminal: true, typed: null });
  await assert.rejects(loadBundle(request(pki.paths.clientP12), sources), (error) => {
    assert.ok(error instanceof PromptCancelledError);
    assert.equal(error.message, `cancelled: no password entered for ${pki.paths.clientP12}`);
    return true;
  });
});

Deno.test("loadBundle() says how to pass the password when there is no terminal", async () => {
  const { sources, prompts } = fake({ terminal: false });
  await assert.rejects(
    loadBundle(request(pki.paths.clientP12), sources),
    credentialsError(
      "wrong_password",
      `Cannot open the PKCS#12 bundle ${pki.paths.clientP12}: it is password-protected; pass --password or set POWER_SDK_CERT_PASSWORD`,
    ),
  );
  assert.deepEqual(prompts, []);
});

Deno.test("loadBundle() names the file and the password's source for a wrong password", async () => {
  const path = pki.paths.clientP12;
  const cases: [Fake, string | undefined, string][] = [
    [fake(), "not-it", "--password"],
    [fake({ env: "not-it" }), undefined, "POWER_SDK_CERT_PASSWORD"],
    [fake({ terminal: true, typed: "not-it" }), undefined, "the prompt"],
  ];
  for (const [{ sources }, password, from] of cases) {
    await assert.rejects(
      loadBundle(request(path, password), sources),
      credentialsError(
        "wrong_password",
        new RegExp(
          `^Cannot open the PKCS#12 bundle ${
            RegExp.escape(path)
          }: wrong passphrase .*; the password came from ${from}$`,
        ),
      ),
    );
  }
});

Deno.test("loadBundle() names the file when it is missing, not a bundle, or expired", async () => {
  const { sources } = fake({ env: pki.password });
  await assert.rejects(
    loadBundle(request("no/such/client.p12"), sources),
    credentialsError(
      "unreadable",
      "Cannot read the PKCS#12 bundle no/such/client.p12: no such file",
    ),
  );
  await assert.rejects(
    loadBundle(request(pki.dir), sources),
    credentialsError("unreadable", `Cannot read the PKCS#12 bundle ${pki.dir}: it is a directory`),
  );
  await assert.rejects(
    loadBundle(request(pki.paths.caCert), sources),
    credentialsError(
      "unreadable",
      new RegExp(`^Cannot open the PKCS#12 bundle ${RegExp.escape(pki.paths.caCert)}: `),
    ),
  );
  await assert.rejects(
    loadBundle(request(pki.paths.expiredP12), sources),
    credentialsError(
      "expired",
      new RegExp(
        `^Cannot use the PKCS#12 bundle ${
          RegExp.escape(pki.paths.expiredP12)
        }: the client certificate CN=power-sdk-expired-client expired on `,
      ),
    ),
  );
});

Deno.test("readCaFile() returns the PEM and names a file that holds no certificate", async () => {
  const { sources } = fake();
  assert.equal(await readCaFile(pki.paths.caCert, sources), pki.pem.caCert);
  await assert.rejects(
    readCaFile(pki.paths.clientKey, sources),
    credentialsError(
      "unreadable",
      `Cannot read the CA file ${pki.paths.clientKey}: it holds no PEM CERTIFICATE block`,
    ),
  );
  await assert.rejects(
    readCaFile("missing-ca.pem", sources),
    credentialsError("unreadable", "Cannot read the CA file missing-ca.pem: no such file"),
  );
  const broken: CredentialSources = {
    ...sources,
    readFile: () =>
      Promise.resolve(
        new TextEncoder().encode("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
      ),
  };
  await assert.rejects(
    readCaFile("broken.pem", broken),
    credentialsError(
      "unreadable",
      /^Cannot read the CA file broken\.pem: certificate #1 of 1 is not a valid X\.509 certificate/,
    ),
  );
});
