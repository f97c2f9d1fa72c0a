import assert from "node:assert/strict";
import { JsonlSink } from "./jsonl_sink.ts";
import { makeSnapshot } from "./_test_utils.ts";

const posix = Deno.build.os !== "windows";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "power_sdk_jsonl_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function readLines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.endsWith("\n"), "the file ends with a newline");
  return text.slice(0, -1).split("\n");
}

Deno.test("JsonlSink creates nested directories and a 0600 file, one line per snapshot", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/a/b/c/snapshots.jsonl`;
    const sink = new JsonlSink("file", { path });
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound); // opened lazily
    for (let seq = 0; seq < 5; seq++) await sink.write(makeSnapshot({ seq }));
    await sink.flush();
    await sink.close();
    if (posix) assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const lines = await readLines(path);
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.map((line) => JSON.parse(line).blocks[0].values.seq), [0, 1, 2, 3, 4]);
    assert.deepEqual(JSON.parse(lines[0]!), makeSnapshot({ seq: 0 }));
  });
});

Deno.test("JsonlSink narrows an existing file's permissions to 0600 and appends", async () => {
  if (!posix) return;
  await withTempDir(async (dir) => {
    const path = `${dir}/old.jsonl`;
    await Deno.writeTextFile(path, '{"old":true}\n', { mode: 0o644 });
    await Deno.chmod(path, 0o644);
    const sink = new JsonlSink("file", { path });
    await sink.write(makeSnapshot());
    await sink.close();
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const lines = await readLines(path);
    assert.deepEqual(JSON.parse(lines[0]!), { old: true });
    assert.equal(JSON.parse(lines[1]!).deviceId, "living_room_battery");
  });
});

Deno.test("JsonlSink redacts secrets at any depth and never writes bytes", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    const sink = new JsonlSink("file", { path, redactKeys: ["serial"] });
    await sink.write(makeSnapshot({
      values: {
        soc: 87,
        cert_password: "p12-pass",
        wifi: { ssid: "home", password: "hunter22", deeper: [{ token: "tok" }] },
        raw: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
        serial: "EL100V2001",
        big: 12n,
      },
    }));
    await sink.close();
    const text = await Deno.readTextFile(path);
    for (const secret of ["p12-pass", "hunter22", 'tok"', "EL100V2001", "222", "173"]) {
      assert.ok(!text.includes(secret), `${secret} is not in the file`);
    }
    assert.deepEqual(JSON.parse(text).blocks[0].values, {
      soc: 87,
      cert_password: "[redacted]",
      wifi: { ssid: "home", password: "[redacted]", deeper: [{ token: "[redacted]" }] },
      raw: "[bytes]",
      serial: "[redacted]",
      big: "12",
    });
  });
});

Deno.test("JsonlSink keeps a line cut by an earlier crash apart from the new ones", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/crashed.jsonl`;
    const complete = [
      JSON.stringify(makeSnapshot({ seq: 0 })),
      JSON.stringify(makeSnapshot({ seq: 1 })),
    ];
    const cut = JSON.stringify(makeSnapshot({ seq: 2 })).slice(0, 40);
    await Deno.writeTextFile(path, complete.join("\n") + "\n" + cut, { mode: 0o600 });

    const sink = new JsonlSink("file", { path });
    await sink.write(makeSnapshot({ seq: 3 }));
    await sink.write(makeSnapshot({ seq: 4 }));
    await sink.close();

    const lines = await readLines(path);
    assert.equal(lines.length, 5);
    assert.equal(JSON.parse(lines[0]!).blocks[0].values.seq, 0);
    assert.equal(JSON.parse(lines[1]!).blocks[0].values.seq, 1);
    assert.equal(lines[2], cut);
    assert.throws(() => JSON.parse(lines[2]!), SyntaxError);
    assert.equal(JSON.parse(lines[3]!).blocks[0].values.seq, 3);
    assert.equal(JSON.parse(lines[4]!).blocks[0].values.seq, 4);
  });
});

