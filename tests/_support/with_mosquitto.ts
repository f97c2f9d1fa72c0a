/**
 * One call for the broker set-up integration tests share: a real mosquitto on a random
 * 127.0.0.1 port, with (optionally) a fresh test PKI and a TLS listener that uses it, and
 * (optionally) a password file. Disposing of it stops mosquitto and removes the PKI.
 *
 * @module
 */
import { type MosquittoBroker, type MosquittoTlsOptions, startMosquitto } from "./mosquitto.ts";
import { createTestPki, type TestPki } from "./pki.ts";

/** Options of {@linkcode withMosquitto}. */
export interface WithMosquittoOptions {
  /**
   * Serve MQTT over TLS with a server certificate of a fresh {@linkcode TestPki}; `true`
   * requires client certificates signed by its CA, `{ requireCertificate: false }` does not.
   *
   * @default {false}
   */
  readonly tls?: boolean | { readonly requireCertificate: boolean };
  /**
   * Users and passwords of a mosquitto password file; anonymous clients are refused then.
   *
   * @default {undefined: anonymous clients allowed}
   */
  readonly users?: Readonly<Record<string, string>>;
  /**
   * `set_tcp_nodelay true` (mosquitto's default adds ~40 ms per round trip).
   *
   * @default {false}
   */
  readonly noDelay?: boolean;
}

/** A running mosquitto and the PKI it was started with. */
export interface TestMosquitto extends AsyncDisposable {
  /** The broker (restart, log, config). */
  readonly broker: MosquittoBroker;
  /** `mqtts://localhost:<port>` with TLS, `mqtt://127.0.0.1:<port>` otherwise. */
  readonly url: string;
  /** Its port. */
  readonly port: number;
  /** The PKI of its TLS listener; present with `tls` only. */
  readonly pki: TestPki | undefined;
}

/**
 * The TLS listener settings of a PKI: its CA, and its `localhost` server certificate and key.
 *
 * @param pki The test PKI.
 * @param requireCertificate Whether clients must show a certificate signed by its CA.
 * @returns The settings for {@linkcode startMosquitto}.
 */
export function mosquittoTlsOf(pki: TestPki, requireCertificate = true): MosquittoTlsOptions {
  return {
    caFile: pki.paths.caCert,
    certFile: pki.paths.serverCert,
    keyFile: pki.paths.serverKey,
    requireCertificate,
  };
}

/**
 * Start mosquitto for a test; use it with `await using`.
 *
 * @param options TLS, users and TCP_NODELAY.
 * @returns The broker and its PKI.
 * @throws {Error} when mosquitto is not installed (guard the test with `mosquittoAvailable()`)
 *   or does not start.
 *
 * @example A TLS broker that wants client certificates
 * ```ts ignore
 * await using mosquitto = await withMosquitto({ tls: true });
 * const pfx = mosquitto.pki!.p12.client; // password: mosquitto.pki!.password
 * ```
 */
export async function withMosquitto(options: WithMosquittoOptions = {}): Promise<TestMosquitto> {
  const tls = options.tls ?? false;
  const requireCertificate = tls === true || (tls !== false && tls.requireCertificate);
  const pki = tls ? await createTestPki() : undefined;
  try {
    const broker = await startMosquitto({
      ...(pki ? { tls: mosquittoTlsOf(pki, requireCertificate) } : {}),
      ...(options.users ? { users: options.users } : {}),
      ...(options.noDelay ? { noDelay: true } : {}),
    });
    if (broker === null) throw new Error("mosquitto is not installed");
    return {
      broker,
      get url() {
        return broker.url;
      },
      get port() {
        return broker.port;
      },
      pki,
      async [Symbol.asyncDispose]() {
        try {
          await broker.stop();
        } finally {
          await pki?.cleanup();
        }
      },
    };
  } catch (error) {
    await pki?.cleanup();
    throw error;
  }
}
