// Imported by the public entry points (this room's mod.ts, the package's mod.ts): installs
// node-forge's reader of PKCS#12 bundles the native reader refuses, so that the synchronous
// `loadTlsCredentials` says precisely why a bundle cannot be opened. Private to src/transport.
import { openPkcs12 } from "./_pkcs12.ts";
import { installPkcs12Reader } from "./_pkcs12_reader.ts";

installPkcs12Reader(openPkcs12);
