import { Aedes } from "aedes";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createServer as createTcpServer, isIP, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TlsOptions } from "node:tls";
import { TransportError } from "../errors/errors.ts";

/**
 * TLS settings of an {@linkcode EmbeddedBroker}. All values are PEM text held in memory: nothing
 * is written to disk.
 *
 * @example Start a broker that requires client certificates
 * ```ts ignore
 * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
 *
 * // serverCertPem names "localhost"; clients must present a certificate signed by caPem.
 * const broker = await EmbeddedBroker.start({
 *   tls: { cert: serverCertPem, key: serverKeyPem, ca: caPem },
 * });
 * console.log(broker.url); // "mqtts://localhost:<port>"
 * await broker.close();
 * ```
 *
 * @example Unusable credentials are refused before the broker listens
 * ```ts
 * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   EmbeddedBroker.start({ tls: { cert: "not a certificate", key: "not a key" } }),
 *   TypeError,
 * );
 * ```
 */
export interface EmbeddedBrokerTlsOptions {
  /** The server certificate (PEM), optionally followed by its intermediate certificates. */
  cert: string;
  /** The private key of {@linkcode EmbeddedBrokerTlsOptions.cert} (PEM, unencrypted). */
  key: string;
  /**
   * The certificate authorities (PEM) that client certificates must chain to.
   *
   * @default {undefined}
   */
  ca?: string | readonly string[];
  /**
   * Whether a client must present a certificate signed by
   * {@linkcode EmbeddedBrokerTlsOptions.ca}. A client without one is refused during the TLS
   * handshake. Requires `ca`.
   *
   * @default {true when `ca` is given, false otherwise}
   */
  requireClientCert?: boolean;
}

/**
 * Options of {@linkcode EmbeddedBroker.start}.
 *
 * @example Start a broker on a fixed loopback address and a random port
 * ```ts
 * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const broker = await EmbeddedBroker.start({ host: "127.0.0.1", port: 0 });
 * assert.equal(broker.host, "127.0.0.1");
 * assert.ok(broker.port > 0);
 * await broker.close();
 * ```
 */
export interface EmbeddedBrokerOptions {
  /**
   * The address to listen on. Anything that is not a loopback address (`127.0.0.0/8`, `::1`,
   * `localhost`) is refused unless {@linkcode EmbeddedBrokerOptions.allowNonLoopback} is true:
   * the broker has no authentication and would accept any client that can reach it.
   *
   * @default {"127.0.0.1"}
   */
  host?: string;
  /**
   * The port to listen on; 0 picks a free port, read it back from {@linkcode EmbeddedBroker.port}.
   *
   * @default {0}
   */
  port?: number;
  /**
   * Allow {@linkcode EmbeddedBrokerOptions.host} to be a non-loopback address, exposing the
   * broker to the network.
   *
   * @default {false}
   */
  allowNonLoopback?: boolean;
  /**
   * Serve MQTT over TLS (`mqtts://`) instead of plain TCP (`mqtt://`).
   *
   * @default {undefined}
   */
  tls?: EmbeddedBrokerTlsOptions;
}

/**
 * An in-process MQTT 3.1.1/5 broker (aedes) for tests, demos and local experiments: no
 * installation, no configuration, no hardware. Every accepted socket has TCP_NODELAY set, so a
 * request/reply round trip through it costs well under a millisecond on loopback.
 *
 * Messages live in memory only and are lost on {@linkcode EmbeddedBroker.close}. There is no
 * authentication: by default the broker listens on 127.0.0.1 only.
 *
 * Permissions: `--allow-net=127.0.0.1` (add `localhost` for a TLS client using
 * {@linkcode EmbeddedBroker.url}), and environment access, because aedes's dependencies read
 * `READABLE_STREAM` and the `debug` package lists every variable at load time: grant
 * `--allow-env` or pass `--ignore-env`.
 *
 * @example Publish and receive a message through an embedded broker
 * ```ts
 * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
 * import mqtt from "mqtt";
 * import assert from "node:assert/strict";
 *
 * const broker = await EmbeddedBroker.start();
 * const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
 * const received = new Promise<string>((resolve) => {
 *   client.once("message", (_topic, payload) => resolve(payload.toString()));
 * });
 * await client.subscribeAsync("demo/hello");
 * await client.publishAsync("demo/hello", "world");
 * assert.equal(await received, "world");
 * await client.endAsync();
 * await broker.close();
 * ```
 */
export class EmbeddedBroker implements AsyncDisposable {
  /**
   * The address the broker listens on, as bound (for example `"127.0.0.1"` or `"::1"`).
   *
   * @example Read the address
   * ```ts
   * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * assert.equal(broker.host, "127.0.0.1");
   * ```
   */
  readonly host: string;
  /**
   * The port the broker listens on (the one picked when `port` was 0).
   *
   * @example Read the port
   * ```ts
   * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * assert.ok(broker.port > 0 && broker.port < 65536);
   * ```
   */
  readonly port: number;
  /**
   * The URL to give an MQTT client: `mqtt://<host>:<port>`, or `mqtts://<host>:<port>` with
   * TLS. With TLS on 127.0.0.1 the host is `localhost`, the name test server certificates
   * usually carry, so the hostname check passes.
   *
   * @example Read the URL
   * ```ts
   * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * await using broker = await EmbeddedBroker.start();
   * assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
   * ```
   */
  readonly url: string;

  #aedes: Aedes;
  #server: Server;
  #sockets: Set<Socket>;
  #closing: Promise<void> | undefined;

