import assert from "node:assert/strict";
import { WriteError } from "../errors/errors.ts";
import { BLUETTI_V2_CONTROL_REGISTERS } from "../plugins/bluetti_v2/control_registers.ts";
import type { ControlRegisterDef } from "./control_register.ts";
import type { DeviceProfile } from "./profile.ts";
import {
  checkWrite,
  describeWrite,
  type ResolvedWrite,
  type WriteContext,
  type WriteRequest,
} from "./write_gates.ts";

const ALL = BLUETTI_V2_CONTROL_REGISTERS.map((r) => r.register);

function profile(writableRegisters: readonly number[] = ALL): DeviceProfile {
  return {
    id: "TEST",
    name: "Test station",
    aliases: [],
    vendor: "BLUETTI",
    protocol: "bluetti_v2",
    protocolVersion: null,
    defaultFraming: "rtu",
    groups: [{ name: "core", blocks: [100], pollIntervalMs: 10_000 }],
    registerCounts: {},
    fieldOverrides: [],
    writableRegisters,
  };
}

function context(overrides: Partial<WriteContext> = {}): WriteContext {
  return {
    profile: profile(),
    controlRegisters: BLUETTI_V2_CONTROL_REGISTERS,
    writesEnabled: true,
    verificationOf: () => "verified_reference",
    ...overrides,
  };
}

