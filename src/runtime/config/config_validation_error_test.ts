import assert from "node:assert/strict";
import { ConfigError } from "../../errors/errors.ts";
import {
  type ConfigIssue,
  ConfigValidationError,
  formatConfigIssue,
} from "./config_validation_error.ts";

const issue = (path: string, line: number | null, column: number | null): ConfigIssue => ({
  code: "CONFIG_INVALID",
  path,
  line,
  column,
  message: "expected something",
});

Deno.test("ConfigValidationError sorts its issues in file order, unpositioned ones last", () => {
  const error = new ConfigValidationError(
    [issue("c", null, null), issue("b", 3, 9), issue("a", 3, 2), issue("d", 1, 5)],
    { file: "runtime.yaml" },
  );
  assert.ok(error instanceof ConfigError);
  assert.equal(error.name, "ConfigValidationError");
  assert.deepEqual(error.issues.map((i) => i.path), ["d", "a", "b", "c"]);
  assert.deepEqual([error.file, error.line, error.column, error.path], ["runtime.yaml", 1, 5, "d"]);
  assert.deepEqual(error.message.split("\n"), [
    "Cannot load the runtime configuration: 4 problems in runtime.yaml",
    "runtime.yaml:1:5: d: expected something",
    "runtime.yaml:3:2: a: expected something",
    "runtime.yaml:3:9: b: expected something",
    "runtime.yaml: c: expected something",
  ]);
});

Deno.test("ConfigValidationError says 1 problem and names a whole-file issue", () => {
  const error = new ConfigValidationError([issue("", 1, 1)]);
  assert.equal(
    error.message,
    "Cannot load the runtime configuration: 1 problem in <config>\n<config>:1:1: (file): expected something",
  );
  assert.equal(error.line, 1);
});

Deno.test("ConfigValidationError refuses an empty issue list", () => {
  assert.throws(() => new ConfigValidationError([]), RangeError);
});

Deno.test("formatConfigIssue() prints file:line:column: path: message", () => {
  assert.equal(
    formatConfigIssue(issue("a.b", 2, 7), "f.yaml"),
    "f.yaml:2:7: a.b: expected something",
  );
  assert.equal(
    formatConfigIssue(issue("a.b", null, null), "f.yaml"),
    "f.yaml: a.b: expected something",
  );
});
