import assert from "node:assert/strict";
import { randomClientSuffix } from "./mqtt_client.ts";

Deno.test("randomClientSuffix() gives two lowercase hex digits per byte, different each time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const suffix = randomClientSuffix(6);
    assert.match(suffix, /^[0-9a-f]{12}$/);
    seen.add(suffix);
  }
  assert.equal(seen.size, 100);
  assert.match(randomClientSuffix(4), /^[0-9a-f]{8}$/);
});