function refusedBy(
  request: WriteRequest,
  ctx: WriteContext,
  gate: WriteError["gate"],
  message?: RegExp,
): WriteError {
  try {
    checkWrite(request, ctx);
  } catch (error) {
    assert.ok(error instanceof WriteError, `not a WriteError: ${error}`);
    assert.equal(error.code, "WRITE_REFUSED");
    assert.equal(error.gate, gate, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`checkWrite(${JSON.stringify(request)}) was not refused (expected ${gate})`);
}

Deno.test("checkWrite() resolves a switch, an enum label and a number into the word to send", () => {
  const on = checkWrite({ target: "ac_output", value: "on" }, context());
  assert.deepEqual(
    { ...on, def: on.def.name },
    {
      register: 2011,
      name: "ac_output",
      value: 1,
      label: "on",
      def: "ac_output",
      dangerous: false,
      forced: false,
      verification: "verified_reference",
    },
  );
  const turbo = checkWrite({ target: "charging_mode", value: "turbo" }, context());
  assert.deepEqual([turbo.register, turbo.value, turbo.label], [2020, 2, "turbo"]);
  const grid = checkWrite({ target: 2213, value: 3000 }, context());
  assert.deepEqual([grid.name, grid.value, grid.label], ["grid_max_power", 3000, null]);
});

Deno.test("checkWrite() refuses every write when writes are disabled, before any other gate", () => {
  const ctx = context({ writesEnabled: false });
  const error = refusedBy(
    { target: "ac_output", value: "on" },
    ctx,
    "writes_disabled",
    /^Cannot write register 2011 \(ac_output\): writes are disabled for this device; enable writes for this device \(writes_enabled: true \/ --enable-writes\)$/,
  );
  assert.equal(error.register, 2011);
  // Even an unknown register or a bad value reports the first gate.
  assert.equal(refusedBy({ target: "nope", value: 1 }, ctx, "writes_disabled").register, undefined);
  assert.equal(refusedBy({ target: 9999, value: 1 }, ctx, "writes_disabled").register, 9999);
  refusedBy(
    { target: 2206, value: "maybe", force: true, confirmDangerous: true },
    ctx,
    "writes_disabled",
  );
});

Deno.test("checkWrite() finds a register by name (case, dashes, spaces ignored) or by number", () => {
  for (const target of ["ac_output", "AC-Output", " ac output ", 2011, "2011"]) {
    assert.equal(checkWrite({ target, value: "on" }, context()).register, 2011, String(target));
  }
});

Deno.test("checkWrite() refuses an unknown register with a did-you-mean for names", () => {
  const typo = refusedBy(
    { target: "ac_outptu", value: "on" },
    context(),
    "unknown_register",
    /^Cannot write 'ac_outptu': no control register has that name; did you mean 'ac_output'\?; known control registers are 2011 ac_output, /,
  );
  assert.equal(typo.register, undefined);
  refusedBy(
    { target: "launch_rocket", value: "on" },
    context(),
    "unknown_register",
    /has that name; known/,
  );
  const number = refusedBy(
    { target: 2010, value: 1 },
    context(),
    "unknown_register",
    /^Cannot write register 2010: it is not a control register; known control registers are/,
  );
  assert.equal(number.register, 2010);
  refusedBy({ target: 2011.5, value: 1 }, context(), "unknown_register");
  refusedBy(
    { target: "ac_output", value: 1 },
    context({ controlRegisters: [] }),
    "unknown_register",
    /no control registers are known/,
  );
});

Deno.test("checkWrite() refuses a register the profile does not allow-list", () => {
  const ctx = context({ profile: profile([2011]) });
  assert.equal(checkWrite({ target: 2011, value: 1 }, ctx).register, 2011);
  const error = refusedBy(
    { target: "dc_output", value: "on" },
    ctx,
    "not_allowed",
    /^Cannot write register 2012 \(dc_output\): profile TEST does not allow-list it \(writable registers: 2011\); only registers in the profile's writableRegisters can be written$/,
  );
  assert.equal(error.register, 2012);
  refusedBy(
    { target: 2011, value: 1 },
    context({ profile: profile([]) }),
    "not_allowed",
    /writable registers: none/,
  );
});

Deno.test("checkWrite() accepts on/off/true/false/1/0 for a switch and nothing else", () => {
  const cases: [WriteRequest["value"], number, string][] = [
    ["on", 1, "on"],
    ["ON", 1, "on"],
    [true, 1, "on"],
    ["true", 1, "on"],
    [1, 1, "on"],
    ["1", 1, "on"],
    ["off", 0, "off"],
    [false, 0, "off"],
    ["false", 0, "off"],
    [0, 0, "off"],
    [" 0 ", 0, "off"],
  ];
  for (const [value, word, label] of cases) {
    const write = checkWrite({ target: "dc_output", value }, context());
    assert.deepEqual([write.value, write.label], [word, label], String(value));
  }
  for (const value of ["maybe", 2, -1, "yes", "", 0.5]) {
    const error = refusedBy(
      { target: "dc_output", value },
      context(),
      "invalid_value",
      /is not a switch value; use on\/off, true\/false or 1\/0$/,
    );
    assert.equal(error.register, 2012);
  }
});

Deno.test("checkWrite() accepts an enum's labels and listed numbers only", () => {
  for (
    const [value, word, label] of [
      ["silent", 1, "silent"],
      ["TURBO", 2, "turbo"],
      [4, 4, "custom"],
      ["0", 0, "standard"],
    ] as const
  ) {
    const write = checkWrite({ target: "charging_mode", value }, context());
    assert.deepEqual([write.value, write.label], [word, label], String(value));
  }
  for (const value of ["fast", 3, "3", true, 2.5]) {
    refusedBy(
      { target: "charging_mode", value },
      context(),
      "invalid_value",
      /is not one of its values; use standard \(0\), silent \(1\), turbo \(2\) or custom \(4\)$/,
    );
  }
});

Deno.test("checkWrite() accepts an integer within min..max for a number register", () => {
  assert.equal(checkWrite({ target: "grid_max_power", value: 300 }, context()).value, 300);
  assert.equal(checkWrite({ target: "grid_max_power", value: 6000 }, context()).value, 6000);
  assert.equal(checkWrite({ target: "grid_max_power", value: "4500" }, context()).value, 4500);
  assert.equal(checkWrite({ target: "feed_in_max_power", value: 0 }, context()).value, 0);
  refusedBy(
    { target: "grid_max_power", value: 7000 },
    context(),
    "invalid_value",
    /^Cannot write register 2213 \(grid_max_power\): 7000 W is outside 300\.\.6000 W; use an integer from 300 to 6000 W$/,
  );
  refusedBy({ target: "grid_max_power", value: 299 }, context(), "invalid_value", /outside/);
  refusedBy(
    { target: "grid_max_power", value: 3000.5 },
    context(),
    "invalid_value",
    /not an integer/,
  );
  refusedBy(
    { target: "grid_max_power", value: "lots" },
    context(),
    "invalid_value",
    /not a number/,
  );
  refusedBy({ target: "grid_max_power", value: true }, context(), "invalid_value", /not a number/);
  refusedBy({ target: "dc_eco_hours", value: 5 }, context(), "invalid_value", /1\.\.4 h/);
});

Deno.test("checkWrite() never resolves a word outside 0..65535", () => {
  const wide: ControlRegisterDef[] = [
    {
      register: 3000,
      name: "raw",
      kind: "number",
      dangerous: false,
      description: "",
      function: 0x06,
    },
    {
      register: 3001,
      name: "odd_enum",
      kind: "enum",
      values: { big: 70000, small: 1 },
      dangerous: false,
      description: "",
      function: 0x06,
    },
  ];
  const ctx = context({ controlRegisters: wide, profile: profile([3000, 3001]) });
  assert.equal(checkWrite({ target: "raw", value: 65535 }, ctx).value, 65535);
  refusedBy({ target: "raw", value: 65536 }, ctx, "invalid_value", /0\.\.65535/);
  refusedBy({ target: "raw", value: -1 }, ctx, "invalid_value", /0\.\.65535/);
  refusedBy({ target: "odd_enum", value: "big" }, ctx, "invalid_value", /not a 16-bit word/);
  assert.equal(checkWrite({ target: "odd_enum", value: "small" }, ctx).value, 1);
});

Deno.test("checkWrite() refuses a register of a block that is not verified unless forced", () => {
  for (const status of ["device_verified", "verified_reference"]) {
    const write = checkWrite(
      { target: 2011, value: 1, force: true },
      context({ verificationOf: () => status }),
    );
    assert.equal(write.forced, false, "force is not needed, so not used");
  }
  const partial = context({
    verificationOf: (r) => (r === 2213 ? "partial" : "verified_reference"),
  });
  const error = refusedBy(
    { target: 2213, value: 3000 },
    partial,
    "unverified_block",
    /^Cannot write register 2213 \(grid_max_power\): the block holding it is only 'partial' \(its layout is not verified\); pass --force \(force: true\) to write to a block whose layout is only 'partial'$/,
  );
  assert.equal(error.register, 2213);
  const forced = checkWrite({ target: 2213, value: 3000, force: true }, partial);
  assert.deepEqual([forced.forced, forced.verification], [true, "partial"]);
  assert.equal(checkWrite({ target: 2011, value: 1 }, partial).forced, false);

  refusedBy(
    { target: 2011, value: 1 },
    context({ verificationOf: () => "unverified" }),
    "unverified_block",
    /'unverified'/,
  );
  const none = context({ verificationOf: () => null });
  refusedBy(
    { target: 2011, value: 1 },
    none,
    "unverified_block",
    /no known block holds it.*--force/,
  );
  assert.equal(checkWrite({ target: 2011, value: 1, force: true }, none).verification, null);
  refusedBy({ target: 2011, value: 1, force: false }, none, "unverified_block");
});

Deno.test("checkWrite() refuses a dangerous register without confirmDangerous; force does not help", () => {
  for (
    const [register, name] of [[2013, "system_power_off"], [2206, "factory_reset"], [
      2233,
      "battery_aging",
    ]] as const
  ) {
    const message = new RegExp(
      `register ${register} \\(${name}\\) is dangerous \\(.*\\): pass --confirm-dangerous \\(confirmDangerous: true\\) to write it; --force does not cover it$`,
    );
    refusedBy({ target: register, value: "on" }, context(), "needs_confirmation", message);
    refusedBy(
      { target: name, value: "off", force: true },
      context(),
      "needs_confirmation",
      message,
    );
    const write = checkWrite({ target: register, value: "on", confirmDangerous: true }, context());
    assert.deepEqual([write.register, write.value, write.dangerous], [register, 1, true]);
  }
  // The block gate comes first: confirmation does not replace force.
  const partial = context({ verificationOf: () => "partial" });
  refusedBy({ target: 2206, value: 1, confirmDangerous: true }, partial, "unverified_block");
  refusedBy({ target: 2206, value: 1, force: true }, partial, "needs_confirmation");
  const both = checkWrite({ target: 2206, value: 1, force: true, confirmDangerous: true }, partial);
  assert.deepEqual([both.forced, both.dangerous], [true, true]);
  // A non-dangerous register ignores the confirmation.
  assert.equal(
    checkWrite({ target: 2011, value: 1, confirmDangerous: true }, context()).dangerous,
    false,
  );
});

Deno.test("checkWrite() applies the gates in their documented order", () => {
  // Fails everything from not_allowed on: the earliest gate wins at each step.
  const bad: WriteRequest = { target: 2206, value: "maybe" };
  let ctx = context({ profile: profile([]), verificationOf: () => "partial" });
  refusedBy(bad, ctx, "not_allowed");
  ctx = { ...ctx, profile: profile() };
  refusedBy(bad, ctx, "invalid_value");
  refusedBy({ ...bad, value: "on" }, ctx, "unverified_block");
  refusedBy({ ...bad, value: "on", force: true }, ctx, "needs_confirmation");
  assert.equal(
    checkWrite({ ...bad, value: "on", force: true, confirmDangerous: true }, ctx).value,
    1,
  );
});

Deno.test("checkWrite() does not call back for anything but the verification of the register", () => {
  const asked: number[] = [];
  const ctx = context({
    verificationOf: (register) => {
      asked.push(register);
      return "verified_reference";
    },
  });
  checkWrite({ target: "feed_in", value: "on" }, ctx);
  assert.deepEqual(asked, [2208]);
  assert.throws(() => checkWrite({ target: "feed_in", value: "maybe" }, ctx), WriteError);
  assert.deepEqual(asked, [2208], "no verification asked for a refused value");
});

Deno.test("describeWrite() names the register, the word, its label or unit and the flags", () => {
  const write = (request: WriteRequest, ctx = context()): ResolvedWrite => checkWrite(request, ctx);
  assert.equal(
    describeWrite(write({ target: "ac_output", value: "on" })),
    "ac_output (register 2011) = 1 (on)",
  );
  assert.equal(
    describeWrite(write({ target: 2020, value: "custom" })),
    "charging_mode (register 2020) = 4 (custom)",
  );
  assert.equal(
    describeWrite(write({ target: 2213, value: 3000 })),
    "grid_max_power (register 2213) = 3000 W",
  );
  assert.equal(
    describeWrite(write({ target: 2206, value: 1, confirmDangerous: true })),
    "factory_reset (register 2206) = 1 (on) [dangerous, confirmed]",
  );
  assert.equal(
    describeWrite(
      write({ target: 2011, value: 0, force: true }, context({ verificationOf: () => "partial" })),
    ),
    "ac_output (register 2011) = 0 (off) [forced: block 'partial']",
  );
  assert.equal(
    describeWrite(
      write({ target: 2011, value: 0, force: true }, context({ verificationOf: () => null })),
    ),
    "ac_output (register 2011) = 0 (off) [forced: block unknown]",
  );
});
