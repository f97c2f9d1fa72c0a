import type { MqttClient } from "mqtt";
import { endMqttClient } from "../_shared/mqtt_client.ts";
import { TransportError } from "../errors/errors.ts";

/** One user of a shared connection: the topic it listens to and what it wants to hear. */
export interface PoolMember {
  /** The exact topic (no wildcard) whose messages belong to this member. */
  readonly topic: string;
  /** A message on `topic`. */
  onMessage(topic: string, payload: Uint8Array, retained: boolean): void;
  /**
   * The shared connection closed (`lastError` null when the broker closed it); the member is
   * out of the pool and joins again to reconnect.
   */
  onClose(lastError: Error | null): void;
}

/** A member's place on a shared connection. */
export interface PoolLease {
  /** The connected client, for publishing. */
  readonly client: MqttClient;
  /** Leave: unsubscribe the member's topic; the last member out ends the connection. */
  leave(): Promise<void>;
}

interface Entry {
  client: MqttClient | null;
  connecting: Promise<MqttClient> | null;
  /** Members by topic. */
  readonly members: Map<string, Set<PoolMember>>;
  /** Members on this connection (all topics). */
  size: number;
  /** Joins in progress (a connection is not ended under them). */
  joining: number;
}

// The shared connections behind an MqttConnectionPool (mqtt_connection_pool.ts, its public
// face): per key, connections of at most `capacity` members each (a new one is opened when
// every open one is full), routing messages by exact topic to members (one Map lookup per
// message), the last member out ending its connection. Private to src/transport.

const cores = new WeakMap<object, MqttPoolCore>();

/** The core of a pool (made on first use). */
export function coreOf(pool: object): MqttPoolCore {
  let core = cores.get(pool);
  if (core === undefined) cores.set(pool, core = new MqttPoolCore());
  return core;
}

/** Shared connections by key. */
export class MqttPoolCore {
  /** The connections of each key, in the order they were opened. */
  #entries = new Map<string, Entry[]>();

  /** Open (or opening) shared connections. */
  get connections(): number {
    let count = 0;
    for (const entries of this.#entries.values()) count += entries.length;
    return count;
  }

  /**
   * Whether a member of `key` would join an open connection (no handshake): one of the key's
   * connections is open and has room.
   */
  isOpen(key: string, capacity = Infinity): boolean {
    return this.#entries.get(key)?.some((e) => e.client !== null && load(e) < capacity) ?? false;
  }

  /** Members on all connections. */
  get members(): number {
    let count = 0;
    for (const entries of this.#entries.values()) {
      for (const entry of entries) count += entry.size;
    }
    return count;
  }

  /**
   * Join the connection of `key`, opening it with `open` when there is none.
   *
   * @param key Who may share: the broker, the identity and every client option that matters.
   * @param open Connects a client subscribed to the given topic (the first member's).
   * @param member The topic and the callbacks.
   * @param capacity At most this many members on one connection: a member joins a connection
   * of `key` with room (members and joins in progress; an open one first), or opens a new one.
   * @returns The lease, once the member's topic is subscribed.
   * @throws {TransportError} What `open` throws, or `TRANSPORT_CONNECT_FAILED` when the
   * subscription is refused.
   */
  async join(
    key: string,
    open: (topic: string) => Promise<MqttClient>,
    member: PoolMember,
    capacity = Infinity,
  ): Promise<PoolLease> {
    let entries = this.#entries.get(key);
    if (entries === undefined) this.#entries.set(key, entries = []);
    // An open connection with room first (no handshake), then one being opened.
    let entry = entries.find((e) => e.client !== null && load(e) < capacity) ??
      entries.find((e) => load(e) < capacity);
    if (entry === undefined) {
      entry = { client: null, connecting: null, members: new Map(), size: 0, joining: 0 };
      entries.push(entry);
    }
    const current = entry;
    current.joining++;
    try {
      let client = current.client;
      let subscribed = false;
      if (client === null) {
        if (current.connecting === null) {
          current.connecting = open(member.topic).then((connected) => {
            current.client = connected;
            this.#wire(key, current, connected);
            return connected;
          }).finally(() => {
            current.connecting = null;
          });
          client = await current.connecting;
          subscribed = true; // open subscribed this member's topic
        } else {
          client = await current.connecting;
        }
      }
      if (!subscribed && !current.members.has(member.topic)) {
        await subscribe(client, member.topic);
      }
      if (current.client !== client) {
        throw new TransportError(
          "TRANSPORT_DISCONNECTED",
          `The shared connection closed while subscribing to ${member.topic}`,
        );
      }
      let set = current.members.get(member.topic);
      if (set === undefined) current.members.set(member.topic, set = new Set());
      if (!set.has(member)) {
        set.add(member);
        current.size++;
      }
      return { client, leave: () => this.#leave(key, current, member) };
    } finally {
      current.joining--;
      if (current.client === null && current.connecting === null) this.#dropIfIdle(key, current);
    }
  }

  #wire(key: string, entry: Entry, client: MqttClient): void {
    let lastError: Error | null = null;
    client.on("error", (error) => {
      lastError = error;
    });
    client.on("message", (topic, message, packet) => {
      const members = entry.members.get(topic);
      if (members === undefined) return;
      const payload = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      for (const member of members) member.onMessage(topic, payload, packet.retain);
    });
    client.on("close", () => {
      if (entry.client !== client) return;
      entry.client = null;
      void endMqttClient(client);
      const members = [...entry.members.values()].flatMap((set) => [...set]);
      entry.members.clear();
      entry.size = 0;
      this.#dropIfIdle(key, entry);
      for (const member of members) member.onClose(lastError);
    });
  }

  async #leave(key: string, entry: Entry, member: PoolMember): Promise<void> {
    const set = entry.members.get(member.topic);
    if (set === undefined || !set.delete(member)) return;
    entry.size--;
    const client = entry.client;
    if (set.size === 0) {
      entry.members.delete(member.topic);
      if (client !== null && entry.members.size > 0) client.unsubscribe(member.topic);
    }
    if (entry.members.size > 0 || entry.joining > 0 || client === null) return;
    entry.client = null;
    this.#dropIfIdle(key, entry);
    await endMqttClient(client);
  }

  #dropIfIdle(key: string, entry: Entry): void {
    if (entry.members.size > 0 || entry.joining > 0) return;
    if (entry.client !== null || entry.connecting !== null) return;
    const entries = this.#entries.get(key);
    const i = entries?.indexOf(entry) ?? -1;
    if (i < 0) return;
    entries!.splice(i, 1);
    if (entries!.length === 0) this.#entries.delete(key);
  }
}

/** Members of a connection and joins on their way to it. */
function load(entry: Entry): number {
  return entry.size + entry.joining;
}

function subscribe(client: MqttClient, topic: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.subscribe(topic, { qos: 1 }, (error, granted) => {
      const refused = granted?.some((g) => g.qos === 128) ?? false;
      if (error || refused) {
        reject(
          new TransportError(
            "TRANSPORT_CONNECT_FAILED",
            `Cannot subscribe to ${topic}: ${
              error?.message ?? "the broker refused the subscription (check its ACL)"
            }`,
            error ? { cause: error } : undefined,
          ),
        );
      } else resolve();
    });
  });
}
