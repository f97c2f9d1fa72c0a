// Small helpers every npm:mqtt user in this package needs (the transport, the simulated station,
// the fleet simulator): no-delay sockets, ending a client and waiting for it, and connecting a
// client that is only handed over once its subscription is granted. Private to the package.
import mqtt from "mqtt";
import type { IClientOptions, MqttClient } from "mqtt";
import { TransportError } from "../errors/errors.ts";

/**
 * Set TCP_NODELAY on the client's socket (no 40 ms Nagle stalls); a no-op for non-TCP streams.
 *
 * @param client A connected npm:mqtt client.
 */
export function setMqttNoDelay(client: MqttClient): void {
  const stream = (client as unknown as { stream?: { setNoDelay?: (on: boolean) => void } }).stream;
  try {
    stream?.setNoDelay?.(true);
  } catch {
    // Not a TCP socket (e.g. WebSocket): nothing to set.
  }
}

/**
 * End a client and resolve when it has closed.
 *
 * @param client The client.
 * @param force Drop in-flight messages instead of waiting for them. @default {true}
 * @returns A promise that resolves when the client is closed.
 */
export function endMqttClient(client: MqttClient, force = true): Promise<void> {
  return new Promise<void>((resolve) => {
    client.end(force, {}, () => resolve());
  });
}

/**
 * npm:mqtt logs through the `debug` package (`DEBUG=mqttjs*`): ~40 calls per request, and each
 * call of a `debug` logger gathers its arguments into a new array before it finds that it is off
 * (~5 KB of garbage per request). When its namespace is off as the client is made, the client's
 * logger is replaced by one that does nothing; with `DEBUG=mqttjs*` it logs as before.
 *
 * @param client A client just made.
 */
export function quietMqttLog(client: MqttClient): void {
  const log = (client as unknown as {
    log?: ((...args: unknown[]) => void) & { namespace?: unknown; enabled?: unknown };
  }).log;
  // A `debug` logger (it has a namespace) that `debug` itself would find off.
  if (typeof log === "function" && typeof log.namespace === "string" && !log.enabled) {
    (client as unknown as { log: () => void }).log = noLog;
  }
}

function noLog(): void {}

/** Options of {@linkcode connectAndSubscribe}. */
export interface ConnectAndSubscribeOptions {
  /** The broker URL. */
  readonly url: string;
  /** npm:mqtt client options. */
  readonly client: IClientOptions;
  /** The topic (filter), or topics, to subscribe to at QoS 1 before the client is handed over. */
  readonly topic: string | readonly string[];
  /** Start of every error message ("Cannot connect X to Y"). */
  readonly what: string;
  /** Cancels the attempt. */
  readonly signal?: AbortSignal | undefined;
  /** Why the connection closed, when the caller knows better than the last error. */
  readonly closeReason?: (lastError: Error | null) => string | null;
  /** Turns a close before CONNACK into an error. @default {a TRANSPORT_CONNECT_FAILED with the last error} */
  readonly closeError?: (lastError: Error | null) => TransportError;
  /** Sees the client as soon as it exists (to end it on stop), and null when the attempt is over. */
  readonly onClient?: (client: MqttClient | null) => void;
}

/**
 * Connect a client, set TCP_NODELAY, subscribe at QoS 1, and resolve with the client once the
 * subscription is granted; on failure the client is ended and the promise rejects.
 *
 * @param options URL, client options, topic, messages, signal.
 * @returns The connected, subscribed client.
 * @throws {TransportError} `TRANSPORT_CONNECT_FAILED` (closed before accepting, subscription
 * refused) or `TRANSPORT_ABORTED`.
 */
export function connectAndSubscribe(options: ConnectAndSubscribeOptions): Promise<MqttClient> {
  const { what, signal, topic } = options;
  if (signal?.aborted) {
    return Promise.reject(
      new TransportError("TRANSPORT_ABORTED", `${what}: aborted`, { cause: signal.reason }),
    );
  }
  const client = mqtt.connect(options.url, options.client);
  quietMqttLog(client);
  options.onClient?.(client);
  return new Promise<MqttClient>((resolve, reject) => {
    let lastError: Error | null = null;
    let done = false;
    const finish = (error: TransportError | null) => {
      if (done) return;
      done = true;
      client.removeListener("connect", onConnect);
      client.removeListener("close", onClose);
      client.removeListener("error", onError);
      signal?.removeEventListener("abort", onAbort);
      options.onClient?.(null);
      if (error === null) {
        resolve(client);
        return;
      }
      void endMqttClient(client).then(() => reject(error));
    };
    const onError = (error: Error) => {
      lastError = error;
    };
    const onClose = () => {
      if (options.closeError) return finish(options.closeError(lastError));
      const reason = options.closeReason?.(lastError) ?? socketReason(options.url, lastError) ??
        "connection closed";
      finish(
        new TransportError(
          "TRANSPORT_CONNECT_FAILED",
          `${what}: ${reason}`,
          lastError ? { cause: lastError } : undefined,
        ),
      );
    };
    const onAbort = () =>
      finish(
        new TransportError("TRANSPORT_ABORTED", `${what}: aborted`, { cause: signal?.reason }),
      );
    const onConnect = () => {
      setMqttNoDelay(client);
      client.subscribe(typeof topic === "string" ? topic : [...topic], { qos: 1 }, (
        error,
        granted,
      ) => {
        const refused = granted?.some((g) => g.qos === 128) ?? false;
        if (error || refused) {
          finish(
            new TransportError(
              "TRANSPORT_CONNECT_FAILED",
              `${what}: cannot subscribe to ${topicList(topic)}: ${
                error?.message ?? "the broker refused the subscription (check its ACL)"
              }`,
              error ? { cause: error } : undefined,
            ),
          );
          return;
        }
        finish(null);
      });
    };
    client.on("error", onError);
    client.on("connect", onConnect);
    client.on("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A socket error in the words `read` uses for the same failure: "connection refused: nothing
 * listens on host:port" rather than Node's `connect ECONNREFUSED 127.0.0.1:1883`.
 */
function socketReason(brokerUrl: string, error: Error | null): string | undefined {
  if (error === null) return undefined;
  const code = (error as { code?: string }).code;
  let url: URL | undefined;
  try {
    url = new URL(brokerUrl);
  } catch {
    url = undefined;
  }
  if (url !== undefined && code === "ECONNREFUSED") {
    return `connection refused: nothing listens on ${url.host}`;
  }
  if (url !== undefined && (code === "ENOTFOUND" || code === "EAI_AGAIN")) {
    return `the host ${url.hostname} cannot be resolved`;
  }
  return error.message;
}

/** A topic, or a list of topics (the first three and how many more), for messages. */
function topicList(topic: string | readonly string[]): string {
  if (typeof topic === "string") return topic;
  const shown = topic.slice(0, 3).join(", ");
  return topic.length > 3 ? `${shown} and ${topic.length - 3} more topics` : shown;
}

/**
 * A random hex suffix for a client id, so that two connections of one process (or a restart
 * before the broker noticed the old one) never share an id: the broker would drop the older.
 */
export function randomClientSuffix(bytes: number): string {
  return crypto.getRandomValues(new Uint8Array(bytes)).toHex();
}
