import assert from "node:assert/strict";
import { InfluxDbSink } from "./influxdb_sink.ts";
import { makeSnapshot } from "./_test_utils.ts";

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | null>;
  body: string;
}

/** A stand-in for InfluxDB's write endpoints that records requests and answers as told. */
function double(answers: (seen: Seen, index: number) => Response) {
  const seen: Seen[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const entry: Seen = {
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: {
          authorization: request.headers.get("authorization"),
          "content-type": request.headers.get("content-type"),
        },
        body: await request.text(),
      };
      seen.push(entry);
      const response = answers(entry, seen.length - 1);
      for (const w of waiters.filter((w) => seen.length >= w.count)) w.resolve();
      return response;
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    requests(count: number): Promise<void> {
      if (seen.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () => server.shutdown(),
  };
}

const AT = "2026-11-27T05:00:00.000Z";
const AT_MS = Date.parse(AT);

Deno.test("InfluxDbSink v2 sends exactly the documented request", async () => {
  const server = double(() => new Response(null, { status: 204 }));
  try {
    const sink = new InfluxDbSink("influx", {
      url: server.url,
      org: "my org",
      bucket: "power",
      token: "s3cr3t",
      devices: [{
        id: "living_room_battery",
        serial: "EL100V2042",
        model: "Elite 100 V2",
        modelId: "EL100V2",
        manufacturer: "BLUETTI",
        controls: [],
        writeEnabled: false,
      }],
    });
    await sink.write(
      makeSnapshot({ at: AT, values: { soc: 87, pack_voltage: 53.12, gone: null } }),
    );
    await sink.flush();
    await sink.close();
    assert.deepEqual(server.seen, [{
      method: "POST",
      path: "/api/v2/write",
      query: { org: "my org", bucket: "power", precision: "ms" },
      headers: { authorization: "Token s3cr3t", "content-type": "text/plain; charset=utf-8" },
      body:
        `core,device=living_room_battery,model=Elite\\ 100\\ V2,serial=EL100V2042 app_home_data_soc=87,app_home_data_pack_voltage=53.12 ${AT_MS}\n`,
    }]);
    assert.deepEqual(sink.counters, {
      buffered: 0,
      written: 1,
      batches: 1,
      dropped: 0,
      rejected: 0,
      retries: 0,
    });
  } finally {
    await server.close();
  }
});

Deno.test("InfluxDbSink v1 uses /write with db, rp, precision and Basic auth", async () => {
  const server = double(() => new Response(null, { status: 204 }));
  try {
    const sink = new InfluxDbSink("influx", {
      url: `${server.url}/`,
      database: "power",
      retentionPolicy: "year",
      username: "writer",
      password: "pa:ss",
    });
    await sink.write(makeSnapshot({ at: AT, values: { soc: 50 } }));
    await sink.close();
    assert.equal(server.seen.length, 1);
    assert.equal(server.seen[0]!.path, "/write");
    assert.deepEqual(server.seen[0]!.query, { db: "power", rp: "year", precision: "ms" });
    assert.equal(server.seen[0]!.headers.authorization, `Basic ${btoa("writer:pa:ss")}`);
    assert.ok(!sink.endpoint.includes("pa:ss"));
  } finally {
    await server.close();
  }
});

Deno.test("InfluxDbSink batches by size, and by interval without a flush", async () => {
  const server = double(() => new Response(null, { status: 204 }));
  try {
    const sink = new InfluxDbSink("influx", {
      url: server.url,
      database: "power",
      batchSize: 2,
      flushIntervalMs: 20,
    });
    for (let seq = 0; seq < 5; seq++) {
      await sink.write(makeSnapshot({ at: new Date(AT_MS + seq * 1000).toISOString(), seq }));
    }
    // Two full batches go at once, the fifth line after the interval: no flush() needed.
    await server.requests(3);
    // close() waits for the request in flight and finds nothing left to send.
    await sink.close();
    assert.deepEqual(server.seen.map((s) => s.body.trimEnd().split("\n").length), [2, 2, 1]);
    assert.equal(sink.counters.written, 5);
  } finally {
    await server.close();
  }
});

Deno.test("InfluxDbSink retries 503 after Retry-After and drops a refused batch", async () => {
  const server = double((_seen, index) =>
    index === 0
      ? new Response("busy", { status: 503, headers: { "retry-after": "0" } })
      : index === 2
      ? new Response('{"error":"unable to parse"}', { status: 400 })
      : new Response(null, { status: 204 })
  );
  try {
    const errors: [string, boolean][] = [];
    const sink = new InfluxDbSink("influx", {
      url: server.url,
      database: "power",
      batchSize: 1,
      retryInitialDelayMs: 1,
      retryMaxDelayMs: 5,
      onError: (error, retrying) => errors.push([error.message, retrying]),
      random: () => 0.5,
    });
    await sink.write(makeSnapshot({ seq: 1 }));
    await server.requests(2); // 503, then the same line again: written
    assert.equal(server.seen[0]!.body, server.seen[1]!.body);
    await sink.write(makeSnapshot({ seq: 2 }));
    await server.requests(3); // 400: not retried
    await sink.flush();
    assert.equal(server.seen.length, 3);
    assert.deepEqual(
      { ...sink.counters },
      { buffered: 0, written: 1, batches: 1, dropped: 0, rejected: 1, retries: 1 },
    );
    assert.equal(errors.length, 2);
    assert.match(errors[0]![0], /HTTP 503: busy/);
    assert.equal(errors[0]![1], true);
    assert.match(errors[1]![0], /HTTP 400/);
    assert.equal(errors[1]![1], false);
    await sink.close();
  } finally {
    await server.close();
  }
});

Deno.test("InfluxDbSink keeps a bounded buffer while InfluxDB is down and counts what it drops", async () => {
  const server = double(() => new Response("down", { status: 500 }));
  try {
    const sink = new InfluxDbSink("influx", {
      url: server.url,
      database: "power",
      maxBuffer: 3,
      flushIntervalMs: 60_000,
      retryInitialDelayMs: 60_000,
      onError: () => {},
    });
    for (let seq = 0; seq < 5; seq++) await sink.write(makeSnapshot({ seq }));
    assert.deepEqual(sink.counters.buffered, 3);
    assert.deepEqual(sink.counters.dropped, 2);
    await assert.rejects(sink.flush(), /HTTP 500: down/);
    // The oldest lines went: the buffer holds seq 2, 3, 4.
    assert.match(server.seen[0]!.body, /app_home_data_seq=2 .*\n.*seq=3 .*\n.*seq=4 /);
    await sink.close();
    assert.equal(sink.counters.dropped, 5);
    await assert.rejects(sink.write(makeSnapshot()), /closed/);
  } finally {
    await server.close();
  }
});

Deno.test("InfluxDbSink splits a batch that got 413", async () => {
  const server = double((seen) =>
    seen.body.trimEnd().split("\n").length > 2
      ? new Response("too large", { status: 413 })
      : new Response(null, { status: 204 })
  );
  try {
    const sink = new InfluxDbSink("influx", { url: server.url, database: "power" });
    for (let seq = 0; seq < 4; seq++) await sink.write(makeSnapshot({ seq }));
    await sink.flush();
    assert.deepEqual(server.seen.map((s) => s.body.trimEnd().split("\n").length), [4, 2, 2]);
    assert.equal(sink.counters.written, 4);
    await sink.close();
  } finally {
    await server.close();
  }
});

Deno.test("InfluxDbSink refuses half a v2 configuration or both versions", () => {
  assert.throws(
    () => new InfluxDbSink("x", { url: "http://127.0.0.1:1", org: "o", bucket: "b" }),
    /needs 'org', 'bucket' and 'token'/,
  );
  assert.throws(
    () => new InfluxDbSink("x", { url: "http://127.0.0.1:1", database: "d", token: "t" }),
    /either 'database' \(v1\) or/,
  );
  assert.throws(
    () => new InfluxDbSink("x", { url: "ftp://127.0.0.1", database: "d" }),
    /http:\/\/ or https:\/\//,
  );
  assert.throws(
    () => new InfluxDbSink("x", { url: "http://127.0.0.1:1", database: "d", batchSize: 0 }),
    /'batchSize' must be a positive integer/,
  );
});
