import assert from "node:assert/strict";
import { collectSecret, createTerminal, type PromptSignals, type RawInput } from "./_prompt.ts";

const encoder = new TextEncoder();

/** A raw-capable input that hands out the given chunks, then end of input (or never ends). */
class FakeInput implements RawInput {
  readonly rawModes: boolean[] = [];
  #chunks: (Uint8Array | Error)[];
  #endless: boolean;

  constructor(chunks: (string | number[] | Error)[], options: { endless?: boolean } = {}) {
    this.#chunks = chunks.map((chunk) =>
      typeof chunk === "string"
        ? encoder.encode(chunk)
        : Array.isArray(chunk)
        ? Uint8Array.from(chunk)
        : chunk
    );
    this.#endless = options.endless ?? false;
  }

  get raw(): boolean {
    return this.rawModes.at(-1) ?? false;
  }

  isTerminal(): boolean {
    return true;
  }

  setRaw(mode: boolean): void {
    this.rawModes.push(mode);
  }

  read(buffer: Uint8Array): Promise<number | null> {
    const chunk = this.#chunks.shift();
    if (chunk === undefined) {
      return this.#endless ? new Promise<number | null>(() => {}) : Promise.resolve(null);
    }
    if (chunk instanceof Error) return Promise.reject(chunk);
    assert.ok(chunk.length <= buffer.length);
    buffer.set(chunk);
    return Promise.resolve(chunk.length);
  }
}

Deno.test("collectSecret() returns what was typed up to Enter", async () => {
  assert.equal(await collectSecret(new FakeInput(["hunter2\r"])), "hunter2");
  assert.equal(await collectSecret(new FakeInput(["hun", "ter", "2\n", "ignored"])), "hunter2");
  assert.equal(await collectSecret(new FakeInput(["\r"])), "");
});

Deno.test("collectSecret() edits with Backspace and Ctrl-U, ignores escape sequences", async () => {
  assert.equal(await collectSecret(new FakeInput(["abcx\x7fd\r"])), "abcd");
  assert.equal(await collectSecret(new FakeInput(["ab\x08\x08\x08c\r"])), "c");
  assert.equal(await collectSecret(new FakeInput(["wrong\x15right\r"])), "right");
  // Arrow keys (CSI and SS3 forms), a tab and a bell are not part of a password.
  assert.equal(await collectSecret(new FakeInput(["a\x1b[Db\x1bOAc\t\x07\r"])), "abc");
});

Deno.test("collectSecret() keeps characters of several bytes whole, even split across reads", async () => {
  const bytes = [...encoder.encode("pä")];
  const input = new FakeInput([bytes.slice(0, 2), [...bytes.slice(2), 0x7f], "ß€\r"]);
  assert.equal(await collectSecret(input), "pß€");
});

Deno.test("collectSecret() returns null for Ctrl-C, and for Ctrl-D or end of input on nothing", async () => {
  assert.equal(await collectSecret(new FakeInput(["abc\x03def\r"])), null);
  assert.equal(await collectSecret(new FakeInput(["\x04"])), null);
  assert.equal(await collectSecret(new FakeInput([])), null);
  // With something typed, Ctrl-D is ignored and end of input ends the line.
  assert.equal(await collectSecret(new FakeInput(["ab\x04c\r"])), "abc");
  assert.equal(await collectSecret(new FakeInput(["abc"])), "abc");
});

Deno.test("createTerminal() prompts, reads in raw mode and restores it on every path", async (t) => {
  const cases: [string, (string | Error)[], string | null | Error][] = [
    ["Enter", ["s3cret\r"], "s3cret"],
    ["Ctrl-C", ["s3\x03"], null],
    ["end of input", [], null],
    ["a read error", [new Error("read failed")], new Error("read failed")],
  ];
  for (const [name, chunks, expected] of cases) {
    await t.step(name, async () => {
      const input = new FakeInput(chunks);
      let written = "";
      const read = createTerminal(input).readSecret("Password: ", (text) => written += text);
      if (expected instanceof Error) {
        await assert.rejects(read, { message: expected.message });
      } else {
        assert.equal(await read, expected);
      }
      assert.deepEqual(input.rawModes, [true, false]);
      // The prompt, then the newline the person typed (never echoed itself).
      assert.equal(written, "Password: \n");
    });
  }
});

Deno.test("createTerminal() gives up on a signal and restores raw mode", async () => {
  const input = new FakeInput(["abc"], { endless: true });
  let fire = () => {};
  let listening = false;
  const signals: PromptSignals = {
    listen(onSignal) {
      listening = true;
      fire = onSignal;
      return () => listening = false;
    },
  };
  const read = createTerminal(input, signals).readSecret("Password: ", () => {});
  await Promise.resolve();
  assert.ok(listening);
  assert.ok(input.raw);
  fire();
  assert.equal(await read, null);
  assert.deepEqual(input.rawModes, [true, false]);
  assert.equal(listening, false);
});

Deno.test("createTerminal() reports whether the input is a terminal", () => {
  const input = new FakeInput([]);
  assert.equal(createTerminal(input).isTerminal(), true);
  const pipe: RawInput = {
    isTerminal: () => false,
    setRaw: () => {},
    read: () => Promise.resolve(null),
  };
  assert.equal(createTerminal(pipe).isTerminal(), false);
});
