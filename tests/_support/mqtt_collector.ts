/**
 * A test subscriber: an npm:mqtt client that keeps every message it receives and lets a test
 * await the first one that matches (with a deadline, never a fixed sleep).
 *
 * @module
 */
import mqtt from "mqtt";
import type { MqttClient } from "mqtt";

/** One received message. */
export interface Received {
  /** The topic. */
  readonly topic: string;
  /** The payload as text. */
  readonly text: string;
  /** Whether the broker flagged it retained (replayed on subscribe). */
  readonly retained: boolean;
}

/** A subscriber that records messages. */
export class MqttCollector implements AsyncDisposable {
  readonly messages: Received[] = [];
  readonly #client: MqttClient;
  #waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];

  private constructor(client: MqttClient) {
    this.#client = client;
    client.on("message", (topic, payload, packet) => {
      const message = {
        topic,
        text: new TextDecoder().decode(payload),
        retained: packet.retain === true,
      };
      this.messages.push(message);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  /**
   * Connect and subscribe.
   *
   * @param url The broker URL.
   * @param filters Topic filters.
   * @param login The user and password, for a broker that refuses anonymous clients.
   * @returns The collector, subscribed.
   */
  static async start(
    url: string,
    filters: string[],
    login: { readonly username: string; readonly password: string } | null = null,
  ): Promise<MqttCollector> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, clean: true, ...login });
    const collector = new MqttCollector(client);
    await client.subscribeAsync(filters, { qos: 1 });
    return collector;
  }

  /**
   * The first message (received so far or later) that matches; rejects after the deadline.
   *
   * @param match The test.
   * @param what What is awaited, for the error.
   * @param deadlineMs The deadline.
   * @param since Only messages from this index on.
   * @returns The message.
   */
  waitFor(
    match: (m: Received) => boolean,
    what: string,
    deadlineMs = 20_000,
    since = 0,
  ): Promise<Received> {
    const found = this.messages.slice(since).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `No message ${what} within ${deadlineMs} ms; got: ${
              this.messages.map((m) => `${m.topic}=${m.text.slice(0, 80)}`).join(" | ")
            }`,
          ),
        );
      }, deadlineMs);
      const done = (m: Received) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.#waiters.push({ match, resolve: done });
    });
  }

  /**
   * Publish a message.
   *
   * @param topic The topic.
   * @param payload The payload.
   * @param retain Retained.
   */
  async publish(topic: string, payload: string, retain = false): Promise<void> {
    await this.#client.publishAsync(topic, payload, { qos: 1, retain });
  }

  /** Disconnect. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#client.endAsync(true);
  }
}
