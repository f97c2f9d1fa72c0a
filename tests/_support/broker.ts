// A TLS broker that requires client certificates for integration tests: mosquitto when it is
// installed, else the embedded broker (CI, CI=true, insists on mosquitto).
import { EmbeddedBroker } from "../../src/testing/mod.ts";
import { mosquittoAvailable, startMosquitto } from "./mosquitto.ts";
import { createTestPki, type TestPki } from "./pki.ts";
import { mosquittoTlsOf } from "./with_mosquitto.ts";

export interface Broker {
  readonly url: string;
  readonly kind: "mosquitto" | "embedded";
  stop(): Promise<void>;
  restart(): Promise<void>;
}

const onCi = Deno.env.get("CI") === "true";

export async function startBroker(pki: TestPki): Promise<Broker> {
  if (mosquittoAvailable()) {
    const broker = await startMosquitto({ tls: mosquittoTlsOf(pki), noDelay: true });
    if (broker) {
      return {
        url: broker.url,
        kind: "mosquitto",
        stop: () => broker.stop(),
        restart: () => broker.restart(),
      };
    }
  }
  if (onCi) {
    throw new Error("CI must run the real-broker tests on mosquitto, and it is not installed");
  }
  console.warn("mosquitto is not installed: running the real-broker tests on the embedded broker");
  const tls = { cert: pki.pem.serverCert, key: pki.pem.serverKey, ca: pki.pem.caCert };
  let broker = await EmbeddedBroker.start({ tls });
  const port = broker.port;
  return {
    get url() {
      return `mqtts://localhost:${port}`;
    },
    kind: "embedded",
    stop: () => broker.close(),
    restart: async () => {
      await broker.close();
      broker = await EmbeddedBroker.start({ tls, port });
    },
  };
}

/** A fresh test PKI and a TLS broker that uses it; disposing stops the broker, then the PKI. */
export interface TlsBroker extends AsyncDisposable {
  readonly pki: TestPki;
  readonly broker: Broker;
}

/**
 * Make a test PKI and start {@linkcode startBroker} on it: the set-up of every test that
 * needs a client-certificate broker. Use it with `await using`.
 */
export async function withTlsBroker(): Promise<TlsBroker> {
  const pki = await createTestPki();
  let broker: Broker;
  try {
    broker = await startBroker(pki);
  } catch (error) {
    await pki.cleanup();
    throw error;
  }
  // Tests may stop the broker themselves (and restart it): stopping twice is harmless.
  const started = broker;
  let stopping: Promise<void> | null = null;
  const once: Broker = {
    get url() {
      return started.url;
    },
    kind: started.kind,
    stop: () => stopping ??= started.stop(),
    restart: async () => {
      await started.restart();
      stopping = null;
    },
  };
  return {
    pki,
    broker: once,
    async [Symbol.asyncDispose]() {
      try {
        await once.stop();
      } finally {
        await pki.cleanup();
      }
    },
  };
}
