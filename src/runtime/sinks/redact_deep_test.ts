import assert from "node:assert/strict";
import { redactDeep } from "./redact_deep.ts";
import { makeSnapshot } from "./_test_utils.ts";

Deno.test("redactDeep() redacts secret keys at any depth, any case, any separator", () => {
  const input = {
    password: "a",
    Passwd: "b",
    client_secret: "c",
    accessToken: "d",
    PASSPHRASE: "e",
    "cert-password": "f",
    certPassword: "g",
    private_key: "h",
    key_pem: "i",
    pfx: "j",
    nested: { wifi: { password: "k", ssid: "home" }, list: [{ adv_login_password: "l" }] },
    wifi_no_password_enable: 1,
    soc: 87,
  };
  assert.deepEqual(redactDeep(input), {
    password: "[redacted]",
    Passwd: "[redacted]",
    client_secret: "[redacted]",
    accessToken: "[redacted]",
    PASSPHRASE: "[redacted]",
    "cert-password": "[redacted]",
    certPassword: "[redacted]",
    private_key: "[redacted]",
    key_pem: "[redacted]",
    pfx: "[redacted]",
    nested: {
      wifi: { password: "[redacted]", ssid: "home" },
      list: [{ adv_login_password: "[redacted]" }],
    },
    wifi_no_password_enable: 1,
    soc: 87,
  });
});

Deno.test("redactDeep() redacts a whole object under a secret key and keeps null", () => {
  assert.deepEqual(redactDeep({ token: { a: 1 }, password: null, secret: undefined }), {
    token: "[redacted]",
    password: null,
    secret: undefined,
  });
});

Deno.test("redactDeep() applies extra keys and ignores empty ones", () => {
  assert.deepEqual(redactDeep({ serial: "X1", api_key: "k", soc: 1 }, ["Serial", "API-KEY", ""]), {
    serial: "[redacted]",
    api_key: "[redacted]",
    soc: 1,
  });
});

Deno.test("redactDeep() replaces binary data with [bytes]", () => {
  const out = redactDeep({
    raw: new Uint8Array([1, 2]),
    view: new DataView(new ArrayBuffer(2)),
    buffer: new ArrayBuffer(4),
    words: new Uint16Array(2),
    list: [new Uint8Array(1)],
  });
  assert.deepEqual(out, {
    raw: "[bytes]",
    view: "[bytes]",
    buffer: "[bytes]",
    words: "[bytes]",
    list: ["[bytes]"],
  });
  assert.equal(redactDeep(new Uint8Array(3)), "[bytes]");
});

Deno.test("redactDeep() replaces a cycle with [circular] but copies shared objects", () => {
  const shared = { soc: 1 };
  const node: Record<string, unknown> = { name: "a", left: shared, right: shared };
  node.self = node;
  node.list = [node];
  assert.deepEqual(redactDeep(node), {
    name: "a",
    left: { soc: 1 },
    right: { soc: 1 },
    self: "[circular]",
    list: ["[circular]"],
  });
});

Deno.test("redactDeep() converts Map, Set and Date and leaves primitives alone", () => {
  const at = new Date(0);
  const out = redactDeep({
    map: new Map<unknown, unknown>([["token", "x"], [1, "one"]]),
    set: new Set([1, 2]),
    at,
  }) as { at: Date };
  assert.deepEqual(out, { map: { token: "[redacted]", 1: "one" }, set: [1, 2], at: new Date(0) });
  assert.notEqual(out.at, at);
  for (const value of [1, "s", true, null, undefined, 10n]) assert.equal(redactDeep(value), value);
});

Deno.test("redactDeep() never changes its input", () => {
  const snapshot = makeSnapshot({
    values: { wifi: { password: "hunter22" }, raw: new Uint8Array(2) },
  });
  const before = structuredClone(snapshot);
  const out = redactDeep(snapshot) as typeof snapshot;
  assert.deepEqual(snapshot, before);
  assert.deepEqual(out.blocks[0]?.values, { wifi: { password: "[redacted]" }, raw: "[bytes]" });
});
