// A TCP proxy on 127.0.0.1 that accepts at once and starts forwarding only after a delay: a
// slow network (or a slow TLS handshake) in front of a real broker. Everything it opens (the
// listener, both sides of every connection, its timers) is closed on dispose, also while a
// connection is still waiting out its delay.

/** A running proxy. */
export interface SlowProxy extends AsyncDisposable {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** The connections it accepted so far. */
  accepted(): number;
}

/**
 * Start a proxy to `127.0.0.1:targetPort` that holds every accepted connection `delayMs`
 * before it connects to the target and forwards both ways.
 *
 * @param targetPort Where it forwards.
 * @param delayMs How long each connection waits before anything is forwarded.
 */
export function startSlowProxy(targetPort: number, delayMs: number): SlowProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const waits = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  const handlers = new Set<Promise<void>>();
  let closed = false;
  let accepted = 0;

  function close(conn: Deno.Conn): void {
    conns.delete(conn);
    try {
      conn.close();
    } catch {
      // Already closed (a pipe that ended closes its side).
    }
  }

  function wait(): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          waits.delete(entry);
          resolve();
        }, delayMs),
        resolve,
      };
      waits.add(entry);
    });
  }

  async function handle(client: Deno.Conn): Promise<void> {
    let upstream: Deno.Conn | null = null;
    try {
      await wait();
      if (closed) return;
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
      conns.add(upstream);
      if (closed) return;
      await Promise.allSettled([
        client.readable.pipeTo(upstream.writable),
        upstream.readable.pipeTo(client.writable),
      ]);
    } catch {
      // The target refused, or a side went away: the connection ends.
    } finally {
      close(client);
      if (upstream !== null) close(upstream);
    }
  }

  const serving = (async () => {
    try {
      for await (const conn of listener) {
        accepted++;
        conns.add(conn);
        const handler = handle(conn);
        handlers.add(handler);
        handler.finally(() => handlers.delete(handler));
      }
    } catch {
      // The listener was closed.
    }
  })();

  return {
    port: (listener.addr as Deno.NetAddr).port,
    accepted: () => accepted,
    async [Symbol.asyncDispose]() {
      closed = true;
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      for (const entry of waits) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      waits.clear();
      for (const conn of [...conns]) close(conn);
      await serving;
      await Promise.allSettled([...handlers]);
    },
  };
}
