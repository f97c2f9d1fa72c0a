// Opening a station's PKCS#12 bundle: the native path loadTlsCredentials() takes, against
// node-forge alone (what every bundle cost before, and what a refused bundle still costs to
// explain why). Run: deno bench -P=bench bench/credentials_bench.ts
import { loadTlsCredentials } from "../src/transport/credentials.ts";
import { openPkcs12 } from "../src/transport/_pkcs12.ts";
import { createTestPki } from "../tests/_support/pki.ts";

const pki = await createTestPki();
globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));

Deno.bench("loadTlsCredentials(): OpenSSL 3 default bundle (native)", { group: "p12" }, () => {
  loadTlsCredentials({ pfx: pki.p12.client, passphrase: pki.password });
});
Deno.bench("node-forge openPkcs12(): the same bundle", { group: "p12", baseline: true }, () => {
  openPkcs12(pki.p12.client, pki.password);
});
Deno.bench("loadTlsCredentials(): -legacy bundle (native)", { group: "legacy" }, () => {
  loadTlsCredentials({ pfx: pki.p12.legacy, passphrase: pki.password });
});
Deno.bench("node-forge openPkcs12(): the same -legacy bundle", {
  group: "legacy",
  baseline: true,
}, () => {
  openPkcs12(pki.p12.legacy, pki.password);
});
Deno.bench("loadTlsCredentials(): wrong password (native refuses, forge explains)", () => {
  try {
    loadTlsCredentials({ pfx: pki.p12.client, passphrase: "wrong" });
  } catch {
    // expected
  }
});
