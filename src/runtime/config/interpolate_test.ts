import assert from "node:assert/strict";
import { ConfigError } from "../../errors/errors.ts";
import { interpolateEnv } from "./interpolate.ts";

const VARS: Record<string, string> = { SN: "2237000012345", EMPTY: "", HOST: "broker.local" };
const env = (name: string): string | undefined => VARS[name];

Deno.test("interpolateEnv() replaces ${VAR} and keeps an empty value", () => {
  assert.equal(interpolateEnv("${SN}", env, "p"), "2237000012345");
  assert.equal(interpolateEnv("sn-${SN}-x", env, "p"), "sn-2237000012345-x");
  assert.equal(interpolateEnv("[${EMPTY}]", env, "p"), "[]");
  assert.equal(interpolateEnv("${SN}${HOST}", env, "p"), "2237000012345broker.local");
});

Deno.test("interpolateEnv() uses :- defaults when unset or empty, - defaults only when unset", () => {
  assert.equal(
    interpolateEnv("${MQTT_BROKER:-iot.bluettipower.com}", env, "p"),
    "iot.bluettipower.com",
  );
  assert.equal(interpolateEnv("${HOST:-iot.bluettipower.com}", env, "p"), "broker.local");
  assert.equal(interpolateEnv("${EMPTY:-d}", env, "p"), "d");
  assert.equal(interpolateEnv("${EMPTY-d}", env, "p"), "");
  assert.equal(interpolateEnv("${UNSET-d}", env, "p"), "d");
  assert.equal(interpolateEnv("${UNSET:-}", env, "p"), "");
  assert.equal(interpolateEnv("${UNSET:-a:b-c}", env, "p"), "a:b-c");
});

Deno.test("interpolateEnv() evaluates nested defaults lazily", () => {
  assert.equal(interpolateEnv("${UNSET:-${HOST}}", env, "p"), "broker.local");
  assert.equal(interpolateEnv("${UNSET:-${ALSO_UNSET:-x}}", env, "p"), "x");
  // The default is not evaluated when the variable is set, so its unset variable is no error.
  assert.equal(interpolateEnv("${SN:-${NEVER}}", env, "p"), "2237000012345");
});

Deno.test("interpolateEnv() turns $$ into $ and leaves a lone $ alone", () => {
  assert.equal(interpolateEnv("pa$$word", env, "p"), "pa$word");
  assert.equal(interpolateEnv("$$${SN}", env, "p"), "$2237000012345");
  assert.equal(interpolateEnv("$${SN}", env, "p"), "${SN}");
  assert.equal(interpolateEnv("cost $5 or $HOME or $", env, "p"), "cost $5 or $HOME or $");
  assert.equal(interpolateEnv("${UNSET:-$$}", env, "p"), "$");
});

Deno.test("interpolateEnv() names the variable and the path of an unset value", () => {
  assert.throws(
    () => interpolateEnv("${LIVING_ROOM_SN}", env, "devices[0].transport.opts.device_sn"),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, "CONFIG_ENV_UNSET");
      assert.equal(error.path, "devices[0].transport.opts.device_sn");
      assert.equal(
        error.message,
        "Environment variable LIVING_ROOM_SN is not set (devices[0].transport.opts.device_sn)",
      );
      return true;
    },
  );
});

Deno.test("interpolateEnv() fails with the message of ${VAR:?message} and ${VAR?message}", () => {
  assert.throws(() => interpolateEnv("${PW:?set PW in .env}", env, "a.b"), {
    code: "CONFIG_ENV_UNSET",
    message: "Environment variable PW is not set: set PW in .env (a.b)",
  });
  assert.throws(() => interpolateEnv("${EMPTY:?required}", env, "a.b"), {
    code: "CONFIG_ENV_UNSET",
    message: "Environment variable EMPTY is empty: required (a.b)",
  });
  assert.equal(interpolateEnv("${EMPTY?required}", env, "a.b"), "");
  assert.throws(() => interpolateEnv("${PW?}", env, "a.b"), {
    message: "Environment variable PW is not set (a.b)",
  });
  assert.equal(interpolateEnv("${SN:?required}", env, "a.b"), "2237000012345");
});

Deno.test("interpolateEnv() reports a malformed expression with its column", () => {
  const cases: [string, RegExp][] = [
    ["abc ${SN", /unterminated '\$\{SN' at column 5/],
    ["${", /unterminated '\$\{' at column 1/],
    ["x${}", /expected a variable name after '\$\{' at column 2, found '}'/],
    ["${1A}", /expected a variable name after '\$\{' at column 1, found '1'/],
    ["${SN:x}", /unexpected ':' in '\$\{SN' at column 1/],
    ["${UNSET:-abc", /unterminated '\$\{UNSET' at column 1/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => interpolateEnv(text, env, "devices[0].id"), (error: unknown) => {
      assert.ok(error instanceof ConfigError, text);
      assert.equal(error.code, "CONFIG_INVALID");
      assert.equal(error.path, "devices[0].id");
      assert.match(error.message, message, text);
      assert.match(error.message, /\(devices\[0\]\.id\)$/);
      return true;
    });
  }
});
