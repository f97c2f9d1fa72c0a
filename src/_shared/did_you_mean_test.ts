import assert from "node:assert/strict";
import { didYouMean, didYouMeanSuffix, editDistance } from "./did_you_mean.ts";

Deno.test("editDistance() counts insertions, deletions, substitutions and swaps", () => {
  assert.equal(editDistance("blocks", "blocks"), 0);
  assert.equal(editDistance("blcoks", "blocks"), 1);
  assert.equal(editDistance("block", "blocks"), 1);
  assert.equal(editDistance("decdoe", "decode"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
});

Deno.test("didYouMean() suggests a close candidate or a completion, ignoring case", () => {
  const commands = ["blocks", "decode", "profiles", "help"];
  assert.equal(didYouMean("blcoks", commands), "blocks");
  assert.equal(didYouMean("PROFILE", commands), "profiles");
  assert.equal(didYouMean("prof", commands), "profiles");
  assert.equal(didYouMean("--jsn", ["--json", "--help"]), "--json");
  assert.equal(didYouMean("iotv2", ["rtu", "iot-v2", "v1"]), "iot-v2");
});

Deno.test("didYouMean() stays silent when nothing is close", () => {
  assert.equal(didYouMean("xyz", ["blocks", "decode"]), undefined);
  assert.equal(didYouMean("x", ["decode"]), undefined);
  assert.equal(didYouMeanSuffix("zzzz", ["show"]), "");
  assert.equal(didYouMeanSuffix("shw", ["show"]), "; did you mean 'show'?");
});

Deno.test("didYouMean() prefers the candidate of the closest length among equally close ones", () => {
  assert.equal(didYouMean("1030", ["100", "1300"]), "1300");
  assert.equal(didYouMean("10", ["100", "1000"]), "100");
});
