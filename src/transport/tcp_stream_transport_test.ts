import assert from "node:assert/strict";
import { TransportError } from "../errors/errors.ts";
import type { StreamFraming } from "./stream_framing.ts";
import { TcpStreamTransport } from "./tcp_stream_transport.ts";
import type { TransportStateChange, UnsolicitedFrame } from "./types.ts";

// A framing as small as possible, so this test needs no protocol: [length, id, body…].
const TOY: StreamFraming = {
  name: "toy",
  idSpace: 256,
  frameLength: (b) => b.length === 0 ? 0 : b[0]! < 2 ? -1 : b.length >= b[0]! ? b[0]! : 0,
  correlationId: (f) => f[1] ?? -1,
  setCorrelationId: (f, id) => {
    f[1] = id;
  },
};

/** A frame of the toy framing with id and body. */
function frame(id: number, ...body: number[]): Uint8Array {
  return new Uint8Array([body.length + 2, id, ...body]);
}

/** A scripted TCP station: `script` runs once per accepted connection. */
class ScriptedStation {
  readonly listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  accepted = 0;
  #served: Promise<void>[] = [];
  #loop: Promise<void>;
  #conns = new Set<Deno.Conn>();

  constructor(script: (conn: FrameConn, index: number) => Promise<void>) {
    this.#loop = (async () => {
      for await (const conn of this.listener) {
        const index = this.accepted++;
        this.#conns.add(conn);
        this.#served.push(
          script(new FrameConn(conn), index).catch(() => {}).finally(() => {
            this.#conns.delete(conn);
            try {
              conn.close();
            } catch { /* closed */ }
          }),
        );
      }
    })().catch(() => {});
  }

  get port(): number {
    return this.listener.addr.port;
  }

  async close(): Promise<void> {
    this.listener.close();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* closed */ }
    }
    await this.#loop;
    await Promise.all(this.#served);
  }
}

/** Reads whole toy frames from a connection. */
class FrameConn {
  #conn: Deno.Conn;
  #buffer = new Uint8Array(0);
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }
  async next(): Promise<Uint8Array | null> {
    while (true) {
      const length = TOY.frameLength(this.#buffer);
      if (length > 0) {
        const out = this.#buffer.slice(0, length);
        this.#buffer = this.#buffer.slice(length);
        return out;
      }
      const chunk = new Uint8Array(256);
      const n = await this.#conn.read(chunk);
      if (n === null) return null;
      this.#buffer = new Uint8Array([...this.#buffer, ...chunk.subarray(0, n)]);
    }
  }
  async send(...frames: Uint8Array[]): Promise<void> {
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      all.set(f, at);
      at += f.length;
    }
    await this.#conn.write(all);
  }
  close(): void {
    this.#conn.close();
  }
}

function open(
  port: number,
  extra: Partial<ConstructorParameters<typeof TcpStreamTransport>[0]> = {},
) {
  return new TcpStreamTransport({
    host: "127.0.0.1",
    port,
    framing: TOY,
    pacingMs: 0,
    timeoutMs: 2_000,
    ...extra,
  });
}

const any = () => true;

Deno.test("TcpStreamTransport never takes a late reply: after a timeout it goes to onUnsolicited", async () => {
  const station = new ScriptedStation(async (conn) => {
    const first = (await conn.next())!;
    const second = (await conn.next())!; // the first request has timed out by now
    await conn.send(frame(first[1]!, 0xaa), frame(second[1]!, 0xbb));
    await conn.next();
  });
  const transport = open(station.port);
  const unsolicited: UnsolicitedFrame[] = [];
  transport.onUnsolicited((f) => unsolicited.push(f));
  await transport.connect();
  await assert.rejects(transport.request(frame(0, 1), any, { timeoutMs: 30 }), {
    code: "TRANSPORT_TIMEOUT",
  });
  assert.equal(transport.state, "connected", "a timeout is not a dead link");
  const reply = await transport.request(frame(0, 2), any);
  assert.deepEqual([...reply.subarray(2)], [0xbb]);
  assert.deepEqual(unsolicited.map((f) => [...f.payload.subarray(2)]), [[0xaa]]);
  assert.equal(unsolicited[0]!.topic, `tcp://127.0.0.1:${station.port}`);
  await transport.close();
  await station.close();
});

