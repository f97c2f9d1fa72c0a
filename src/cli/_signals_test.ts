import assert from "node:assert/strict";
import { DUPLICATE_SIGNAL_WINDOW_MS, StopSignalHub } from "./_signals.ts";

function fakeProcess() {
  const handlers = new Map<string, () => void>();
  const exits: number[] = [];
  const clock = { now: 0 };
  const hub = new StopSignalHub(["SIGINT", "SIGTERM"], {
    add: (name, handler) => handlers.set(name, handler),
    remove: (name) => handlers.delete(name),
    now: () => clock.now,
    exit: (code) => exits.push(code),
  });
  const send = (name: string) => {
    const handler = handlers.get(name);
    assert.ok(handler, `${name} is not listened to`);
    handler();
  };
  return { hub, handlers, exits, clock, send };
}

Deno.test("StopSignalHub delivers a signal held before the command listens", () => {
  const { hub, send } = fakeProcess();
  hub.hold();
  send("SIGTERM");
  const received: string[] = [];
  hub.listen((signal) => received.push(signal));
  assert.deepEqual(received, ["SIGTERM"]);
});

Deno.test("StopSignalHub drops a repeat of the same signal within the window, not after it", () => {
  const { hub, clock, send } = fakeProcess();
  const received: string[] = [];
  hub.listen((signal) => received.push(signal));
  send("SIGTERM");
  clock.now += DUPLICATE_SIGNAL_WINDOW_MS - 1;
  send("SIGTERM");
  assert.deepEqual(received, ["SIGTERM"]);
  clock.now += 1;
  send("SIGTERM");
  assert.deepEqual(received, ["SIGTERM", "SIGTERM"]);
});

Deno.test("StopSignalHub takes another signal at once as a second request", () => {
  const { hub, send } = fakeProcess();
  const received: string[] = [];
  hub.listen((signal) => received.push(signal));
  send("SIGTERM");
  send("SIGINT");
  assert.deepEqual(received, ["SIGTERM", "SIGINT"]);
});

Deno.test("StopSignalHub ends the process like the default action once the command stopped listening", () => {
  const { hub, exits, clock, send } = fakeProcess();
  hub.hold();
  const unlisten = hub.listen(() => {});
  send("SIGINT");
  unlisten();
  clock.now += 10;
  send("SIGINT"); // the forwarded copy: still dropped
  assert.deepEqual(exits, []);
  clock.now += DUPLICATE_SIGNAL_WINDOW_MS;
  send("SIGINT");
  assert.deepEqual(exits, [130]);
});

Deno.test("StopSignalHub.release() exits with 143 for a held SIGTERM, else gives the signals back", () => {
  const early = fakeProcess();
  early.hub.hold();
  early.send("SIGTERM");
  early.hub.release();
  assert.deepEqual(early.exits, [143]);

  const quiet = fakeProcess();
  quiet.hub.hold();
  assert.equal(quiet.handlers.size, 2);
  quiet.hub.release();
  assert.deepEqual(quiet.exits, []);
  assert.equal(quiet.handlers.size, 0);
});
