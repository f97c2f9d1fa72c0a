import assert from "node:assert/strict";
import { getFraming } from "../protocol/mod.ts";
import { buildExceptionReply, buildReadReply } from "../../testing.ts";
import { lines, RECORD_JSON_KEYS, runCli, schemaOf } from "./_test_utils.ts";

/** Block 100 as an AP300 reports it, 62 registers (as the vendor app reads it). */
function homeData(): Uint8Array {
  return schemaOf(100).encode(
    {
      pack_voltage: 53.13,
      soc: 95,
      pack_count: 2,
      device_model: "AP300",
      device_serial: "2616113487436",
      total_dc_power: 120,
    },
    { length: 124 },
  );
}

function hex(bytes: Uint8Array): string {
  return bytes.toHex();
}

Deno.test("decode prints one line per field: name, value, unit", async () => {
  const run = await runCli(["decode", "--block", "100", hex(homeData())]);
  assert.equal(run.code, 0);
  assert.equal(run.stderr, "");
  const text = lines(run.stdout);
  assert.equal(text[0], "APP_HOME_DATA (block 100): 124 data bytes, protocol version unknown");
  assert.match(text[1]!, /^pack_voltage\s+53\.13\s+V$/);
  assert.match(text[3]!, /^soc\s+95\s+%$/);
  assert.ok(text.some((line) => /^device_model\s+AP300$/.test(line)));
  assert.ok(text.some((line) => /^device_serial\s+2616113487436$/.test(line)));
  // Without --protocol-version every field whose bytes are present is decoded.
  assert.ok(text.some((line) => /^total_dc_power\s+120\s+W$/.test(line)));
  assert.equal(
    text.at(-1),
    "missing (beyond the data): pv_to_ac_energy, self_sufficiency_rate, pv_to_ac_power, pack_dsg_energy_total, rate_voltage, rate_frequency, component_online",
  );
});

Deno.test("decode --json prints blockId, name, values, units, warnings and missing", async () => {
  const run = await runCli(["decode", "--block", "APP_HOME_DATA", "--json", hex(homeData())]);
  assert.equal(run.code, 0);
  const record = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(record), RECORD_JSON_KEYS);
  assert.equal(record.blockId, 100);
  assert.equal(record.values.pack_voltage, 53.13);
  assert.equal(record.values.device_model, "AP300");
  assert.equal(record.values.rate_voltage, null);
  assert.equal(record.units.soc, "%");
  assert.deepEqual(record.warnings, []);
  assert.ok(record.missing.includes("rate_voltage"));
});

Deno.test("decode --protocol-version leaves fields that appeared later null", async () => {
  const data = hex(homeData());
  const run = await runCli(["decode", "--block", "100", "--protocol-version", "2000", data]);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /protocol version 2000\n/);
  assert.match(run.stdout, /\ntotal_dc_power\s+null \(from protocol version 2001\)\n/);
  const json = await runCli([
    "decode",
    "--block",
    "100",
    "--protocol-version=2001",
    "--json",
    data,
  ]);
  assert.equal(JSON.parse(json.stdout).values.total_dc_power, 120);
});

Deno.test("decode of a short payload lists the missing fields and warns", async () => {
  const run = await runCli(["decode", "--block", "100", "14c1 0000 005f"]);
  assert.equal(run.code, 0);
  const text = lines(run.stdout);
  assert.equal(text[0], "APP_HOME_DATA (block 100): 6 data bytes, protocol version unknown");
  assert.match(text[1]!, /^pack_voltage\s+53\.13\s+V$/);
  assert.match(text[2]!, /^pack_current\s+0\s+A$/);
  assert.match(text[3]!, /^soc\s+95\s+%$/);
  assert.match(text[4]!, /^missing \(beyond the data\): charging_status, time_to_full, /);
  assert.equal(
    text[5],
    "warning: Cannot decode block 100 (APP_HOME_DATA) fully: 6 data bytes, at least 52 expected",
  );
  assert.match(text[6]!, /^warning: 14 missing fields are required: charging_status, /);
  assert.equal(text.length, 7);
});

