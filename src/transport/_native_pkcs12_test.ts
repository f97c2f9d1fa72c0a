import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import { openPkcs12Natively } from "./_native_pkcs12.ts";
import { openPkcs12 } from "./_pkcs12.ts";
import { createTestPki } from "../../tests/_support/pki.ts";

const pki = await createTestPki();
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(pki.dir, { recursive: true });
  } catch {
    // already gone
  }
});

function fingerprints(ders: readonly Uint8Array[]): string[] {
  return ders.map((der) => new X509Certificate(Buffer.from(der)).fingerprint256).sort();
}

Deno.test("openPkcs12Natively() yields what node-forge yields for RSA, EC, legacy and empty-password bundles", () => {
  const cases: [Uint8Array, string | undefined][] = [
    [pki.p12.client, pki.password],
    [pki.p12.ec, pki.password],
    [pki.p12.legacy, pki.password],
    [pki.p12.emptyPassword, ""],
    [pki.p12.emptyPassword, undefined],
  ];
  for (const [bytes, passphrase] of cases) {
    const native = openPkcs12Natively(bytes, passphrase);
    assert.ok(native !== null, "the native reader opens the bundle");
    const forge = openPkcs12(bytes, passphrase);
    assert.deepEqual(fingerprints(native.certificates), fingerprints(forge.certificates));
    assert.equal(native.keys.length, 1);
    const key = (der: Uint8Array) =>
      createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" })
        .export({ type: "pkcs8", format: "pem" });
    assert.equal(key(native.keys[0]!), key(forge.keys[0]!));
  }
});

Deno.test("openPkcs12Natively() returns null for every bundle it cannot open, so node-forge says why", () => {
  assert.equal(openPkcs12Natively(pki.p12.client, "wrong-" + pki.password), null);
  assert.equal(openPkcs12Natively(pki.p12.client, undefined), null);
  assert.equal(openPkcs12Natively(pki.p12.caOnly, pki.password), null);
  assert.equal(openPkcs12Natively(new Uint8Array([1, 2, 3]), pki.password), null);
  assert.equal(openPkcs12Natively(new Uint8Array(), pki.password), null);
  assert.equal(openPkcs12Natively(new TextEncoder().encode(pki.pem.clientCert), "x"), null);
});