Deno.test("JsonlSink adds no blank line to a file that ends cleanly", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/clean.jsonl`;
    for (let run = 0; run < 3; run++) {
      const sink = new JsonlSink("file", { path });
      await sink.write(makeSnapshot({ seq: run }));
      await sink.close();
    }
    const lines = await readLines(path);
    assert.deepEqual(lines.map((line) => JSON.parse(line).blocks[0].values.seq), [0, 1, 2]);
  });
});

Deno.test("JsonlSink lines survive a SIGKILL of the writing process", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/killed/snapshots.jsonl`;
    const sinkUrl = new URL("./jsonl_sink.ts", import.meta.url).href;
    const ready = 200;
    const script = `${dir}/writer.ts`;
    await Deno.writeTextFile(
      script,
      `import { JsonlSink } from ${JSON.stringify(sinkUrl)};
const sink = new JsonlSink("crash", { path: ${JSON.stringify(path)} });
const padding = "x".repeat(8192);
for (let i = 0; ; i++) {
  await sink.write({ deviceId: "d", seq: i, padding, wifi: { password: "hunter22" } } as never);
  if (i + 1 === ${ready}) Deno.stdout.writeSync(new TextEncoder().encode("ready\\n"));
}
`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-lock",
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        script,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("ready\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    if (out.includes("ready\n")) Deno.kill(child.pid, "SIGKILL");
    await reader.cancel();
    const status = await child.status;
    assert.ok(out.includes("ready\n"), `the writer reported ready: ${await stderr}`);
    await stderr;
    assert.equal(status.signal, "SIGKILL");

    const text = await Deno.readTextFile(path);
    const lines = text.split("\n");
    const last = lines.pop()!; // "" when the last line is complete
    assert.ok(lines.length >= ready, `${lines.length} complete lines`);
    lines.forEach((line, index) => {
      const parsed = JSON.parse(line);
      assert.equal(parsed.seq, index);
      assert.equal(parsed.wifi.password, "[redacted]");
    });

    // A new run appends valid lines after whatever the kill left.
    const sink = new JsonlSink("file", { path });
    await sink.write(makeSnapshot({ seq: -1 }));
    await sink.close();
    const after = (await Deno.readTextFile(path)).split("\n");
    assert.equal(after.pop(), "");
    const tail = after.pop()!;
    assert.equal(JSON.parse(tail).blocks[0].values.seq, -1);
    const rest = after.slice(lines.length);
    assert.deepEqual(rest, last === "" ? [] : [last]);
  });
});

Deno.test("JsonlSink rejects a write with a message naming the path", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/file`, "");
    const path = `${dir}/file/sub/snapshots.jsonl`; // a file where a directory should be
    const sink = new JsonlSink("file", { path });
    await assert.rejects(
      sink.write(makeSnapshot()),
      (error: Error) => error.message.startsWith(`Cannot open JSONL file '${path}'`),
    );
    await sink.close();
    await assert.rejects(
      sink.write(makeSnapshot()),
      new RegExp(`Cannot write snapshot to JSONL file '.*': sink 'file' is closed`),
    );
  });
});

Deno.test("JsonlSink rejects a snapshot it cannot encode and goes on", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    const sink = new JsonlSink("file", { path });
    const bad = makeSnapshot({
      values: {
        get boom(): number {
          throw new Error("getter");
        },
      },
    });
    await assert.rejects(sink.write(bad), /cannot encode it: getter/);
    await sink.write(makeSnapshot());
    await sink.close();
    assert.equal((await readLines(path)).length, 1);
  });
});

Deno.test("JsonlSink serializes concurrent writes, flush and close", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/s.jsonl`;
    const sink = new JsonlSink("file", { path });
    const pending = [];
    for (let seq = 0; seq < 20; seq++) pending.push(sink.write(makeSnapshot({ seq })));
    pending.push(sink.flush(), sink.close());
    await Promise.all(pending);
    const lines = await readLines(path);
    assert.deepEqual(lines.map((line) => JSON.parse(line).blocks[0].values.seq), [
      ...Array(20).keys(),
    ]);
    await sink.close(); // twice is fine
    await sink.flush(); // after close: nothing to do
  });
});

Deno.test("JsonlSink rejects an empty path", () => {
  assert.throws(() => new JsonlSink("file", { path: "" }), TypeError);
});

Deno.test("JsonlSink writeMany appends one line per snapshot, in order, after earlier lines", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/snapshots.jsonl`;
    const sink = new JsonlSink("file", { path });
    await sink.write(makeSnapshot({ seq: 0 }));
    await sink.writeMany([1, 2, 3].map((seq) => makeSnapshot({ seq })));
    await sink.writeMany([]);
    await sink.write(makeSnapshot({ seq: 4 }));
    await sink.close();
    const lines = await readLines(path);
    assert.deepEqual(lines.map((line) => JSON.parse(line).blocks[0].values.seq), [0, 1, 2, 3, 4]);
    assert.deepEqual(JSON.parse(lines[2]!), makeSnapshot({ seq: 2 }));
  });
});