Deno.test("TcpStreamTransport ignores duplicates and frames of another id; isReply still decides", async () => {
  const station = new ScriptedStation(async (conn) => {
    const first = (await conn.next())!;
    await conn.send(frame(first[1]!, 1));
    const second = (await conn.next())!;
    const id = second[1]!;
    await conn.send(
      frame(first[1]!, 1), // duplicate of the first reply
      frame((id + 7) % 256, 2), // another id
      frame(id, 0xee), // right id, refused by isReply
      frame(id, 3),
    );
    await conn.next();
  });
  const transport = open(station.port);
  const unsolicited: number[] = [];
  transport.onUnsolicited((f) => unsolicited.push(f.payload[2]!));
  await transport.connect();
  assert.deepEqual([...(await transport.request(frame(0), any)).subarray(2)], [1]);
  const reply = await transport.request(frame(0), (f) => f[2] !== 0xee);
  assert.deepEqual([...reply.subarray(2)], [3]);
  assert.deepEqual(unsolicited, [1, 2, 0xee]);
  await transport.close();
  await station.close();
});

Deno.test("TcpStreamTransport shares one connection per station and runs requests one at a time", async () => {
  const seenIds: number[] = [];
  const station = new ScriptedStation(async (conn) => {
    while (true) {
      const request = await conn.next();
      if (request === null) return;
      seenIds.push(request[1]!);
      await conn.send(frame(request[1]!, request[2]!));
    }
  });
  const a = open(station.port);
  const b = open(station.port);
  await Promise.all([a.connect(), b.connect()]);
  const replies = await Promise.all([
    a.request(frame(0, 10), any),
    b.request(frame(0, 20), any),
    a.request(frame(0, 30), any),
  ]);
  assert.deepEqual(replies.map((r) => r[2]), [10, 20, 30]);
  assert.equal(station.accepted, 1);
  assert.equal(new Set(seenIds).size, 3, "each request has its own correlation id");
  await a.close();
  assert.equal(b.state, "connected", "the other device keeps the connection");
  assert.equal((await b.request(frame(0, 40), any))[2], 40);
  await b.close();
  await station.close();
});

Deno.test("TcpStreamTransport fails the in-flight request at once when the station drops the link", async () => {
  const station = new ScriptedStation(async (conn) => {
    await conn.next();
    conn.close();
  });
  const transport = open(station.port, { reconnect: { initialDelayMs: 60_000, jitter: 0 } });
  const states: TransportStateChange[] = [];
  transport.onState((c) => states.push(c));
  await transport.connect();
  await assert.rejects(transport.request(frame(0, 1), any, { timeoutMs: 60_000 }), {
    code: "TRANSPORT_DISCONNECTED",
  });
  assert.equal(transport.state, "offline");
  assert.equal(states.at(-1)?.retryInMs, 60_000);
  await assert.rejects(transport.request(frame(0, 1), any), { code: "TRANSPORT_DISCONNECTED" });
  await transport.close();
  await station.close();
});

