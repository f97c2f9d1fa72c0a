import assert from "node:assert/strict";
import { TransportError } from "../errors/errors.ts";
import { checkTopicValue, fillTopic } from "./topics.ts";
import { backoffDelay } from "./reconnect_policy.ts";

Deno.test("checkTopicValue() rejects serials with +, #, / or NUL anywhere", () => {
  for (const bad of ["EL+1", "#", "a/b", "x\u0000y", ""]) {
    assert.throws(
      () => checkTopicValue(bad, "serial number"),
      (e: unknown) => e instanceof TransportError && e.code === "TRANSPORT_INVALID_ARGUMENT",
      JSON.stringify(bad),
    );
  }
  assert.throws(() => checkTopicValue("x\u0000y", "serial number"), /contain NUL/);
  assert.equal(checkTopicValue("EL100V2-2616113487436", "serial number"), "EL100V2-2616113487436");
});

Deno.test("fillTopic() fills {sn} and {model} and refuses unknown placeholders and wildcards", () => {
  assert.equal(fillTopic("SUB/{sn}", { sn: "123" }), "SUB/123");
  assert.equal(fillTopic("PUB/{model}/{sn}", { sn: "123", model: "AC300" }), "PUB/AC300/123");
  assert.throws(() => fillTopic("PUB/{model}/{sn}", { sn: "123" }), /no model was given/);
  assert.throws(() => fillTopic("PUB/{serial}", { sn: "123" }), /unknown placeholder \{serial\}/);
  assert.throws(() => fillTopic("PUB/#", { sn: "123" }), /wildcards/);
  assert.throws(() => fillTopic("PUB/{sn}", { sn: "1/2" }), /must not contain '\/'/);
});

Deno.test("backoffDelay() grows exponentially, is capped, and spreads by the jitter", () => {
  const policy = { initialDelayMs: 1000, multiplier: 2, maxDelayMs: 30_000, jitter: 0.2 };
  assert.equal(backoffDelay(policy, 1, () => 0.5), 1000);
  assert.equal(backoffDelay(policy, 3, () => 0.5), 4000);
  assert.equal(backoffDelay(policy, 20, () => 0.5), 30_000);
  assert.equal(backoffDelay(policy, 1, () => 0), 800);
  assert.equal(backoffDelay(policy, 1, () => 0.999999), 1200);
  assert.equal(backoffDelay(policy, 20, () => 0.999999), 30_000, "never above the cap");
  assert.throws(() => backoffDelay({ multiplier: 0.5 }, 1), /multiplier must be ≥ 1/);
  assert.throws(() => backoffDelay({ jitter: 2 }, 1), /jitter must be in 0\.\.1/);
});
