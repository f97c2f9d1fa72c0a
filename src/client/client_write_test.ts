import assert from "node:assert/strict";
import { WriteError } from "../errors/errors.ts";
import { LoopbackTransport } from "../transport/loopback_transport.ts";
import { StationModel } from "../testing/simulated_station.ts";
import { buildRequest, getFraming } from "../protocol/mod.ts";
import { buildWriteSingleReply } from "../protocol/build_reply.ts";
import { parseRequest } from "../protocol/parse_request.ts";
import { getProfile } from "../../profiles/mod.ts";
import { Client } from "./client.ts";

function setup(
  options: { writesEnabled?: boolean; profile?: string; ignoreWrites?: boolean } = {},
) {
  const station = new StationModel({
    profile: "EL100V2",
    sn: "EL100V2000123",
    now: () => 1_800_000_000_000,
  });
  const sent: Uint8Array[] = [];
  const transport = new LoopbackTransport((payload) => {
    sent.push(payload);
    const request = parseRequest(payload);
    if (options.ignoreWrites && request.function === 0x06) {
      // A station that acknowledges but does not apply.
      return buildWriteSingleReply(request.address, request.register, request.value);
    }
    return station.handle(payload);
  });
  const client = new Client({
    transport,
    profile: getProfile(options.profile ?? "EL100V2"),
    writesEnabled: options.writesEnabled ?? true,
  });
  return { client, station, sent };
}

function refused(gate: string) {
  return (e: unknown) => {
    assert.ok(e instanceof WriteError, String(e));
    assert.equal(e.code, "WRITE_REFUSED");
    assert.equal(e.gate, gate, e.message);
    return true;
  };
}

Deno.test("Client.write() writes a switch with 0x06 and confirms it by reading back", async () => {
  const { client, station, sent } = setup();
  await using _ = client;
  await client.connect();
  const off = await client.write("ac_output", "off");
  assert.deepEqual([off.register, off.value, off.applied, off.readBack, off.dryRun], [
    2011,
    0,
    true,
    0,
    false,
  ]);
  assert.equal(station.register(2011), 0);
  assert.equal(sent.length, 2, "the write and the read-back");
  const on = await client.write(2011, true);
  assert.equal(on.applied, true);
  assert.equal(station.register(2011), 1);
  const mode = await client.write("charging_mode", "turbo");
  assert.equal(mode.value, 2);
  assert.equal(station.register(2020), 2);
});

Deno.test("Client.write() is refused when writes are not enabled for the device", async () => {
  const { client, sent } = setup({ writesEnabled: false });
  await using _ = client;
  await client.connect();
  await assert.rejects(client.write("ac_output", "on"), refused("writes_disabled"));
  assert.equal(sent.length, 0, "nothing was sent");
});

Deno.test("Client.write() is refused for registers the profile does not allow", async () => {
  const { client, sent } = setup({ profile: "GENERIC_V2" });
  await using _ = client;
  await client.connect();
  await assert.rejects(client.write("ac_output", "on"), refused("not_allowed"));
  await assert.rejects(client.write("warp_drive", "on"), refused("unknown_register"));
  assert.equal(sent.length, 0);
});

Deno.test("Client.write() is refused for values outside the range or enum", async () => {
  const { client, sent } = setup();
  await using _ = client;
  await client.connect();
  await assert.rejects(client.write("grid_max_power", 100), refused("invalid_value"));
  await assert.rejects(client.write("charging_mode", "warp"), refused("invalid_value"));
  await assert.rejects(client.write("ac_output", "maybe"), refused("invalid_value"));
  assert.equal(sent.length, 0);
});

Deno.test("Client.write() to a partially verified block needs force", async () => {
  const { client, station } = setup();
  await using _ = client;
  await client.connect();
  // Register 2208 (feed-in) lives in block 2200, whose layout is only 'partial'.
  await assert.rejects(client.write("feed_in", "on"), refused("unverified_block"));
  const forced = await client.write("feed_in", "on", { force: true });
  assert.equal(forced.applied, true);
  assert.equal(station.register(2208), 1);
});

Deno.test("Client.write() to a dangerous register needs its own confirmation; force is not enough", async () => {
  const { client, sent } = setup();
  await using _ = client;
  await client.connect();
  await assert.rejects(client.write("system_power_off", "on"), refused("needs_confirmation"));
  await assert.rejects(
    client.write("system_power_off", "on", { force: true }),
    refused("needs_confirmation"),
  );
  assert.equal(sent.length, 0);
  const confirmed = await client.write("system_power_off", "on", {
    confirmDangerous: true,
    verify: false,
  });
  assert.equal(confirmed.applied, null);
  assert.equal(sent.length, 1);
});

Deno.test("Client.write() dry run returns the exact frame and sends nothing", async () => {
  const { client, sent } = setup();
  await using _ = client;
  await client.connect();
  const dry = await client.write("ac_output", "on", { dryRun: true });
  const request = { function: 0x06, address: 1, register: 2011, value: 1 } as const;
  assert.deepEqual([...dry.payload], [...getFraming("rtu").wrap(buildRequest(request), request)]);
  // 01 06 07db 0001 + CRC-16/MODBUS, worked out independently of the codec.
  assert.equal(Uint8Array.from(dry.payload).toHex(), "010607db00013945");
  assert.equal(dry.dryRun, true);
  assert.equal(dry.applied, null);
  assert.equal(sent.length, 0);
  // Gates apply to dry runs too.
  await assert.rejects(
    client.write("system_power_off", "on", { dryRun: true }),
    refused("needs_confirmation"),
  );
});

Deno.test("Client.write() reports a value the station did not take", async () => {
  const { client, station } = setup({ ignoreWrites: true });
  await using _ = client;
  await client.connect();
  const before = station.register(2011);
  const result = await client.write("ac_output", before === 1 ? "off" : "on");
  assert.equal(result.applied, false);
  assert.equal(result.readBack, before);
});

Deno.test("Client keeps the device state of what it read", async () => {
  const { client } = setup();
  await using _ = client;
  await client.connect();
  await client.readGroup("core");
  await client.readGroup("battery");
  const identity = client.state.identity();
  assert.equal(identity.model, "EL100V2");
  assert.equal(identity.serial, "123");
  assert.equal(client.state.group("core")?.blocks.includes(100), true);
  // Block 100 and block 6000 both have `soc`: the merged view takes block 100's (core first).
  assert.equal(client.state.merged().soc, client.state.block(100)?.values.soc);
  assert.equal(client.state.namespaced()["6000.soc"], client.state.block(6000)?.values.soc);
});

Deno.test("Client.readRegisters() reads consecutive registers in one 0x03 request", async () => {
  const { client, station, sent } = setup();
  await using _ = client;
  await client.connect();
  await client.write("ac_output", "off");
  const before = sent.length;
  const values = await client.readRegisters(2011, 3);
  assert.deepEqual(values, [0, station.register(2012), station.register(2013)]);
  assert.equal(sent.length, before + 1, "one request");
  assert.equal(await client.readRegister(2011), 0);
  for (const quantity of [0, 126, 1.5]) {
    await assert.rejects(client.readRegisters(2011, quantity), {
      code: "PROTOCOL_INVALID_REQUEST",
    });
  }
});
