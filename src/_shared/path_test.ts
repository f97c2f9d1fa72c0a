import assert from "node:assert/strict";
import * as node from "node:path";
import { basename, dirname, isAbsolute, join, resolve } from "./path.ts";

const PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "///a",
  "//a",
  "//a/b",
  "a//b/",
  "a",
  "a/",
  "a//b",
  "./a",
  "../a",
  "a/../..",
  "a/./b/../../c",
  "/a/b/c",
  "/a/b/c/",
  "/a/b/../../..",
  "/..",
  "../../x/./y//",
  "runtime.yaml",
  "certs/a.p12",
  "/etc/power/../power-sdk/runtime.yaml",
  "...",
  "a/.../b",
  ".hidden/..x",
  "x/..",
  "x/../",
];

Deno.test("basename, dirname and isAbsolute give what node:path gives", () => {
  for (const path of PATHS) {
    assert.equal(basename(path), node.basename(path), `basename(${JSON.stringify(path)})`);
    assert.equal(dirname(path), node.dirname(path), `dirname(${JSON.stringify(path)})`);
    assert.equal(isAbsolute(path), node.isAbsolute(path), `isAbsolute(${JSON.stringify(path)})`);
  }
});

Deno.test("join and resolve give what node:path gives, for one and two paths", () => {
  assert.equal(join(), node.join());
  assert.equal(resolve(), node.resolve());
  for (const a of PATHS) {
    assert.equal(join(a), node.join(a), `join(${JSON.stringify(a)})`);
    assert.equal(resolve(a), node.resolve(a), `resolve(${JSON.stringify(a)})`);
    for (const b of PATHS) {
      const args = JSON.stringify([a, b]);
      assert.equal(join(a, b), node.join(a, b), `join(${args})`);
      assert.equal(resolve(a, b), node.resolve(a, b), `resolve(${args})`);
    }
  }
  assert.equal(resolve("/a", "b", "../c", "./d/"), node.resolve("/a", "b", "../c", "./d/"));
  assert.equal(join("a", "", "../..", "b"), node.join("a", "", "../..", "b"));
});