Deno.test("decode of a short payload of a strict block fails with PARSER_SHORT_PAYLOAD", async () => {
  const run = await runCli(["decode", "--block", "1300", "1388"]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.deepEqual(lines(run.stderr), [
    "error: PARSER_SHORT_PAYLOAD: Cannot decode block 1300 (INV_GRID_INFO) fully: 2 data bytes, at least 32 expected",
  ]);
});

Deno.test("decode accepts hex with spaces, colons, a 0x prefix, or split over arguments", async () => {
  const expected = (await runCli(["decode", "--block", "100", "--json", "14c10000005f"])).stdout;
  for (
    const input of [["14 c1 00 00 00 5f"], ["14:c1:00:00:00:5f"], ["0x14C10000005F"], [
      "14",
      "c1",
      "0000",
      "005f",
    ]]
  ) {
    const run = await runCli(["decode", "--block", "100", "--json", ...input]);
    assert.equal(run.code, 0, input.join(" "));
    assert.equal(run.stdout, expected);
  }
});

Deno.test("decode of bad hex prints one line naming the position, exit 1", async () => {
  const cases: [string, string][] = [
    ["14c1zz", 'error: CONFIG_INVALID: Cannot parse hex: "z" at position 5 is not a hex digit'],
    [
      "14c",
      "error: CONFIG_INVALID: Cannot parse hex: the byte that starts at position 3 has one digit; hex needs two digits per byte",
    ],
    [
      "1 4",
      "error: CONFIG_INVALID: Cannot parse hex: a separator at position 2 splits the byte that starts at position 1",
    ],
    ["0x", "error: CONFIG_INVALID: Cannot parse hex: the input holds no bytes"],
  ];
  for (const [input, message] of cases) {
    const run = await runCli(["decode", "--block", "100", input]);
    assert.equal(run.code, 1, input);
    assert.equal(run.stdout, "");
    assert.deepEqual(lines(run.stderr), [message]);
  }
});

Deno.test("decode --framing iot-v2 strips the envelope, checks the reply, decodes the data", async () => {
  const framing = getFraming("iot-v2");
  const payload = framing.wrapReply(buildReadReply(framing.deviceAddress, homeData()));
  const run = await runCli(["decode", "--block", "100", "--framing", "iot-v2", hex(payload)]);
  assert.equal(run.code, 0);
  assert.equal(run.stderr, "");
  assert.equal(
    lines(run.stdout)[0],
    "APP_HOME_DATA (block 100): 124 data bytes from a reply (iot-v2 framing, 62 registers), protocol version unknown",
  );
  assert.match(run.stdout, /\npack_voltage\s+53\.13\s+V\n/);
  const json = await runCli([
    "decode",
    "--block",
    "100",
    "--framing",
    "iot-v2",
    "--json",
    hex(payload),
  ]);
  assert.equal(JSON.parse(json.stdout).values.soc, 95);
});

Deno.test("decode --framing rtu and v1 decode a reply at address 1", async () => {
  for (const name of ["rtu", "v1"]) {
    const framing = getFraming(name);
    const payload = framing.wrapReply(buildReadReply(1, homeData()));
    const run = await runCli([
      "decode",
      "--block",
      "100",
      "--framing",
      name,
      "--json",
      hex(payload),
    ]);
    assert.equal(run.code, 0, name);
    assert.equal(JSON.parse(run.stdout).values.pack_voltage, 53.13);
  }
});

Deno.test("decode --framing accepts a reply shorter than the block's register count", async () => {
  // 10 registers of block 100 (its schema spans 72): a valid reply, decoded as far as it goes.
  const rtu = buildReadReply(1, homeData().subarray(0, 20));
  const run = await runCli(["decode", "--block", "100", "--framing", "rtu", "--json", hex(rtu)]);
  assert.equal(run.code, 0);
  const record = JSON.parse(run.stdout);
  assert.equal(record.values.soc, 95);
  assert.ok(record.missing.includes("device_model"));
});

Deno.test("decode --framing reports a CRC failure on one line, exit 1", async () => {
  const rtu = buildReadReply(1, homeData());
  rtu[rtu.length - 1]! ^= 0xff;
  const run = await runCli(["decode", "--block", "100", "--framing", "rtu", hex(rtu)]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.equal(lines(run.stderr).length, 1);
  assert.match(run.stderr, /^error: PROTOCOL_CRC: Cannot parse reply: CRC mismatch, /);
  assert.doesNotMatch(run.stderr, /\bat /);
});

Deno.test("decode --framing suggests iot-v2 when an iot-v2 payload is read as rtu", async () => {
  const framing = getFraming("iot-v2");
  const payload = framing.wrapReply(buildReadReply(0, homeData()));
  const run = await runCli(["decode", "--block", "100", "--framing", "rtu", hex(payload)]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: PROTOCOL_CRC: .*: try --framing iot-v2\)\n$/);
});

Deno.test("decode --framing reports a Modbus exception, a wrong address and a bad envelope", async () => {
  const cases: [string, Uint8Array, RegExp][] = [
    [
      "rtu",
      buildExceptionReply(1, 0x03, 2),
      /^error: PROTOCOL_MODBUS_EXCEPTION: .*illegal data address/,
    ],
    ["rtu", buildReadReply(0, homeData()), /^error: PROTOCOL_ADDRESS_MISMATCH: /],
    ["iot-v2", buildReadReply(0, homeData()), /^error: PROTOCOL_FRAMING: /],
  ];
  for (const [framing, payload, message] of cases) {
    const run = await runCli(["decode", "--block", "100", "--framing", framing, hex(payload)]);
    assert.equal(run.code, 1, framing);
    assert.equal(lines(run.stderr).length, 1);
    assert.match(run.stderr, message);
  }
});

Deno.test("decode --framing checks the byte count against 125 registers, or --quantity", async () => {
  const rtu = hex(buildReadReply(1, homeData()));
  const quantity = ["decode", "--block", "100", "--framing", "rtu", "--quantity"];
  const ok = await runCli([...quantity, "62", rtu]);
  assert.equal(ok.code, 0);
  const tooMany = await runCli([...quantity, "10", rtu]);
  assert.equal(tooMany.code, 1);
  assert.deepEqual(lines(tooMany.stderr), [
    "error: PROTOCOL_BYTE_COUNT: Cannot parse reply: byte count must be even and 2..20 for 10 registers, got 124",
  ]);
});

Deno.test("decode always redacts secrets, in tables, JSON and warnings", async () => {
  const schema = schemaOf(12002);
  const data = schema.encode({ wifi_ssid: "home", wifi_password: "hunter2" });
  const table = await runCli(["decode", "--block", "12002", hex(data)]);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /\nwifi_password\s+\[redacted\]\n/);
  assert.doesNotMatch(table.stdout, /hunter2/);
  const json = await runCli(["decode", "--block", "12002", "--json", hex(data)]);
  assert.equal(JSON.parse(json.stdout).values.wifi_password, "[redacted]");
  assert.doesNotMatch(json.stdout, /hunter2|raw/);

  // A password with an unprintable byte: the warning must not quote it.
  const bad = new Uint8Array(data);
  bad[66] = 0x07;
  const warned = await runCli(["decode", "--block", "12002", "--json", hex(bad)]);
  assert.equal(warned.code, 0);
  const record = JSON.parse(warned.stdout);
  assert.deepEqual(record.warnings, [{
    field: "wifi_password",
    offset: 64,
    message: "field 'wifi_password' at offset 64: not a valid value (details hidden: secret field)",
    suspect: true,
  }]);
  assert.doesNotMatch(warned.stdout, /0x07|hunter|hu/);
});

