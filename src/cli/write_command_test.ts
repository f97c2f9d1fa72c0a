import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqtt from "mqtt";
import { buildRequest, getFraming, type ModbusRequest } from "../protocol/mod.ts";
import { buildWriteSingleReply, parseRequest } from "../../testing.ts";
import { EmbeddedBroker, StationModel } from "../testing/mod.ts";
import { lines, runCli, stationOnBroker } from "./_test_utils.ts";

const SN = "EL100V2000071";
/** Nothing listens on port 1: a command that tried to connect would fail. */
const NOWHERE = ["--broker", "mqtt://127.0.0.1:1", "--allow-insecure"];
const BASE = ["write", "--profile", "EL100V2", "--sn", SN];

/** Turn the AC output off through the plain broker at `url`, writes enabled. */
function writeOff(url: string): string[] {
  const broker = ["--broker", url, "--allow-insecure", "--enable-writes"];
  return [...broker, "--field", "ac_output", "--value", "off"];
}

function payloadHex(framing: "rtu" | "iot-v2", register: number, value: number): string {
  const wrapper = getFraming(framing);
  const request: ModbusRequest = {
    function: 0x06,
    address: wrapper.deviceAddress,
    register,
    value,
  };
  return wrapper.wrap(buildRequest(request), request).toHex();
}

Deno.test("write returns 2 for a wrong command line", async () => {
  const target = ["--field", "ac_output", "--value", "on"];
  const cases: [string[], string][] = [
    [["write", "--sn", SN, ...NOWHERE, ...target], "missing option '--profile <name>'"],
    [[...BASE, ...target], "missing option '--broker <url|host>'"],
    [[...BASE, ...NOWHERE, "--value", "on"], "missing option '--field <name>' or '--register <n>'"],
    [[...BASE, ...NOWHERE, "--field", "ac_output"], "missing option '--value <value>'"],
    [
      [...BASE, ...NOWHERE, ...target, "--register", "2011"],
      "give '--field' or '--register', not both",
    ],
    [
      [...BASE, ...NOWHERE, "--register", "0x7db", "--value", "on"],
      "option '--register' needs a register number, an integer 0..65535, got '0x7db'",
    ],
    [[...BASE, ...NOWHERE, ...target, "--password", "x"], "give '--cert <file.p12>' too"],
    [[...BASE, ...NOWHERE, ...target, "--framing", "rt"], "did you mean 'rtu'?"],
    [[...BASE, ...NOWHERE, ...target, "--enable-write"], "did you mean '--enable-writes'?"],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, 2, args.join(" "));
    assert.equal(run.stdout, "");
    assert.ok(lines(run.stderr)[0]!.includes(message), run.stderr);
    assert.equal(lines(run.stderr)[1], "Run 'power-sdk write --help' for usage.");
  }
});

Deno.test("write --dry-run prints the exact payload, framing included, and connects nothing", async () => {
  const run = await runCli([
    ...BASE,
    ...NOWHERE,
    "--field",
    "ac_output",
    "--value",
    "off",
    "--enable-writes",
    "--dry-run",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  assert.deepEqual(lines(run.stdout), [
    `Dry run, nothing sent: ac_output (register 2011) = 0 (off) to ${SN}`,
    `payload (rtu framing, 8 bytes): ${payloadHex("rtu", 2011, 0)}`,
  ]);

  const json = await runCli([
    ...BASE,
    ...NOWHERE,
    "--register",
    "2020",
    "--value",
    "turbo",
    "--framing",
    "iot-v2",
    "--enable-writes",
    "--dry-run",
    "--json",
  ]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), {
    sn: SN,
    register: 2020,
    name: "charging_mode",
    value: 2,
    description: "charging_mode (register 2020) = 2 (turbo)",
    framing: "iot-v2",
    payload: payloadHex("iot-v2", 2020, 2),
    dryRun: true,
    readBack: null,
    applied: null,
  });
});

Deno.test("write refuses on one line, exit 1, before connecting: every gate says why", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["--field", "ac_output", "--value", "on"],
      /^error: WRITE_REFUSED: Cannot write .*writes are disabled .*--enable-writes\)$/,
    ],
    [
      ["--field", "ac_outptu", "--value", "on", "--enable-writes"],
      /^error: WRITE_REFUSED: Cannot write 'ac_outptu': .*did you mean 'ac_output'\?/,
    ],
    [
      ["--field", "charging_mode", "--value", "warp", "--enable-writes"],
      /^error: WRITE_REFUSED: Cannot write .*charging_mode/,
    ],
    [
      ["--field", "system_power_off", "--value", "on", "--enable-writes", "--force"],
      /^error: WRITE_REFUSED: .*pass --confirm-dangerous .*--force does not cover it$/,
    ],
  ];
  for (const [args, message] of cases) {
    const run = await runCli([...BASE, ...NOWHERE, ...args]);
    assert.equal(run.code, 1, args.join(" "));
    assert.equal(run.stdout, "");
    assert.equal(lines(run.stderr).length, 1, run.stderr);
    assert.match(lines(run.stderr)[0]!, message);
  }
  const plain = await runCli([
    ...BASE,
    "--broker",
    "mqtt://127.0.0.1:1",
    "--field",
    "ac_output",
    "--value",
    "on",
    "--enable-writes",
  ]);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /^error: TRANSPORT_INVALID_ARGUMENT: .*allow/);
});

