import assert from "node:assert/strict";
import { join } from "node:path";
import { TransportError } from "../errors/errors.ts";
import { MqttTransport } from "./mqtt_transport.ts";

function refused(config: ConstructorParameters<typeof MqttTransport>[0], pattern: RegExp): void {
  assert.throws(() => new MqttTransport(config), (e: unknown) => {
    assert.ok(e instanceof TransportError);
    assert.equal(e.code, "TRANSPORT_INVALID_ARGUMENT");
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("MqttTransport refuses mqtt:// without allowInsecure, bad URLs and bad ports", () => {
  refused({ broker: "mqtt://127.0.0.1", deviceSn: "EL1" }, /without TLS.*allowInsecure/);
  refused(
    { broker: "http://example.invalid", deviceSn: "EL1" },
    /scheme must be mqtts:\/\/ or mqtt:\/\//,
  );
  refused(
    { broker: "mqtts://user:pw@localhost", deviceSn: "EL1" },
    /credentials do not belong in the URL/,
  );
  refused({ broker: "localhost", port: 70000, deviceSn: "EL1" }, /port 70000/);
  refused(
    { broker: "localhost", deviceSn: "EL1", topics: { request: "SUB/{serial}" } },
    /unknown placeholder/,
  );
});

Deno.test("MqttTransport builds its URL and topics from the configuration", () => {
  const cloud = new MqttTransport({ broker: "iot.bluettipower.com", deviceSn: "2237000012345" });
  assert.equal(cloud.url, "mqtts://iot.bluettipower.com:18760");
  assert.equal(cloud.requestTopic, "SUB/2237000012345");
  assert.equal(cloud.responseTopic, "PUB/2237000012345");
  const model = new MqttTransport({
    broker: "mqtt://127.0.0.1",
    deviceSn: "1",
    model: "AC300",
    allowInsecure: true,
    topics: { request: "SUB/{model}/{sn}", response: "PUB/{model}/{sn}" },
  });
  assert.equal(model.url, "mqtt://127.0.0.1:1883");
  assert.equal(model.requestTopic, "SUB/AC300/1");
  assert.equal(model.state, "idle");
});

Deno.test("MqttTransport says so when net permission is refused, instead of a bare close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = join(dir, "connect.ts");
    const mod = new URL("./mqtt_transport.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { MqttTransport } from "${mod}";
      const t = new MqttTransport({ broker: "mqtt://127.0.0.1", port: 1, deviceSn: "X1", allowInsecure: true, logger: () => {} });
      try { await t.connect(); } catch (e) { console.log((e as Error).message); }
      await t.close();`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
        "--allow-env",
        "--allow-read",
        "--allow-sys",
        "--deny-net",
        script,
      ],
      cwd: new URL("../../", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(
      stdout,
      /no permission to connect to 127\.0\.0\.1:1 \(grant it, e\.g\. --allow-net=127\.0\.0\.1\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
