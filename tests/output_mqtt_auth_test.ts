// The mqtt and homeassistant sinks log in to a real mosquitto that has a password file
// (mosquitto_passwd) and refuses anonymous clients; a wrong password is a clear
// TRANSPORT_NOT_AUTHORIZED error naming the broker and the user, never the password.
import "../mod.ts"; // defines the built-in plugins
import assert from "node:assert/strict";
import { TransportError } from "../src/errors/mod.ts";
import {
  type HomeAssistantSink,
  loadRuntimeConfig,
  type MqttSink,
  resolveRuntime,
  Runtime,
} from "../src/runtime/mod.ts";
import { EmbeddedBroker } from "../testing.ts";
import { mosquittoAvailable } from "./_support/mosquitto.ts";
import { MqttCollector } from "./_support/mqtt_collector.ts";
import { runtimeYaml, SHED, startStations } from "./_support/output_stations.ts";
import { withMosquitto } from "./_support/with_mosquitto.ts";
import { lines, powerSdk } from "./_support/cli.ts";

const SHED_ONLY =
  "  - { id: shed, pipeline: local, profile_id: EL30V2, groups: [core], transport: { opts: { device_sn: EL30V2077 } } }";

/** Both sinks on one broker, the password from the environment as docs/runtime-yaml.md says. */
function yaml(stationsPort: number, brokerUrl: string): string {
  return runtimeYaml(
    stationsPort,
    `{ type: composite, sinks: [republish, ha] }
  republish: { type: mqtt, broker: "${brokerUrl}", username: power, password: "\${MQTT_PASSWORD}", qos: 1 }
  ha: { type: homeassistant, broker: "${brokerUrl}", username: power, password: "\${MQTT_PASSWORD}", base_topic: ha-states }`,
    SHED_ONLY,
  );
}

function runtimeWith(yamlText: string, password: string, errors: unknown[]): Runtime {
  const config = loadRuntimeConfig(yamlText, {
    env: (name) => name === "MQTT_PASSWORD" ? password : undefined,
  });
  return new Runtime(resolveRuntime(config), {
    onSinkError: (_sink, error) => errors.push(error),
  });
}

/** The first retained message on `topic`, read as the authenticated user. */
async function retained(url: string, password: string, topic: string): Promise<string> {
  await using sub = await MqttCollector.start(url, [topic], { username: "power", password });
  return (await sub.waitFor((m) => m.topic === topic, `on ${topic}`)).text;
}

/**
 * What every test here starts with: a mosquitto that knows user `power` with a fresh
 * password, and the shed station on a broker of its own. Disposing stops them in reverse.
 */
async function authSetup() {
  const password = `pw-${crypto.randomUUID()}`;
  await using stack = new AsyncDisposableStack();
  const broker = stack.use(await withMosquitto({ users: { power: password } }));
  const stations = stack.use(await EmbeddedBroker.start());
  stack.use(await startStations(stations.url, [SHED]));
  const owned = stack.move();
  return { password, broker, stations, [Symbol.asyncDispose]: () => owned.disposeAsync() };
}

Deno.test({
  name: "mqtt and homeassistant sinks log in to mosquitto with a password file",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using setup = await authSetup();
    const { password, broker, stations } = setup;
    const errors: unknown[] = [];
    const runtime = runtimeWith(yaml(stations.port, broker.url), password, errors);
    try {
      await (runtime.sink("republish") as MqttSink).ready();
      await (runtime.sink("ha") as HomeAssistantSink).ready();
      await runtime.runOnce();
      const state = JSON.parse(await retained(broker.url, password, "power-sdk/shed/core"));
      assert.equal(state.serial, SHED.sn);
      const config = JSON.parse(
        await retained(broker.url, password, "homeassistant/device/power_sdk_el30v2077/config"),
      );
      assert.equal(config.device.serial_number, SHED.sn);
      assert.deepEqual(errors, []);
    } finally {
      await runtime.stop();
    }
    assert.match(broker.broker.log, /as power/);
  },
});

Deno.test({
  name:
    "a wrong sink password is TRANSPORT_NOT_AUTHORIZED naming the broker and user, never the password",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using setup = await authSetup();
    const { broker, stations } = setup;
    const wrong = `wrong-${crypto.randomUUID()}`;
    const errors: unknown[] = [];
    const runtime = runtimeWith(yaml(stations.port, broker.url), wrong, errors);
    const check = (error: unknown) => {
      assert.ok(error instanceof TransportError, String(error));
      assert.equal(error.code, "TRANSPORT_NOT_AUTHORIZED");
      assert.ok(error.message.includes(`127.0.0.1:${broker.port}`), error.message);
      assert.match(error.message, /user 'power'/);
      assert.match(error.message, /refused the login/);
      assert.ok(!error.message.includes(wrong), "the password is never echoed");
      assert.ok(!String(error.stack).includes(wrong));
      return true;
    };
    try {
      for (const name of ["republish", "ha"]) {
        await assert.rejects((runtime.sink(name) as MqttSink | HomeAssistantSink).ready(), check);
      }
      // The poll goes on; the sinks' failures reach the runtime's error reporting.
      const snapshots = await runtime.runOnce();
      assert.ok(snapshots.every((s) => s.ok));
      await runtime.stop();
      // Each child's error is reported, and the composite's holds both with their codes.
      const aggregates = errors.filter((e) => e instanceof AggregateError);
      assert.ok(aggregates.length >= 1, `sink errors: ${errors.map(String).join(" | ")}`);
      for (const error of aggregates) {
        assert.match(error.message, /republish: TRANSPORT_NOT_AUTHORIZED: Cannot connect sink/);
        assert.match(error.message, /ha: TRANSPORT_NOT_AUTHORIZED: Cannot connect sink/);
        assert.ok(!error.message.includes(wrong));
        assert.equal(error.errors.length, 2);
      }
      const children = errors.flatMap((e) => e instanceof AggregateError ? e.errors : [e]);
      for (const error of children) check(error);
    } finally {
      await runtime.stop();
    }
  },
});

Deno.test({
  name:
    "power-sdk runtime --once with a wrong sink password warns with TRANSPORT_NOT_AUTHORIZED, never printing the password",
  ignore: !mosquittoAvailable(),
  async fn() {
    await using setup = await authSetup();
    const { broker, stations } = setup;
    const wrong = `wrong-${crypto.randomUUID()}`;
    const dir = await Deno.makeTempDir({ prefix: "power-sdk-auth-" });
    try {
      const file = `${dir}/runtime.yaml`;
      await Deno.writeTextFile(
        file,
        runtimeYaml(
          stations.port,
          `{ type: mqtt, broker: "${broker.url}", username: power, password: "\${MQTT_PASSWORD}" }`,
          SHED_ONLY,
        ),
      );
      const run = await powerSdk(["runtime", "--config", file, "--once"], {
        env: { MQTT_PASSWORD: wrong },
      });
      const warning = lines(run.stderr).find((line) => line.startsWith("warning: sink out: "));
      assert.equal(
        warning,
        `warning: sink out: TRANSPORT_NOT_AUTHORIZED: Cannot connect sink 'out' to mqtt://127.0.0.1:${broker.port} as user 'power': the broker refused the login: not authorized (CONNACK 5); check the sink's username and password`,
        run.stderr,
      );
      assert.ok(!run.stdout.includes(wrong) && !run.stderr.includes(wrong));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