Deno.test("write sends the value to a station, reads it back, says it was applied", async () => {
  await using local = await stationOnBroker({ profile: "EL100V2", sn: SN });
  const { station } = local;
  const args = [...BASE, "--broker", local.broker.url, "--allow-insecure", "--enable-writes"];
  assert.equal(station.model.register(2011), 1);

  const off = await runCli([...args, "--field", "ac_output", "--value", "off"]);
  assert.equal(off.code, 0, off.stderr);
  assert.equal(
    off.stdout,
    `ac_output (register 2011) = 0 (off) written to ${SN}; read back 0: applied\n`,
  );
  assert.match(off.stderr, /^warning: allow_insecure: connecting to mqtt:.* WITHOUT TLS/);
  assert.equal(station.model.register(2011), 0);

  const on = await runCli([...args, "--register", "2011", "--value", "on", "--json"]);
  assert.equal(on.code, 0, on.stderr);
  const result = JSON.parse(on.stdout);
  assert.deepEqual([result.value, result.readBack, result.applied, result.dryRun], [
    1,
    1,
    true,
    false,
  ]);
  assert.equal(result.payload, payloadHex("rtu", 2011, 1));
  assert.equal(station.model.register(2011), 1);
});

Deno.test("write exits 1 when the station does not take the value", async () => {
  await using broker = await EmbeddedBroker.start();
  // A station that acknowledges writes without applying them, and answers reads.
  const model = new StationModel({ profile: "EL100V2", sn: SN });
  const station = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  await station.subscribeAsync(`SUB/${SN}`, { qos: 1 });
  station.on("message", (_topic, payload) => {
    const request = parseRequest(new Uint8Array(payload));
    const replies = request.function === 0x06
      ? [buildWriteSingleReply(request.address, request.register, request.value)]
      : model.handle(new Uint8Array(payload));
    for (const reply of replies) station.publish(`PUB/${SN}`, Buffer.from(reply), { qos: 1 });
  });
  try {
    const run = await runCli([...BASE, ...writeOff(broker.url)]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stdout,
      `ac_output (register 2011) = 0 (off) written to ${SN}; read back 1: NOT applied\n`,
    );
    assert.equal(
      lines(run.stderr).at(-1),
      "error: the station did not take the value: register 2011 reads back 1, not 0",
    );
  } finally {
    await station.endAsync();
  }
});

Deno.test("write reports an exception reply on one line, exit 1", async () => {
  await using local = await stationOnBroker({ profile: "EL100V2", sn: SN, faults: "exception:1x" });
  const run = await runCli([...BASE, ...writeOff(local.broker.url)]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.match(lines(run.stderr).at(-1)!, /^error: PROTOCOL_MODBUS_EXCEPTION: /);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

Deno.test("write --help and help write print the same help", async () => {
  const expected = (await runCli(["write", "--help"])).stdout;
  assert.match(expected, /^Usage: power-sdk write /);
  assert.equal((await runCli(["help", "write"])).stdout, expected);
});
