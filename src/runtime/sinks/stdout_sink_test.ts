import assert from "node:assert/strict";
import { StdoutSink } from "./stdout_sink.ts";
import { makeSnapshot } from "./_test_utils.ts";

function capture(options: { width?: number; redactKeys?: string[] } = {}) {
  const lines: string[] = [];
  const sink = new StdoutSink("console", { ...options, writer: (line) => lines.push(line) });
  return { sink, lines };
}

Deno.test("StdoutSink prints one line per snapshot with numeric fields and latency", async () => {
  const { sink, lines } = capture();
  await sink.write(makeSnapshot({
    values: { soc: 87, pack_voltage: 53.12, model: "EL100V2", group: { x: 1 }, on: true },
  }));
  await sink.write(makeSnapshot({ group: null, values: { soc: 5 }, units: {}, latencyMs: null }));
  assert.deepEqual(lines, [
    "2026-11-27T05:00:00.000Z living_room_battery core ok soc=87 % pack_voltage=53.12 V (12 ms)",
    "2026-11-27T05:00:00.000Z living_room_battery push ok soc=5",
  ]);
});

Deno.test("StdoutSink prints the fields of every block", async () => {
  const { sink, lines } = capture();
  await sink.write(makeSnapshot({
    blocks: [
      { blockId: 100, name: "A", values: { soc: 87 }, units: { soc: "%" }, warnings: [] },
      {
        blockId: 1300,
        name: "B",
        values: { grid_frequency: 50 },
        units: { grid_frequency: "Hz" },
        warnings: [],
      },
    ],
  }));
  assert.equal(
    lines[0],
    "2026-11-27T05:00:00.000Z living_room_battery core ok soc=87 % grid_frequency=50 Hz (12 ms)",
  );
});

Deno.test("StdoutSink prints errors as ERROR CODE: message", async () => {
  const { sink, lines } = capture();
  await sink.write(makeSnapshot({
    blocks: [],
    errors: [{ blockId: null, code: "TRANSPORT_TIMEOUT", message: "no reply within\n5000 ms" }],
    latencyMs: 5003,
  }));
  await sink.write(makeSnapshot({
    values: { soc: 87 },
    units: {},
    errors: [
      { blockId: 1300, code: "PROTOCOL_CRC", message: "bad CRC" },
      { blockId: 1400, code: "DECODE", message: "too short" },
    ],
  }));
  await sink.write(makeSnapshot({ blocks: [], latencyMs: null }));
  assert.deepEqual(lines, [
    "2026-11-27T05:00:00.000Z living_room_battery core ERROR TRANSPORT_TIMEOUT: no reply within 5000 ms (5003 ms)",
    "2026-11-27T05:00:00.000Z living_room_battery core ERROR PROTOCOL_CRC: bad CRC; ERROR DECODE: too short | soc=87 (12 ms)",
    "2026-11-27T05:00:00.000Z living_room_battery core not ok",
  ]);
});

Deno.test("StdoutSink never prints secrets", async () => {
  const { sink, lines } = capture({ redactKeys: ["pin"] });
  await sink.write(makeSnapshot({
    values: { soc: 87, password: 123456, cert_password: 777, pin: 4321, wifi: { password: "x" } },
    units: {},
  }));
  assert.equal(lines[0], "2026-11-27T05:00:00.000Z living_room_battery core ok soc=87 (12 ms)");
  for (const secret of ["123456", "777", "4321"]) assert.ok(!lines[0]!.includes(secret));
});

Deno.test("StdoutSink adds fields up to its width and counts the rest", async () => {
  const values: Record<string, number> = {};
  for (let i = 0; i < 20; i++) values[`field_${i}`] = i;
  const { sink, lines } = capture({ width: 100 });
  await sink.write(makeSnapshot({ values, units: {} }));
  const line = lines[0]!;
  assert.ok(line.length <= 100, `${line.length}: ${line}`);
  const shown = line.match(/field_\d+=/g)!.length;
  assert.ok(shown > 0 && shown < 20);
  assert.ok(line.endsWith(` +${20 - shown} more (12 ms)`), line);
});

Deno.test("StdoutSink rejects when its writer throws or after close", async () => {
  const sink = new StdoutSink("console", {
    writer: () => {
      throw new Error("broken pipe");
    },
  });
  await assert.rejects(
    sink.write(makeSnapshot()),
    /Cannot write to stdout sink 'console': broken pipe/,
  );
  await sink.flush();
  await sink.close();
  await assert.rejects(sink.write(makeSnapshot()), /it is closed/);
  assert.throws(() => new StdoutSink("c", { width: 0 }), RangeError);
});

Deno.test("StdoutSink writes to standard output by default", async () => {
  const code = `import { StdoutSink } from ${
    JSON.stringify(new URL("./stdout_sink.ts", import.meta.url).href)
  };
await new StdoutSink("console").write(${
    JSON.stringify(makeSnapshot({ values: { soc: 1 }, units: {} }))
  });`;
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", "--no-lock", code],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(success);
  assert.equal(
    new TextDecoder().decode(stdout),
    "2026-11-27T05:00:00.000Z living_room_battery core ok soc=1 (12 ms)\n",
  );
});