Deno.test("TcpStreamTransport never dials faster than its backoff, however often connect() is called", async () => {
  const station = new ScriptedStation(async (conn, index) => {
    if (index === 0) {
      conn.close(); // first connection: dropped at once
      return;
    }
    const request = await conn.next();
    if (request !== null) await conn.send(frame(request[1]!, 9));
    await conn.next();
  });
  const states: TransportStateChange[] = [];
  const transport = open(station.port, {
    reconnect: { initialDelayMs: 100, multiplier: 2, jitter: 0 },
  });
  const offline = new Promise<void>((resolve) =>
    transport.onState((c) => {
      states.push(c);
      if (c.state === "offline") resolve();
    })
  );
  await Promise.all([transport.connect(), transport.connect(), transport.connect()]);
  await offline;
  // Ten impatient callers during the backoff share the one scheduled attempt.
  await Promise.all(Array.from({ length: 10 }, () => transport.connect()));
  assert.equal(station.accepted, 2);
  assert.equal(transport.state, "connected");
  assert.equal((await transport.request(frame(0), any))[2], 9);
  const offlineChange = states.find((c) => c.state === "offline")!;
  assert.equal(offlineChange.retryInMs, 100);
  await transport.close();
  await station.close();
});

Deno.test("TcpStreamTransport drops a connection whose bytes cannot be framed", async () => {
  const station = new ScriptedStation(async (conn) => {
    await conn.next();
    await conn.send(new Uint8Array([1, 0, 0])); // length 1 < 2: not a frame
    await conn.next();
  });
  const transport = open(station.port, { reconnect: { initialDelayMs: 60_000, jitter: 0 } });
  await transport.connect();
  await assert.rejects(transport.request(frame(0), any), (error: unknown) => {
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, "TRANSPORT_DISCONNECTED");
    assert.match(error.message, /not a frame/);
    return true;
  });
  await transport.close();
  await station.close();
});

Deno.test("TcpStreamTransport starts afresh when a timeout leaves part of a frame behind", async () => {
  const station = new ScriptedStation(async (conn, index) => {
    const request = await conn.next();
    if (request === null) return;
    if (index === 0) {
      await conn.send(new Uint8Array([9, request[1]!, 1])); // announces 9 bytes, sends 3
      await conn.next();
      return;
    }
    await conn.send(frame(request[1]!, 7));
    await conn.next();
  });
  const transport = open(station.port, { reconnect: { initialDelayMs: 10, jitter: 0 } });
  await transport.connect();
  await assert.rejects(transport.request(frame(0), any, { timeoutMs: 50 }), {
    code: "TRANSPORT_TIMEOUT",
  });
  await transport.connect();
  assert.equal((await transport.request(frame(0), any))[2], 7);
  assert.equal(station.accepted, 2);
  await transport.close();
  await station.close();
});

Deno.test("TcpStreamTransport close() fails queued requests with TRANSPORT_CLOSED and refuses new ones", async () => {
  const station = new ScriptedStation(async (conn) => {
    await conn.next();
    await conn.next();
  });
  const transport = open(station.port);
  await transport.connect();
  const pending = transport.request(frame(0), any, { timeoutMs: 60_000 });
  const queued = transport.request(frame(0), any, { timeoutMs: 60_000 });
  await transport.close();
  await assert.rejects(pending, { code: "TRANSPORT_CLOSED" });
  await assert.rejects(queued, { code: "TRANSPORT_CLOSED" });
  await assert.rejects(transport.request(frame(0), any), { code: "TRANSPORT_CLOSED" });
  assert.equal(transport.state, "closed");
  await station.close();
});

Deno.test("TcpStreamTransport reports a refused connection as TRANSPORT_CONNECT_FAILED", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const transport = open(port, { reconnect: { initialDelayMs: 60_000 } });
  await assert.rejects(transport.connect(), { code: "TRANSPORT_CONNECT_FAILED" });
  await transport.close();
});

Deno.test("TcpStreamTransport refuses bad options", () => {
  assert.throws(() => open(0), { code: "TRANSPORT_INVALID_ARGUMENT" });
  assert.throws(() => open(502, { host: "" }), { code: "TRANSPORT_INVALID_ARGUMENT" });
  assert.throws(() => open(502, { pacingMs: -1 }), { code: "TRANSPORT_INVALID_ARGUMENT" });
});
