// The Client's methods end to end: MqttTransport over a real broker (mosquitto with TLS and
// client certificates; the embedded broker where mosquitto is missing) to the simulated station.
import assert from "node:assert/strict";
import { Client, type PushEvent } from "../src/client/mod.ts";
import { WriteError } from "../src/errors/mod.ts";
import { loadTlsCredentials, MqttTransport } from "../src/transport/mod.ts";
import { SimulatedStation } from "../src/testing/mod.ts";
import { getProfile } from "../profiles/mod.ts";
import { withTlsBroker } from "./_support/broker.ts";

Deno.test("Client over MQTT: read, stream, push, write and read back", async (t) => {
  await using tlsBroker = await withTlsBroker();
  const { pki, broker } = tlsBroker;
  try {
    const sn = "EL100V2000777";
    await using station = await SimulatedStation.start({
      profile: "EL100V2",
      sn,
      brokerUrl: broker.url,
      tls: { cert: pki.pem.clientCert, key: pki.pem.clientKey, ca: pki.pem.caCert },
      framing: "iot-v2",
    });
    await using client = new Client({
      transport: new MqttTransport({
        broker: broker.url,
        deviceSn: sn,
        tls: loadTlsCredentials({ pfx: pki.p12.client, passphrase: pki.password }),
        logger: () => {},
      }),
      profile: getProfile("EL100V2"),
      framing: "iot-v2",
      writesEnabled: true,
    });
    await client.connect();

    await t.step("streamGroup() yields the inverter blocks in order", async () => {
      const ids: number[] = [];
      for await (const record of client.streamGroup("inverter")) ids.push(record.blockId);
      assert.deepEqual(ids, [1100, 1400, 1500]);
    });

    await t.step("onPush() decodes what the station pushes between replies", async () => {
      const got = new Promise<PushEvent>((resolve) => {
        const stop = client.onPush((event) => {
          if (event.kind === "block") {
            stop();
            resolve(event);
          }
        });
      });
      // Alternating 0x03 and 0x10 frames: two pushes are enough for one 0x10.
      await station.push();
      await station.push();
      const event = await got;
      assert.equal(event.kind, "block");
      if (event.kind === "block") assert.equal(event.record.blockId, 100);
    });

    await t.step("write() switches AC output off and on, verified by reading back", async () => {
      const off = await client.write("ac_output", "off");
      assert.equal(off.applied, true);
      assert.equal(station.model.register(2011), 0);
      const block = await client.readBlock(2000);
      assert.equal(block.values.ctrl_ac, 0);
      const on = await client.write("ac_output", "on");
      assert.equal(on.applied, true);
      assert.equal((await client.readBlock(2000)).values.ctrl_ac, 1);
    });

    await t.step(
      "write() refuses a dangerous register without confirmation, over the wire too",
      async () => {
        const before = station.counters.requests;
        await assert.rejects(
          client.write("system_power_off", "on"),
          (e: unknown) => e instanceof WriteError && e.gate === "needs_confirmation",
        );
        assert.equal(station.counters.requests, before, "nothing reached the station");
      },
    );

    await t.step("the device state holds what was read", () => {
      assert.equal(client.state.identity().model, "EL100V2");
      assert.equal(client.state.identity().serial, "777");
      assert.ok(client.state.block(2000) !== null);
    });
  } finally {
    await broker.stop();
  }
});
