// How `power-sdk runtime` takes its stop signals, as a service manager and a user send them:
// a SIGTERM to the whole process group of `deno task power-sdk runtime`, a SIGTERM that
// arrives before the command has started, a repeat of the same signal, a deliberate second one.
import assert from "node:assert/strict";
import { localRuntimeConfig } from "../src/cli/_test_utils.ts";
import { tempConfig } from "../src/runtime/config/_test_utils.ts";
import { EmbeddedBroker, SimulatedStation } from "../src/testing/mod.ts";
import { CliProcess } from "./_support/cli.ts";
import { sigtermWhileReadingConfig } from "./_support/fifo.ts";

const SN = "EL30V2000093";

function yaml(port: number): string {
  return localRuntimeConfig(
    port,
    [
      `{ id: garage, pipeline: lan, profile_id: EL30V2, poll_interval: 0.2, groups: [core], transport: { opts: { device_sn: ${SN} } } }`,
    ],
    "defaults: { sink: stdout }\n",
  );
}

/** An embedded broker, a station on it and a runtime.yaml that polls it to stdout. */
async function setup(options: { faults?: string } = {}) {
  const broker = await EmbeddedBroker.start();
  const station = await SimulatedStation.start({
    profile: "EL30V2",
    sn: SN,
    brokerUrl: broker.url,
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const tmp = await tempConfig(yaml(broker.port));
  return {
    dir: tmp.dir,
    config: tmp.file,
    yaml: yaml(broker.port),
    async [Symbol.asyncDispose]() {
      await station.stop();
      await broker.close();
      await tmp[Symbol.asyncDispose]();
    },
  };
}

Deno.test({
  name:
    "SIGTERM to the process group of `deno task power-sdk runtime` is one graceful stop: exit 0",
  ignore: Deno.build.os === "windows",
  async fn() {
    await using s = await setup();
    await using runtime = new CliProcess(["runtime", "--config", s.config, "--verbose"], {
      task: true,
    });
    await runtime.waitFor(/ garage core ok /);
    // The task runner gets it too and forwards it to the runtime: the runtime sees it twice.
    runtime.signalGroup("SIGTERM");
    const status = await runtime.exited();
    assert.equal(status.code, 0, runtime.stderr);
    assert.match(runtime.stderr, /^info: stopped by SIGTERM: /m);
  },
});

Deno.test({
  name: "a SIGTERM received before the runtime has started is its graceful stop: exit 0",
  ignore: Deno.build.os === "windows",
  async fn() {
    await using s = await setup();
    // Once the CLI reads the FIFO it has loaded, long before it runs anything.
    const { code, stderr } = await sigtermWhileReadingConfig(s.dir, s.yaml);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^info: stopped by SIGTERM: /m);
  },
});

Deno.test({
  name: "a repeat of the stop signal while the runtime stops is the same request: exit 0",
  ignore: Deno.build.os === "windows",
  async fn() {
    // The station never answers: the stop waits for the poll in flight, so a second request
    // would cut it short with 130.
    await using s = await setup({ faults: "silent" });
    await using runtime = new CliProcess(["runtime", "--config", s.config, "--verbose"]);
    await runtime.waitFor(/^info: garage: connected$/);
    runtime.signal("SIGTERM");
    await runtime.waitFor(/^info: stopping after SIGTERM: /);
    // What the task runner's forwarded copy looks like: the same signal, just after.
    runtime.signal("SIGTERM");
    const status = await runtime.exited();
    assert.equal(status.code, 0, runtime.stderr);
    assert.match(runtime.stderr, /^info: stopped by SIGTERM: /m);
  },
});

Deno.test({
  name: "a stop during a connection attempt says so, and schedules no next attempt",
  ignore: Deno.build.os === "windows",
  async fn() {
    // A broker that accepts the TCP connection and never answers: the runtime is connecting.
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    await using tmp = await tempConfig(yaml(listener.addr.port));
    await using runtime = new CliProcess(["runtime", "--config", tmp.file, "--verbose"]);
    const conn = await listener.accept();
    try {
      runtime.signal("SIGTERM");
      const status = await runtime.exited();
      assert.equal(status.code, 0, runtime.stderr);
      assert.match(
        runtime.stderr,
        /^info: garage: connection attempt cancelled: the runtime is stopping$/m,
      );
      assert.doesNotMatch(runtime.stderr, /next attempt/);
    } finally {
      conn.close();
    }
  },
});
