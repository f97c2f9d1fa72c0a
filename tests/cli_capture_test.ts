// Frames users can share: `read --record` keeps each request and reply as sent and received,
// `decode --replay` decodes them again offline, to the same values `read` printed. Real CLI
// processes, a simulated station on the embedded broker in this process.
import assert from "node:assert/strict";
import { EmbeddedBroker, SimulatedStation } from "../testing.ts";
import { lines, powerSdk } from "./_support/cli.ts";

const SN = "EL100V2000321";

async function capture() {
  const broker = await EmbeddedBroker.start();
  const station = await SimulatedStation.start({
    profile: "EL100V2",
    sn: SN,
    brokerUrl: broker.url,
  });
  const dir = await Deno.makeTempDir({ prefix: "power_sdk_capture_" });
  const read = [
    "read",
    "--profile",
    "EL100V2",
    "--sn",
    SN,
    "--broker",
    broker.url,
    "--allow-insecure",
  ];
  return {
    read,
    file: `${dir}/capture.jsonl`,
    async [Symbol.asyncDispose]() {
      await station.stop();
      await broker.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("read --record keeps the frames; decode --replay prints the values read printed", async () => {
  await using setup = await capture();
  const read = await powerSdk([...setup.read, "--block", "100", "--json", "--record", setup.file]);
  assert.equal(read.code, 0, read.stderr);
  const live = JSON.parse(read.stdout);

  assert.equal((await Deno.stat(setup.file)).mode! & 0o777, 0o600);
  const [line, ...rest] = lines(await Deno.readTextFile(setup.file)).map((l) => JSON.parse(l));
  assert.deepEqual(rest, []);
  assert.equal(line.v, 1);
  assert.equal(line.profile, "EL100V2");
  assert.equal(line.framing, "rtu");
  assert.equal(line.block, 100);
  assert.equal(line.quantity, 62);
  assert.match(line.request, /^0103/);
  assert.match(line.reply, /^01037c/); // address 1, function 3, 124 data bytes
  assert.ok(!Number.isNaN(Date.parse(line.time)));

  const replay = await powerSdk(["decode", "--replay", setup.file, "--json"]);
  assert.equal(replay.code, 0, replay.stderr);
  const [again] = JSON.parse(replay.stdout);
  assert.equal(again.line, 1);
  assert.deepEqual(again.values, live.values);
  assert.deepEqual(again.labels, live.labels);

  const text = await powerSdk(["decode", "--replay", setup.file]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /^APP_HOME_DATA \(block 100\), .*capture\.jsonl:1, .*: 124 data bytes \(rtu framing, EL100V2\)/,
  );
  assert.match(text.stdout, new RegExp(`^soc +${live.values.soc} +%$`, "m"));
});

Deno.test("a capture never holds the reply of a block with secrets", async () => {
  await using setup = await capture();
  // The simulated station refuses 12002 (Wi-Fi settings) with an exception reply: still a reply
  // of the block, so it is left out.
  await powerSdk([...setup.read, "--block", "12002", "--record", setup.file]);
  const [line] = lines(await Deno.readTextFile(setup.file)).map((l) => JSON.parse(l));
  assert.equal(line.block, 12002);
  assert.equal(line.reply, null);
  assert.equal(line.redacted, true);
  const replay = await powerSdk(["decode", "--replay", setup.file]);
  assert.equal(replay.code, 0, replay.stderr);
  assert.match(
    replay.stdout,
    /IOT_WIFI_SETTINGS \(block 12002\), .*: the reply was left out of the capture/,
  );
});

Deno.test("decode --replay checks each reply: a damaged one fails on its own line, exit 1", async () => {
  await using setup = await capture();
  await powerSdk([...setup.read, "--block", "100", "--record", setup.file]);
  await powerSdk([...setup.read, "--block", "100", "--record", setup.file]);
  const [first, second] = lines(await Deno.readTextFile(setup.file)).map((l) => JSON.parse(l));
  // Flip one data byte of the second reply: its CRC no longer matches.
  const reply: string = second.reply;
  const damaged = reply.slice(0, 20) + (reply[20] === "0" ? "1" : "0") + reply.slice(21);
  await Deno.writeTextFile(
    setup.file,
    `${JSON.stringify(first)}\n${JSON.stringify({ ...second, reply: damaged })}\n`,
  );
  const replay = await powerSdk(["decode", "--replay", setup.file]);
  assert.equal(replay.code, 1);
  assert.match(replay.stdout, /capture\.jsonl:1/);
  const errors = lines(replay.stderr);
  assert.equal(errors.length, 1);
  assert.ok(errors[0]!.startsWith(`error: PROTOCOL_CRC: ${setup.file}:2: block 100: `), errors[0]!);
});

Deno.test("decode --replay names the line of a capture it cannot read, and its usage", async () => {
  await using setup = await capture();
  await Deno.writeTextFile(setup.file, '{"v":1,"framing":"rtu","block":100}\nnot json\n');
  const bad = await powerSdk(["decode", "--replay", setup.file]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, new RegExp(`^error: CONFIG_INVALID: ${setup.file}:1: 'quantity'`));
  const usage = await powerSdk(["decode", "--replay", setup.file, "--block", "100"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^error: option '--block' does not go with '--replay'/);
});

Deno.test("runtime with a record sink keeps each poll's frames; decode --replay gives the values the runtime read", async () => {
  await using setup = await capture();
  const dir = setup.file.slice(0, setup.file.lastIndexOf("/"));
  const port = new URL(setup.read[6]!).port;
  const config = `${dir}/runtime.yaml`;
  // The frames reach the record sink through a composite, beside a jsonl sink that must not
  // see them; the capture's folder does not exist yet.
  await Deno.writeTextFile(
    config,
    `version: 1
pipelines: { lan: { transport: mqtt, vendor: bluetti, protocol: v2 } }
defaults:
  transport: { opts: { broker: "mqtt://127.0.0.1", port: ${port}, allow_insecure: true } }
devices:
  - { id: garage, pipeline: lan, profile_id: EL100V2, groups: [core], sink: both, transport: { opts: { device_sn: ${SN} } } }
sinks:
  capture: { type: record, path: captures/frames.jsonl }
  snapshots: { type: jsonl, path: snapshots.jsonl }
  both: { type: composite, sinks: [capture, snapshots] }
`,
  );
  const run = await powerSdk(["runtime", "--config", config, "--once"]);
  assert.equal(run.code, 0, run.stderr);
  const file = `${dir}/captures/frames.jsonl`;
  assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
  assert.equal((await Deno.stat(`${dir}/captures`)).mode! & 0o777, 0o700);
  const frames = lines(await Deno.readTextFile(file)).map((l) => JSON.parse(l));
  const [snapshot] = lines(await Deno.readTextFile(`${dir}/snapshots.jsonl`)).map((l) =>
    JSON.parse(l)
  );
  assert.equal(snapshot.ok, true);
  assert.ok(!("frames" in snapshot) && !JSON.stringify(snapshot).includes(frames[0].reply));
  // One line per block the group read, in order, each naming the device.
  assert.deepEqual(
    frames.map((f) => f.block),
    snapshot.blocks.map((b: { blockId: number }) => b.blockId),
  );
  for (const frame of frames) {
    assert.equal(frame.v, 1);
    assert.equal(frame.device, "garage");
    assert.equal(frame.profile, "EL100V2");
    assert.equal(frame.framing, "rtu");
    assert.match(frame.reply, /^0103/);
  }

  const replay = await powerSdk(["decode", "--replay", file, "--json"]);
  assert.equal(replay.code, 0, replay.stderr);
  const decoded = JSON.parse(replay.stdout);
  assert.equal(decoded.length, snapshot.blocks.length);
  for (const [i, block] of snapshot.blocks.entries()) {
    assert.equal(decoded[i].blockId, block.blockId);
    assert.deepEqual(decoded[i].values, block.values);
  }
});
