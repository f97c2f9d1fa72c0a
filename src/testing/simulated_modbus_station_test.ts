import assert from "node:assert/strict";
import "../plugins/builtin.ts";
import { buildMbapRequest, parseMbapReply } from "../protocol/mbap.ts";
import type { ModbusRequest } from "../protocol/types.ts";
import { SimulatedModbusStation } from "./simulated_modbus_station.ts";

/** Sends one request on a raw socket and resolves with the bytes of the next reply. */
async function exchange(conn: Deno.Conn, tid: number, request: ModbusRequest): Promise<Uint8Array> {
  await conn.write(buildMbapRequest(tid, request));
  const buf = new Uint8Array(300);
  const n = await conn.read(buf);
  assert.ok(n !== null, "the station closed the connection");
  return buf.slice(0, n);
}

Deno.test("SimulatedModbusStation: silence on a multi-register read over an unserved address, exception 02 on a single one", async () => {
  await using station = await SimulatedModbusStation.start({
    profile: "AC500",
    values: { soc: 77 },
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: station.port });
  try {
    // The silent read goes first; the next reply on the socket must be the exception to tid 2.
    await conn.write(
      buildMbapRequest(1, { function: 0x03, address: 1, start: 50002, quantity: 2 }),
    );
    const single = { function: 0x03, address: 1, start: 50003, quantity: 1 } as const;
    const reply = await exchange(conn, 2, single);
    assert.throws(() => parseMbapReply(reply, single, { transactionId: 2 }), { exceptionCode: 2 });
    const soc = { function: 0x03, address: 1, start: 51004, quantity: 1 } as const;
    const ok = parseMbapReply(await exchange(conn, 3, soc), soc, { transactionId: 3 });
    assert.equal(ok.function === 0x03 && ok.data[1], 77);
    assert.deepEqual(station.requests.map((r) => r.outcome), ["silence", "exception", "reply"]);
  } finally {
    conn.close();
  }
});

Deno.test("SimulatedModbusStation: silence for other unit ids; one connection at a time", async () => {
  await using station = await SimulatedModbusStation.start({ profile: "BALCO260" });
  const first = await Deno.connect({ hostname: "127.0.0.1", port: station.port });
  try {
    await first.write(
      buildMbapRequest(1, { function: 0x03, address: 41, start: 51004, quantity: 1 }),
    );
    const soc = { function: 0x03, address: 1, start: 51004, quantity: 1 } as const;
    parseMbapReply(await exchange(first, 2, soc), soc, { transactionId: 2 });
    assert.equal(station.requests[0]!.outcome, "silence");
    const second = await Deno.connect({ hostname: "127.0.0.1", port: station.port });
    const n = await second.read(new Uint8Array(8));
    second.close();
    assert.equal(n, null, "the second client is closed at once");
    assert.equal(station.refusedConnections, 1);
  } finally {
    first.close();
  }
});

Deno.test("SimulatedModbusStation: writes echo the internal address and read stale until the window ends", async () => {
  await using station = await SimulatedModbusStation.start({
    profile: "PA030",
    quirks: { staleAfterWriteMs: 60_000 },
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: station.port });
  try {
    const write = { function: 0x06, address: 1, register: 57005, value: 1 } as const;
    const echo = parseMbapReply(await exchange(conn, 1, write), write, {
      transactionId: 1,
      acceptRegisterEcho: true,
    });
    assert.equal(echo.function === 0x06 && echo.register, 2012);
    const read = { function: 0x03, address: 1, start: 57005, quantity: 1 } as const;
    const stale = parseMbapReply(await exchange(conn, 2, read), read);
    assert.equal(stale.function === 0x03 && stale.data[1], 0, "still the old value");
    assert.equal(station.get("dc_output"), 1);
    const refused = { function: 0x06, address: 1, register: 51004, value: 1 } as const;
    const notWritable = await exchange(conn, 3, refused);
    assert.throws(() => parseMbapReply(notWritable, refused), { exceptionCode: 2 });
  } finally {
    conn.close();
  }
});

Deno.test("SimulatedModbusStation: without quirks it answers plainly", async () => {
  await using station = await SimulatedModbusStation.start({
    profile: "EP500PRO",
    quirks: {
      echoInternalAddress: false,
      staleAfterWriteMs: 0,
      exceptionOnUnservedSingle: true,
      silentOnUnservedSpan: false,
    },
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: station.port });
  try {
    const write = { function: 0x06, address: 1, register: 57005, value: 1 } as const;
    const echo = parseMbapReply(await exchange(conn, 1, write), write);
    assert.equal(echo.function === 0x06 && echo.register, 57005);
    const span = { function: 0x03, address: 1, start: 50002, quantity: 2 } as const;
    const spanReply = await exchange(conn, 2, span);
    assert.throws(() => parseMbapReply(spanReply, span), { exceptionCode: 2 });
  } finally {
    conn.close();
  }
});

Deno.test("SimulatedModbusStation serves only the profiles of plugins with register maps", () => {
  assert.throws(() => SimulatedModbusStation.start({ profile: "EL100V2" }), {
    code: "CONFIG_UNKNOWN_PROFILE",
    message: /AC500/,
  });
  assert.throws(() => SimulatedModbusStation.start({ profile: "AC5000" }), {
    code: "CONFIG_UNKNOWN_PROFILE",
    message: /did you mean AC500/,
  });
});