Deno.test("decode nests groups under their name", async () => {
  const schema = schemaOf(17400);
  const run = await runCli([
    "decode",
    "--block",
    "17400",
    hex(new Uint8Array(schema.registerCount * 2)),
  ]);
  assert.equal(run.code, 0);
  const text = lines(run.stdout);
  const at = text.indexOf("top_level_enables");
  assert.ok(at > 0, run.stdout);
  assert.match(text[at + 1]!, /^ {2}chg_from_grid_enable\s+0$/);
});

Deno.test("decode of an unknown block fails with PARSER_UNKNOWN_BLOCK, exit 1", async () => {
  const run = await runCli(["decode", "--block", "1030", "00"]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /^error: PARSER_UNKNOWN_BLOCK: Unknown block '1030': .*did you mean '1300'\?\n$/,
  );
});

Deno.test("decode returns 2 for a missing or bad argument", async () => {
  const cases: [string[], string][] = [
    [["decode", "14c1"], "error: missing option '--block <id|name>'"],
    [["decode", "--block", "100"], "error: missing the hex bytes to decode"],
    [
      ["decode", "--block", "100", "--framing", "iotv2", "00"],
      "error: unknown framing 'iotv2': choose rtu, iot-v2, v1; did you mean 'iot-v2'?",
    ],
    [
      ["decode", "--block", "100", "--framing", "modbus", "00"],
      "error: unknown framing 'modbus': choose rtu, iot-v2, v1",
    ],
    [
      ["decode", "--block", "100", "--protocol-version", "v2", "00"],
      "error: option '--protocol-version' needs an integer 0 or more, got 'v2'",
    ],
    [
      ["decode", "--block", "100", "--quantity", "62", "00"],
      "error: option '--quantity' checks a reply frame: it needs '--framing rtu|iot-v2|v1'",
    ],
    [
      ["decode", "--block", "100", "--framing", "rtu", "--quantity", "126", "00"],
      "error: option '--quantity' needs an integer 1..125, got '126'",
    ],
    [
      ["decode", "--block", "100", "--frameing", "rtu", "00"],
      "error: unknown option '--frameing' for 'decode'; did you mean '--framing'?",
    ],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, 2, args.join(" "));
    assert.equal(run.stdout, "");
    assert.deepEqual(lines(run.stderr), [message, "Run 'power-sdk decode --help' for usage."]);
  }
});
