// The MQTT transport against a real broker: mosquitto on 127.0.0.1 and a random port, with a
// TLS listener that requires client certificates, certificates made at test time, and the
// simulated station. Without mosquitto (a developer's fresh machine) the embedded broker
// stands in; CI (CI=true) insists on mosquitto.
import assert from "node:assert/strict";
import { Client } from "../src/client/mod.ts";
import { CredentialsError, TransportError } from "../src/errors/mod.ts";
import type { FramingName } from "../src/protocol/mod.ts";
import { loadTlsCredentials, type MqttConfig, MqttTransport } from "../src/transport/mod.ts";
import type { TransportStateChange, UnsolicitedFrame } from "../src/transport/mod.ts";
import { SimulatedStation } from "../src/testing/mod.ts";
import { getProfile } from "../profiles/mod.ts";
import type { TestPki } from "./_support/pki.ts";
import { type Broker, withTlsBroker } from "./_support/broker.ts";

function credentials(pki: TestPki) {
  return loadTlsCredentials({ pfx: pki.p12.client, passphrase: pki.password });
}

function transportConfig(
  pki: TestPki,
  broker: Broker,
  sn: string,
  extra: Partial<MqttConfig> = {},
): MqttConfig {
  return {
    broker: broker.url,
    deviceSn: sn,
    tls: credentials(pki),
    requestTimeoutMs: 3_000,
    connectTimeoutMs: 5_000,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500, jitter: 0 },
    logger: () => {},
    ...extra,
  };
}

async function station(
  pki: TestPki,
  broker: Broker,
  sn: string,
  framing: FramingName = "rtu",
  faults?: string,
) {
  return await SimulatedStation.start({
    profile: "EL100V2",
    sn,
    brokerUrl: broker.url,
    tls: { cert: pki.pem.clientCert, key: pki.pem.clientKey, ca: pki.pem.caCert },
    framing,
    ...(faults ? { faults } : {}),
  });
}

function client(
  pki: TestPki,
  broker: Broker,
  sn: string,
  framing: FramingName = "rtu",
  extra: Partial<MqttConfig> = {},
) {
  return new Client({
    transport: new MqttTransport(transportConfig(pki, broker, sn, extra)),
    profile: getProfile("EL100V2"),
    framing,
    retry: { maxAttempts: 1 },
  });
}

