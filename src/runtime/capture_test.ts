import assert from "node:assert/strict";
import { SchemaRegistry } from "../parser/registry.ts";
import { BLUETTI_V2_BLOCKS } from "../plugins/bluetti_v2/blocks.ts";
import { buildReadReply } from "../protocol/build_reply.ts";
import { buildRequest } from "../protocol/build_request.ts";
import type { Transport } from "../transport/types.ts";
import { type CaptureLine, RecordingTransport } from "./capture.ts";

/** A transport that answers every request with `reply`. */
function answering(reply: Uint8Array): Transport {
  return { request: () => Promise.resolve(reply) } as unknown as Transport;
}

function recording(reply: Uint8Array) {
  const lines: CaptureLine[] = [];
  const transport = new RecordingTransport(answering(reply), {
    framing: "rtu",
    profile: "EL100V2",
    device: "garage",
    registry: new SchemaRegistry(BLUETTI_V2_BLOCKS),
    record: (line) => lines.push(line),
  });
  return { lines, transport };
}

Deno.test("RecordingTransport records a read's request and reply as hex, with the device", async () => {
  const reply = buildReadReply(1, Uint8Array.from([0x14, 0xc1, 0x00, 0x00, 0x00, 0x5f]));
  const { lines, transport } = recording(reply);
  const request = buildRequest({ function: 0x03, address: 1, start: 100, quantity: 3 });
  assert.equal(await transport.request(request, () => true), reply);
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.equal(line!.device, "garage");
  assert.equal(line!.block, 100);
  assert.equal(line!.quantity, 3);
  assert.equal(line!.request, Array.from(request, (b) => b.toString(16).padStart(2, "0")).join(""));
  assert.equal(line!.reply, Array.from(reply, (b) => b.toString(16).padStart(2, "0")).join(""));
  assert.equal(line!.redacted, undefined);
});

Deno.test("RecordingTransport leaves out the reply of a block that holds secrets", async () => {
  const secret = new TextEncoder().encode("hunter2-admin-pw".padEnd(40, "\0"));
  const reply = buildReadReply(1, secret);
  const { lines, transport } = recording(reply);
  const request = buildRequest({ function: 0x03, address: 1, start: 2200, quantity: 20 });
  await transport.request(request, () => true);
  assert.equal(lines[0]!.block, 2200);
  assert.equal(lines[0]!.reply, null);
  assert.equal(lines[0]!.redacted, true);
  assert.ok(
    !JSON.stringify(lines).includes(
      Array.from(secret.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(""),
    ),
  );
});

Deno.test("RecordingTransport records no write, and never fails an exchange it cannot read back", async () => {
  const reply = Uint8Array.from([1, 2, 3]);
  const { lines, transport } = recording(reply);
  const write = buildRequest({ function: 0x06, address: 1, register: 3001, value: 1 });
  assert.equal(await transport.request(write, () => true), reply);
  assert.equal(await transport.request(Uint8Array.from([0xff]), () => true), reply);
  assert.deepEqual(lines, []);
});
