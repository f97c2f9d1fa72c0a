import assert from "node:assert/strict";
import { buildRequest, getFraming, parseReply, type ReadRequest } from "../protocol/mod.ts";
import { FaultSet, seededRandom } from "./faults.ts";
import { type BankRefusal, ModbusResponder, type RegisterBank } from "./modbus_responder.ts";

/** A bank of ten registers at 100..109; register 105 refuses writes. */
function bank(): RegisterBank & { words: number[] } {
  const words = Array.from({ length: 10 }, (_, i) => i * 11);
  return {
    words,
    read(start, quantity): Uint8Array | BankRefusal {
      if (start < 100 || start + quantity > 110) return { code: 2, reason: "outside 100..109" };
      const data = new Uint8Array(2 * quantity);
      for (let i = 0; i < quantity; i++) data[2 * i + 1] = words[start - 100 + i]!;
      return data;
    },
    write(start, values) {
      if (start <= 105 && start + values.length > 105) return { code: 3, reason: "105 is fixed" };
      values.forEach((v, i) => words[start - 100 + i] = v);
      return null;
    },
  };
}

function responder(registers = bank(), faults = new FaultSet(seededRandom(1))) {
  const rtu = getFraming("rtu");
  const hooks = {
    unsolicited: () => rtu.wrapReply(new Uint8Array([1, 3, 2, 0, 1, 0, 0])),
    foreign: () => null,
    short: () => rtu.wrapReply(new Uint8Array([1, 3, 0, 0, 0])),
  };
  return new ModbusResponder(rtu, registers, faults, hooks);
}

Deno.test("ModbusResponder answers reads and writes from its bank, with no vendor in sight", () => {
  const registers = bank();
  const station = responder(registers);
  const read: ReadRequest = { function: 0x03, address: 1, start: 102, quantity: 3 };
  const reply = parseReply(station.respond(buildRequest(read)).reply!, read);
  assert.ok(reply.function === 0x03);
  assert.deepEqual([...reply.data], [0, 22, 0, 33, 0, 44]);
  const write = { function: 0x06, address: 1, register: 101, value: 7 } as const;
  assert.equal(station.respond(buildRequest(write)).outcome, "reply");
  assert.equal(registers.words[1], 7);
  const multi = { function: 0x10, address: 1, start: 103, values: [1, 2] } as const;
  assert.equal(station.respond(buildRequest(multi)).outcome, "reply");
  assert.deepEqual(registers.words.slice(3, 5), [1, 2]);
  assert.deepEqual(station.stats, {
    requests: 3,
    replies: 3,
    exceptions: 0,
    ignored: 0,
    faults: 0,
  });
});

Deno.test("ModbusResponder turns the bank's refusals into exceptions and ignores bad frames", () => {
  const station = responder();
  const outside: ReadRequest = { function: 0x03, address: 1, start: 200, quantity: 1 };
  const response = station.respond(buildRequest(outside));
  assert.equal(response.outcome, "exception");
  assert.equal(response.reason, "outside 100..109");
  assert.throws(() => parseReply(response.reply!, outside), { exceptionCode: 2 });
  const fixed = { function: 0x10, address: 1, start: 104, values: [1, 2] } as const;
  assert.throws(() => parseReply(station.respond(buildRequest(fixed)).reply!, fixed), {
    exceptionCode: 3,
  });
  const frame = buildRequest(outside);
  frame[frame.length - 1]! ^= 0xff;
  assert.equal(station.respond(frame).outcome, "ignored");
  const other = buildRequest({ ...outside, address: 9 });
  assert.match(station.respond(other).reason ?? "", /address 9 is not the station's 1/);
  assert.throws(() => station.respond("x" as unknown as Uint8Array), TypeError);
});

Deno.test("ModbusResponder applies faults and takes their extra frames from its hooks", () => {
  const faults = new FaultSet(seededRandom(1));
  const station = responder(bank(), faults);
  const read: ReadRequest = { function: 0x03, address: 1, start: 100, quantity: 1 };
  faults.add("unsolicited:1x,short:1x");
  const chatty = station.respond(buildRequest(read));
  assert.deepEqual(chatty.faults, ["unsolicited", "short"]);
  assert.equal(chatty.unsolicited.length, 2);
  assert.equal(chatty.payloads.at(-1), chatty.reply);
  faults.add("silent:1x");
  const silent = station.respond(buildRequest(read));
  assert.equal(silent.outcome, "silent");
  assert.deepEqual(silent.payloads, []);
  assert.equal(station.stats.faults, 2);
});
