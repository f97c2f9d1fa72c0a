import assert from "node:assert/strict";
import { JsonlSink } from "./jsonl_sink.ts";
import { makeSnapshot } from "./_test_utils.ts";

Deno.test({
  name: "JsonlSink creates the folders it needs with mode 0700, and leaves existing ones alone",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.chmod(dir, 0o755);
      const sink = new JsonlSink("file", { path: `${dir}/data/snapshots/garage.jsonl` });
      await sink.write(makeSnapshot());
      await sink.close();
      assert.equal((await Deno.stat(`${dir}/data`)).mode! & 0o777, 0o700);
      assert.equal((await Deno.stat(`${dir}/data/snapshots`)).mode! & 0o777, 0o700);
      assert.equal((await Deno.stat(`${dir}/data/snapshots/garage.jsonl`)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o755);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
