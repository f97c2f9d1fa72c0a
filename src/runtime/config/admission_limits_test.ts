// `limits.admission` of runtime.yaml: off, on, or thresholds in seconds, handed to the executor
// in ms through the runtime.
import "../../plugins/builtin.ts";
import assert from "node:assert/strict";
import { loadRuntimeConfig } from "./load_config.ts";
import { resolveRuntime } from "./resolve.ts";
import { Runtime } from "../runtime.ts";

function yaml(limits: string): string {
  return `version: 1
pipelines: { p: { transport: mqtt, vendor: bluetti, protocol: v2 } }
defaults: { sink: memory }
devices:
  - { id: a, pipeline: p, profile_id: EL100V2, transport: { opts: { device_sn: "1" } } }
  - { id: b, pipeline: p, profile_id: EL100V2, transport: { opts: { device_sn: "2" } } }
${limits}`;
}

Deno.test("limits.admission: false turns admission off, true and no limits keep it on, thresholds are given in ms", async () => {
  const resolved = (limits: string) => resolveRuntime(loadRuntimeConfig(yaml(limits)));
  assert.equal(resolved("limits: { admission: false }").admission, false);
  assert.equal(resolved("limits: { admission: true }").admission, undefined);
  assert.equal(resolved("").admission, undefined);
  assert.deepEqual(
    resolved(
      "limits: { admission: { late_after: 0.25, late_share: 0.1, window: 2, over_windows: 4, shed_step: 5, admit_after: 30 } }",
    ).admission,
    {
      lateMs: 250,
      lateShare: 0.1,
      windowMs: 2_000,
      overWindows: 4,
      shedStep: 5,
      admitAfterMs: 30_000,
    },
  );
  // The runtime hands it to its executor (nothing connects before start).
  await using off = new Runtime(resolved("limits: { admission: false }"));
  assert.equal(off.admission().devices, 0);
  await using on = new Runtime(resolved(""));
  assert.equal(on.admission().devices, 2);
  // The runtime's own options come first.
  await using given = new Runtime(resolved("limits: { admission: false }"), { admission: {} });
  assert.equal(given.admission().devices, 2);
});