function rejectsWithCode(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  return assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof TransportError, String(e));
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("MqttTransport against a real broker with client certificates", async (t) => {
  await using tlsBroker = await withTlsBroker();
  const { pki, broker } = tlsBroker;
  try {
    for (const framing of ["rtu", "iot-v2", "v1"] as const) {
      await t.step(`reads blocks through the ${framing} framing`, async () => {
        const sn = `EL100V2${framing === "rtu" ? 1 : framing === "v1" ? 2 : 3}00000001`;
        await using _station = await station(pki, broker, sn, framing);
        await using c = client(pki, broker, sn, framing);
        await c.connect();
        const home = await c.readBlock(100);
        assert.equal(home.values.device_model, "EL100V2");
        assert.ok((home.values.soc as number) >= 0 && (home.values.soc as number) <= 100);
        const grid = await c.readBlock(1300);
        assert.equal(typeof grid.values.frequency, "number");
        const group = await c.readGroup("inverter");
        assert.equal(group.ok, true, JSON.stringify(group.errors.map((e) => e.error.message)));
        assert.deepEqual(group.records.map((r) => r.blockId), [1100, 1400, 1500]);
      });
    }

    await t.step("refuses a wrong bundle password before connecting", () => {
      assert.throws(
        () => loadTlsCredentials({ pfx: pki.p12.client, passphrase: "not the password" }),
        (e: unknown) => e instanceof CredentialsError && e.problem === "wrong_password",
      );
    });

    await t.step("refuses a key that does not match the certificate", () => {
      assert.throws(
        () => loadTlsCredentials({ cert: pki.pem.clientCert, key: pki.pem.expiredKey }),
        (e: unknown) => e instanceof CredentialsError && e.problem === "key_mismatch",
      );
    });

    await t.step("refuses an expired client certificate", () => {
      assert.throws(
        () => loadTlsCredentials({ pfx: pki.p12.expired, passphrase: pki.password }),
        (e: unknown) => e instanceof CredentialsError && e.problem === "expired",
      );
    });

    await t.step("says the broker's certificate is not trusted when the CA is wrong", async () => {
      const tls = loadTlsCredentials({ cert: pki.pem.clientCert, key: pki.pem.clientKey });
      await using transport = new MqttTransport({
        ...transportConfig(pki, broker, "EL100V2WRONGCA"),
        tls,
        ca: pki.pem.otherCaCert,
      });
      await rejectsWithCode(
        transport.connect(),
        "TRANSPORT_CONNECT_FAILED",
        /certificate is not trusted/,
      );
    });

    await t.step("says a client certificate is required when none is sent", async () => {
      const { tls: _none, ...rest } = transportConfig(pki, broker, "EL100V2NOCERT");
      await using transport = new MqttTransport({ ...rest, ca: pki.pem.caCert });
      await rejectsWithCode(
        transport.connect(),
        "TRANSPORT_CONNECT_FAILED",
        /client certificate|closed|refused/,
      );
    });

    await t.step("times out on a silent station", async () => {
      const sn = "EL100V2SILENT01";
      await using _station = await station(pki, broker, sn, "rtu", "silent:1");
      await using c = client(pki, broker, sn, "rtu", { requestTimeoutMs: 300 });
      await c.connect();
      await rejectsWithCode(c.readBlock(100), "TRANSPORT_TIMEOUT", /within 300 ms/);
    });

    await t.step("never mistakes unsolicited frames for replies over 1,000 reads", async () => {
      const sn = "EL100V2CHATTY01";
      await using st = await station(pki, broker, sn, "iot-v2", "unsolicited:5ms");
      await using c = client(pki, broker, sn, "iot-v2");
      const unsolicited: UnsolicitedFrame[] = [];
      c.transport.onUnsolicited((f) => unsolicited.push(f));
      await c.connect();
      for (let i = 0; i < 1000; i++) {
        const id = [100, 1300, 6000][i % 3]!;
        const record = await c.readBlock(id);
        assert.equal(record.blockId, id);
        if (id === 100) {
          assert.equal(record.values.device_model, "EL100V2", `read ${i}`);
          assert.equal(record.raw.length, 124, `read ${i}`);
        } else if (id === 1300) {
          assert.equal(record.raw.length, 34, `read ${i}`);
        } else {
          assert.equal(record.raw.length, 64, `read ${i}`);
        }
      }
      assert.ok(unsolicited.length > 0, "the station pushed frames between replies");
      assert.ok(st.counters.unsolicited > 0);
    });

    await t.step(
      "fails the pending request at once when the broker stops, then reconnects",
      async () => {
        const sn = "EL100V2RESTART1";
        await using st = await station(pki, broker, sn);
        await using c = client(pki, broker, sn, "rtu", { requestTimeoutMs: 60_000 });
        const states: TransportStateChange[] = [];
        c.transport.onState((s) => states.push(s));
        await c.connect();
        await c.readBlock(100);
        st.injectFault("silent:1x");
        const pending = c.readBlock(100);
        // Wait until the request is on the wire (the station saw it), then pull the broker.
        const seen = st.counters.requests;
        while (st.counters.requests === seen) await new Promise((r) => setTimeout(r, 5));
        const reconnected = new Promise<void>((resolve) => {
          c.transport.onState((s) => s.state === "connected" && resolve());
        });
        // A 60 s timeout, yet it fails with DISCONNECTED: it failed fast, not by timing out.
        const failedFast = rejectsWithCode(pending, "TRANSPORT_DISCONNECTED");
        await broker.stop();
        await failedFast;
        await rejectsWithCode(c.readBlock(100), "TRANSPORT_DISCONNECTED", /not connected/);
        await broker.restart();
        await reconnected;
        // The station reconnects on its own; retry until it is back.
        const record = await c.readBlock(100, {
          retry: { maxAttempts: 50, initialDelayMs: 100, jitter: 0 },
          timeoutMs: 500,
        });
        assert.equal(record.values.device_model, "EL100V2");
        const seq = states.map((s) => s.state);
        const after = seq.slice(seq.indexOf("offline"));
        assert.equal(after[0], "offline", seq.join(" → "));
        assert.equal(after.at(-1), "connected", seq.join(" → "));
        assert.ok(seq.includes("reconnecting"));
      },
    );

    await t.step("rejects serial numbers that would break the topics", () => {
      for (const sn of ["EL+1", "EL#1", "EL/1", "EL\u00001"]) {
        assert.throws(
          () => new MqttTransport(transportConfig(pki, broker, sn)),
          /must not contain/,
        );
      }
    });
  } finally {
    await broker.stop();
  }
});

Deno.test("connecting with a PKCS#12 bundle writes no file", async () => {
  await using tlsBroker = await withTlsBroker();
  const { pki, broker } = tlsBroker;
  try {
    const root = new URL("../", import.meta.url);
    const script = `
      import { loadTlsCredentials, MqttTransport } from "./mod.ts";
      const tls = loadTlsCredentials({ pfx: await Deno.readFile(Deno.args[0]), passphrase: Deno.env.get("P12_PASSWORD") });
      const transport = new MqttTransport({ broker: Deno.args[1], deviceSn: "EL100V2NOFILE", tls, logger: () => {} });
      await transport.connect();
      await transport.close();
      console.log("connected");
    `;
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--deny-write",
        `--allow-read=${pki.paths.clientP12},.`,
        "--allow-net=localhost,127.0.0.1",
        "--allow-env",
        "--allow-sys",
        script,
        pki.paths.clientP12,
        broker.url,
      ],
      cwd: root,
      env: { P12_PASSWORD: pki.password },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    assert.match(new TextDecoder().decode(output.stdout), /connected/);
    assert.doesNotMatch(stderr, new RegExp(pki.password));
  } finally {
    await broker.stop();
  }
});
