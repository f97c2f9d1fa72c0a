// openTlsCredentials() without the public entry points: node-forge's reader is loaded only for
// a bundle the native reader refuses. Its own test module (module state: the reader, once
// loaded, stays) that imports credentials.ts directly, as the runtime does.
import assert from "node:assert/strict";
import { CredentialsError } from "../errors/errors.ts";
import { loadTlsCredentials, openTlsCredentials } from "./credentials.ts";
import { pkcs12Reader } from "./_pkcs12_reader.ts";
import { createTestPki } from "../../tests/_support/pki.ts";

const pki = await createTestPki();
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(pki.dir, { recursive: true });
  } catch {
    // already gone
  }
});

Deno.test("openTlsCredentials() loads the explaining reader only for a refused bundle", async (t) => {
  await t.step("good bundles open natively: the reader stays unloaded", async () => {
    for (const pfx of [pki.p12.client, pki.p12.legacy, pki.p12.ec]) {
      const credentials = await openTlsCredentials({ pfx, passphrase: pki.password });
      assert.match(credentials.subject, /CN=/);
    }
    assert.equal(pkcs12Reader(), null);
  });

  await t.step("the synchronous call cannot explain without it, and says so", () => {
    assert.throws(
      () => loadTlsCredentials({ pfx: pki.p12.client, passphrase: "wrong-" + pki.password }),
      (error) => {
        assert.ok(error instanceof CredentialsError);
        assert.equal(error.problem, "unreadable");
        assert.match(error.message, /native reader refused it .*openTlsCredentials/);
        assert.ok(!error.message.includes(pki.password));
        return true;
      },
    );
    assert.equal(pkcs12Reader(), null);
  });

  await t.step("a wrong password: the reader is loaded and says precisely why", async () => {
    await assert.rejects(
      openTlsCredentials({ pfx: pki.p12.client, passphrase: "wrong-" + pki.password }),
      (error) => {
        assert.ok(error instanceof CredentialsError);
        assert.equal(error.problem, "wrong_password");
        assert.match(
          error.message,
          /^Cannot open the PKCS#12 bundle: wrong passphrase \(the bundle's integrity check failed\)$/,
        );
        return true;
      },
    );
    assert.notEqual(pkcs12Reader(), null);
    // Installed now: the synchronous call explains too.
    assert.throws(
      () => loadTlsCredentials({ pfx: pki.p12.caOnly, passphrase: pki.password }),
      (error) => error instanceof CredentialsError && error.problem === "missing_certificate",
    );
  });
});