  private constructor(aedes: Aedes, server: Server, sockets: Set<Socket>, tls: boolean) {
    this.#aedes = aedes;
    this.#server = server;
    this.#sockets = sockets;
    const address = server.address();
    if (address === null || typeof address === "string") {
      throw new TypeError(`Cannot read the embedded broker's address: current value is ${address}`);
    }
    this.host = address.address;
    this.port = address.port;
    const urlHost = tls && address.address === "127.0.0.1"
      ? "localhost"
      : address.family === "IPv6" || isIP(address.address) === 6
      ? `[${address.address}]`
      : address.address;
    this.url = `${tls ? "mqtts" : "mqtt"}://${urlHost}:${address.port}`;
  }

  /**
   * Starts a broker and resolves once it accepts connections.
   *
   * @param options Where to listen and whether to use TLS.
   * @returns The running broker; close it with {@linkcode EmbeddedBroker.close}.
   * @throws {TypeError} If `host` is not a loopback address and `allowNonLoopback` is not set,
   *   or the TLS credentials are unusable (unparseable, key not matching the certificate,
   *   `requireClientCert` without `ca`).
   * @throws {RangeError} If `port` is not an integer from 0 to 65535.
   * @throws {TransportError} `TRANSPORT_LISTEN_FAILED` if the server cannot listen (for example
   *   the port is in use).
   *
   * @example Start a broker on a random port and close it
   * ```ts
   * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * const broker = await EmbeddedBroker.start();
   * assert.match(broker.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
   * await broker.close();
   * ```
   */
  static async start(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
    const host = options.host ?? "127.0.0.1";
    const port = options.port ?? 0;
    if (!options.allowNonLoopback && !isLoopback(host)) {
      throw new TypeError(
        `Cannot start the embedded broker on '${host}' as it is not a loopback address: ` +
          "pass 'allowNonLoopback: true' to expose it to the network",
      );
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(
        `Cannot start the embedded broker as 'port' must be an integer from 0 to 65535: current value is ${port}`,
      );
    }
    const tlsOptions = options.tls === undefined ? undefined : toTlsOptions(options.tls);

    const aedes = await Aedes.createBroker();
    const sockets = new Set<Socket>();
    function track(socket: Socket): void {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    }
    let server: Server;
    if (tlsOptions === undefined) {
      server = createTcpServer((socket) => {
        track(socket);
        aedes.handle(socket);
      });
    } else {
      server = createTlsServer(tlsOptions, (socket) => {
        track(socket);
        aedes.handle(socket);
      });
      // A failed handshake (for example a client without a certificate) only concerns that
      // client, which gets the TLS alert; the broker keeps serving the others.
      server.on("tlsClientError", () => {});
      // Track raw sockets too, so close() can destroy handshakes still in progress.
      server.on("connection", track);
    }

    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, unbracket(host), () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      await closeAedes(aedes);
      throw new TransportError(
        "TRANSPORT_LISTEN_FAILED",
        `Cannot start the embedded broker on ${host}:${port}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new EmbeddedBroker(aedes, server, sockets, tlsOptions !== undefined);
  }

  /**
   * Stops accepting connections, disconnects every client and releases all resources. Calling
   * it again returns the same promise.
   *
   * @returns A promise that resolves once the listener, every client socket and the broker are
   *   closed.
   *
   * @example Close a broker twice
   * ```ts
   * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
   *
   * const broker = await EmbeddedBroker.start();
   * await broker.close();
   * await broker.close(); // no-op
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await closeAedes(this.#aedes);
    // Connections that never sent CONNECT, or are still in the TLS handshake, are not aedes
    // clients yet: destroy them so their timers and sockets go too.
    for (const socket of this.#sockets) socket.destroy();
    await serverClosed;
  }

  /**
   * Closes the broker at the end of an `await using` block; same as
   * {@linkcode EmbeddedBroker.close}.
   *
   * @returns A promise that resolves once the broker is closed.
   *
   * @example Close a broker automatically
   * ```ts
   * import { EmbeddedBroker } from "@power-sdk/sdk/testing";
   * import assert from "node:assert/strict";
   *
   * {
   *   await using broker = await EmbeddedBroker.start();
   *   assert.ok(broker.port > 0);
   * } // closed here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function closeAedes(aedes: Aedes): Promise<void> {
  return new Promise((resolve) => aedes.close(() => resolve()));
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function isLoopback(host: string): boolean {
  const bare = unbracket(host);
  if (bare.toLowerCase() === "localhost") return true;
  switch (isIP(bare)) {
    case 4:
      return bare.split(".")[0] === "127";
    case 6:
      return new URL(`http://[${bare}]/`).hostname === "[::1]";
    default:
      return false;
  }
}

function toTlsOptions(tls: EmbeddedBrokerTlsOptions): TlsOptions {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(tls.cert);
  } catch (error) {
    throw new TypeError(
      `Cannot use 'tls.cert' as it is not a PEM certificate: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let key;
  try {
    key = createPrivateKey(tls.key);
  } catch (error) {
    throw new TypeError(
      `Cannot use 'tls.key' as it is not an unencrypted PEM private key: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  // Deno fails late and vaguely ("unsupported protocol") on a key that does not match.
  if (!certificate.checkPrivateKey(key)) {
    throw new TypeError(
      `Cannot use 'tls.key' as it does not match 'tls.cert': certificate subject is '${certificate.subject}'`,
    );
  }
  const requireClientCert = tls.requireClientCert ?? tls.ca !== undefined;
  if (requireClientCert && tls.ca === undefined) {
    throw new TypeError(
      "Cannot require client certificates as 'tls.ca' is not set: current value is undefined",
    );
  }
  const options: TlsOptions = {
    cert: tls.cert,
    key: tls.key,
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
  };
  if (tls.ca !== undefined) options.ca = typeof tls.ca === "string" ? tls.ca : [...tls.ca];
  return options;
}
