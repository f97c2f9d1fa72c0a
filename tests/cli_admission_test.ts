// Admission by measured capacity as `power-sdk runtime` shows it: thresholds from runtime.yaml,
// the hold-back logged on stderr, and the stop summary with the admission counts.
import assert from "node:assert/strict";
import { localRuntimeConfig } from "../src/cli/_test_utils.ts";
import { tempConfig } from "../src/runtime/config/_test_utils.ts";
import { EmbeddedBroker, FleetSimulator } from "../src/testing/mod.ts";
import { CliProcess } from "./_support/cli.ts";

Deno.test("power-sdk runtime: limits.admission from runtime.yaml holds the last device back, and the stop summary says so", async () => {
  // Thresholds no process meets (any lateness is late, any late poll is over capacity, judged
  // every 0.5 s, one window is enough): the second device is held back at the first window
  // with 20 polls; the first one always stays admitted.
  await using broker = await EmbeddedBroker.start();
  await using _stations = await FleetSimulator.start({
    brokerUrl: broker.url,
    stations: ["EL30V2000061", "EL30V2000062"].map((sn) => ({ profile: "EL30V2", sn })),
  });
  const device = (id: string, sn: string) =>
    `{ id: ${id}, pipeline: lan, profile_id: EL30V2, poll_interval: 0.1, transport: { opts: { device_sn: ${sn} } } }`;
  await using config = await tempConfig(localRuntimeConfig(
    broker.port,
    [device("first", "EL30V2000061"), device("second", "EL30V2000062")],
    `defaults: { sink: stdout }
limits:
  admission: { late_after: 0, late_share: 0, window: 0.5, over_windows: 1, shed_step: 1, admit_after: 3600 }
`,
  ));
  await using runtime = new CliProcess(["runtime", "--config", config.file, "--verbose"]);
  await runtime.waitFor(
    /^info: admission: 1 device held back \(second, 1 of them connected\): \d+ % of the last window's polls started more than 0 ms late \(limit 0 %\); 1 of 2 admitted$/,
  );
  await runtime.waitFor(
    /^warning: over capacity: 1 of 2 devices held back \(the last in configuration order, from second\)/,
  );
  runtime.signal("SIGTERM");
  const status = await runtime.exited();
  assert.equal(status.code, 0, runtime.stderr);
  assert.match(
    runtime.stderr,
    /\ninfo: stopped by SIGTERM: \d+ polls, 0 failed; admission: 1 of 2 devices held back now \(1 at most, 0 admitted again\), \d+ due polls? of held-back devices skipped\n$/,
  );
});
