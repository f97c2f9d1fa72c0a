/**
 * Transforms: the typed steps applied to an integer after its datatype is decoded (`scale`,
 * `minus`, `bitmask`, ...). A chain is parsed and checked once, when a field is defined, and
 * runs on exact decimal units, so `scale:0.1` of 2266 is 226.6 with no float noise.
 *
 * @module
 */
import { SchemaDefinitionError } from "../errors/errors.ts";
import { decimalsOf, pow10, toUnits } from "./_decimal.ts";
import type { TransformDef, TransformSpec } from "./types.ts";

/**
 * Parse one transform from its string form (`scale:0.1`) or check its typed form.
 *
 * @param spec The transform.
 * @returns The typed form.
 * @throws {SchemaDefinitionError} `SCHEMA_INVALID_TRANSFORM` for an unknown or malformed one.
 *
 * @example Parse the string form
 * ```ts
 * import { parseTransform } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseTransform("scale:0.1"), { op: "scale", factor: 0.1 });
 * assert.deepEqual(parseTransform("bitmask:3fff"), { op: "bitmask", mask: 0x3fff });
 * assert.throws(() => parseTransform("scale:abc"), /scale factor/);
 * ```
 */
export function parseTransform(spec: TransformSpec): TransformDef {
  const def = typeof spec === "string" ? fromString(spec) : spec;
  checkTransform(def, typeof spec === "string" ? spec : formatTransform(def));
  return def;
}

/**
 * The string form of a transform (`scale:0.1`), as the seed data writes it.
 *
 * @param def The typed transform.
 * @returns Its canonical string form.
 *
 * @example
 * ```ts
 * import { formatTransform } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatTransform({ op: "bitmask", mask: 0x3fff }), "bitmask:0x3fff");
 * assert.equal(formatTransform({ op: "clamp", min: 0, max: 100 }), "clamp:0:100");
 * ```
 */
export function formatTransform(def: TransformDef): string {
  switch (def.op) {
    case "abs":
    case "null_if_zero":
      return def.op;
    case "scale":
      return `scale:${def.factor}`;
    case "minus":
      return `minus:${def.value}`;
    case "bitmask":
      return `bitmask:0x${def.mask.toString(16)}`;
    case "shift":
      return `shift:${def.bits}`;
    case "clamp":
      return `clamp:${def.min}:${def.max}`;
    case "hex_enable_list":
      return `hex_enable_list:${def.mode}:${def.index}`;
  }
}

/** A value an inverse transform produced: the raw integer and which of its bits it sets. */
export interface RawBits {
  /** The raw integer (its bits outside `mask` are zero). */
  readonly raw: number;
  /** Bits of the datatype's integer that the value determines; others keep their old value. */
  readonly mask: number;
}

/**
 * A compiled transform chain over an integer of `bits` bits.
 *
 * @example Compile once, apply many times
 * ```ts
 * import { compileTransforms } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const chain = compileTransforms(["null_if_zero", "minus:40"], 8, false);
 * assert.equal(chain.apply(65), 25);
 * assert.equal(chain.apply(0), null);
 * assert.deepEqual(chain.invert(25), { raw: 65, mask: 0xff });
 * ```
 */
export interface TransformChain {
  /** The steps, typed. */
  readonly steps: readonly TransformDef[];
  /** The steps in string form. */
  readonly specs: readonly string[];
  /** Decimals of the result (0 for integers). */
  readonly decimals: number;
  /** True when a step can make the result null (`null_if_zero`). */
  readonly nullable: boolean;
  /** True when every step can be inverted exactly on the values it produces. */
  readonly invertible: boolean;
  /** Raw integer -> value. */
  apply(raw: number): number | null;
  /**
   * Value -> raw integer and the bits it determines.
   *
   * @throws {RangeError} when the value cannot come out of this chain.
   */
  invert(value: number | null): RawBits;
}

interface Step {
  readonly def: TransformDef;
  readonly dIn: number;
  readonly dOut: number;
  forward(n: number): number | null;
  backward(n: number, mask: number, bits: number): RawBits;
}

/**
 * Parse, check and compile a transform chain, once, when a field is defined.
 *
 * @param specs The transforms, applied left to right.
 * @param bits Width of the integer the datatype yields (8, 16 or 32).
 * @param signed Whether that integer is signed.
 * @returns The compiled chain.
 * @throws {SchemaDefinitionError} `SCHEMA_INVALID_TRANSFORM` for an unknown, malformed or
 * misplaced step (a bit operation after a fractional scale, `hex_enable_list` on a non-16-bit
 * integer).
 *
 * @example Scales never show float noise
 * ```ts
 * import { compileTransforms } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * assert.equal(compileTransforms(["scale:0.1"], 16, false).apply(2266), 226.6);
 * assert.equal(compileTransforms(["bitmask:3fff", "scale:0.001"], 16, false).apply(0xcd05), 3.333);
 * ```
 */
export function compileTransforms(
  specs: readonly TransformSpec[],
  bits: number,
  signed: boolean,
): TransformChain {
  const defs = specs.map(parseTransform);
  const steps: Step[] = [];
  let d = 0;
  for (const [i, def] of defs.entries()) {
    const step = compileStep(def, d, bits, i, defs);
    steps.push(step);
    d = step.dOut;
  }
  const decimals = d;
  const divisor = pow10(decimals);
  const nullable = defs.some((s) => s.op === "null_if_zero");
  const invertible = !defs.some((s) => s.op === "abs" || s.op === "clamp");
  const fullMask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const apply = buildApply(steps, decimals, divisor);

  return {
    steps: defs,
    specs: defs.map(formatTransform),
    decimals,
    nullable,
    invertible,
    apply,
    invert(value: number | null): RawBits {
      let n: number;
      let from = steps.length - 1;
      if (value === null) {
        let k = -1;
        for (let i = steps.length - 1; i >= 0; i--) {
          if (steps[i]!.def.op === "null_if_zero") {
            k = i;
            break;
          }
        }
        if (k < 0) throw new RangeError("null is not a value this field can hold");
        n = 0;
        from = k - 1;
      } else {
        if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
        n = toUnits(value, decimals);
      }
      let mask = fullMask;
      for (let i = from; i >= 0; i--) {
        const r = steps[i]!.backward(n, mask, bits);
        n = r.raw;
        mask = r.mask;
      }
      if (!signed && n < 0) {
        throw new RangeError(`${value} gives raw ${n}, which an unsigned field cannot hold`);
      }
      return { raw: n, mask };
    },
  };
}

function buildApply(
  steps: readonly Step[],
  decimals: number,
  divisor: number,
): (raw: number) => number | null {
  if (steps.length === 0) return identity;
  if (steps.length === 1) {
    const only = steps[0]!;
    if (only.def.op === "scale") {
      const m = toUnits(only.def.factor, decimals);
      if (m === 1) return (raw) => raw / divisor;
      return decimals === 0 ? (raw) => raw * m : (raw) => (raw * m) / divisor;
    }
  }
  const forwards = steps.map((s) => s.forward);
  const count = forwards.length;
  return (raw) => {
    let n: number | null = raw;
    for (let i = 0; i < count; i++) {
      n = forwards[i]!(n);
      if (n === null) return null;
    }
    return decimals === 0 ? n : n / divisor;
  };
}

function identity(raw: number): number {
  return raw;
}

function compileStep(
  def: TransformDef,
  dIn: number,
  bits: number,
  index: number,
  all: readonly TransformDef[],
): Step {
  // Only an error message needs it: a chain that compiles does not format its steps here.
  const where = () =>
    `step ${index + 1} '${formatTransform(def)}' of [${all.map(formatTransform)}]`;
  const needInteger = () => {
    if (dIn !== 0) {
      throw invalid(
        `Cannot compile ${where()}: it needs an integer, but an earlier step makes ${dIn} decimals`,
      );
    }
  };
  switch (def.op) {
    case "abs":
      return {
        def,
        dIn,
        dOut: dIn,
        forward: Math.abs,
        backward(n, mask) {
          if (n < 0) {
            throw new RangeError(`${n / pow10(dIn)} is negative, which abs cannot produce`);
          }
          return { raw: n, mask };
        },
      };
    case "null_if_zero":
      return {
        def,
        dIn,
        dOut: dIn,
        forward: (n) => (n === 0 ? null : n),
        backward: (n, mask) => ({ raw: n, mask }),
      };
    case "scale": {
      const df = decimalsOf(def.factor);
      const dOut = dIn + df;
      const m = toUnits(def.factor, df);
      pow10(dOut);
      return {
        def,
        dIn,
        dOut,
        forward: (n) => n * m,
        backward: (n, _mask, width) => ({ raw: Math.round(n / m), mask: fullOf(width) }),
      };
    }
    case "minus": {
      const dx = decimalsOf(def.value);
      const dOut = Math.max(dIn, dx);
      const up = pow10(dOut - dIn);
      const x = toUnits(def.value, dx) * pow10(dOut - dx);
      return {
        def,
        dIn,
        dOut,
        forward: (n) => n * up - x,
        backward: (n, _mask, width) => ({ raw: Math.round((n + x) / up), mask: fullOf(width) }),
      };
    }
    case "clamp": {
      const dOut = Math.max(dIn, decimalsOf(def.min), decimalsOf(def.max));
      const up = pow10(dOut - dIn);
      const lo = toUnits(def.min, dOut);
      const hi = toUnits(def.max, dOut);
      return {
        def,
        dIn,
        dOut,
        forward: (n) => {
          const v = n * up;
          return v < lo ? lo : v > hi ? hi : v;
        },
        backward(n, mask) {
          if (n < lo || n > hi) {
            throw new RangeError(`${n / pow10(dOut)} is outside ${def.min}..${def.max}`);
          }
          return { raw: Math.round(n / up), mask };
        },
      };
    }
    case "bitmask": {
      needInteger();
      const m = def.mask;
      return {
        def,
        dIn,
        dOut: 0,
        forward: (n) => (n & m) >>> 0,
        backward(n, mask) {
          if (!Number.isInteger(n) || n < 0 || (n & m) >>> 0 !== n) {
            throw new RangeError(`${n} has bits outside mask 0x${m.toString(16)}`);
          }
          return { raw: n, mask: (mask & m) >>> 0 };
        },
      };
    }
    case "shift": {
      needInteger();
      const k = 2 ** def.bits;
      return {
        def,
        dIn,
        dOut: 0,
        forward: (n) => Math.floor(n / k),
        backward(n, mask, width) {
          const full = fullOf(width);
          const raw = n * k;
          if (raw > full || raw < -full - 1) {
            throw new RangeError(`${n} shifted left by ${def.bits} does not fit ${width} bits`);
          }
          return { raw, mask: ((mask * k) & full) >>> 0 };
        },
      };
    }
    case "hex_enable_list": {
      needInteger();
      if (bits !== 16) {
        throw invalid(
          `Cannot compile ${where()}: it reads a 16-bit integer, but the field has ${bits} bits`,
        );
      }
      const size = def.mode === 3 ? 3 : 2;
      const start = def.index * size;
      // Bits are listed most significant first; chunk element j is bit (15 - start - j).
      const positions = Array.from({ length: size }, (_, j) => 15 - start - j);
      return {
        def,
        dIn,
        dOut: 0,
        forward(n) {
          let v = 0;
          for (let j = 0; j < size; j++) v |= ((n >> positions[j]!) & 1) << j;
          return v;
        },
        backward(n) {
          if (!Number.isInteger(n) || n < 0 || n >= 1 << size) {
            throw new RangeError(`${n} is outside 0..${(1 << size) - 1} for a ${size}-bit element`);
          }
          let raw = 0;
          let mask = 0;
          for (let j = 0; j < size; j++) {
            raw |= ((n >> j) & 1) << positions[j]!;
            mask |= 1 << positions[j]!;
          }
          return { raw, mask };
        },
      };
    }
  }
}

function fullOf(width: number): number {
  return width >= 32 ? 0xffffffff : 2 ** width - 1;
}

function invalid(message: string): SchemaDefinitionError {
  return new SchemaDefinitionError("SCHEMA_INVALID_TRANSFORM", message);
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function num(text: string | undefined, what: string, spec: string): number {
  if (text === undefined || !NUMBER.test(text.trim())) {
    throw invalid(
      `Cannot parse transform '${spec}': ${what} must be a number, got '${text ?? ""}'`,
    );
  }
  return Number(text);
}

function int(text: string | undefined, what: string, spec: string, radix = 10): number {
  const t = (text ?? "").trim().toLowerCase();
  const body = radix === 16 ? t.replace(/^0x/, "") : t;
  const ok = radix === 16 ? /^[0-9a-f]+$/.test(body) : /^-?\d+$/.test(body);
  if (!ok) {
    throw invalid(
      `Cannot parse transform '${spec}': ${what} must be an integer, got '${text ?? ""}'`,
    );
  }
  return parseInt(body, radix);
}

function fromString(spec: string): TransformDef {
  const [name, ...args] = spec.split(":");
  const arity = (n: number) => {
    if (args.length !== n) {
      throw invalid(
        `Cannot parse transform '${spec}': '${name}' takes ${n} argument(s), got ${args.length}`,
      );
    }
  };
  switch (name) {
    case "abs":
    case "null_if_zero":
      arity(0);
      return { op: name };
    case "scale":
      arity(1);
      return { op: "scale", factor: num(args[0], "the scale factor", spec) };
    case "minus":
      arity(1);
      return { op: "minus", value: num(args[0], "the value to subtract", spec) };
    case "bitmask":
      arity(1);
      return { op: "bitmask", mask: int(args[0], "the mask (hex)", spec, 16) };
    case "shift":
      arity(1);
      return { op: "shift", bits: int(args[0], "the shift", spec) };
    case "clamp":
      arity(2);
      return {
        op: "clamp",
        min: num(args[0], "the minimum", spec),
        max: num(args[1], "the maximum", spec),
      };
    case "hex_enable_list":
      arity(2);
      return {
        op: "hex_enable_list",
        mode: int(args[0], "the mode", spec),
        index: int(args[1], "the index", spec),
      };
    default:
      throw invalid(
        `Cannot parse transform '${spec}': unknown transform '${name}' (known: abs, scale, minus, bitmask, shift, clamp, hex_enable_list, null_if_zero)`,
      );
  }
}

function checkTransform(def: TransformDef, spec: string): void {
  const fail = (why: string) => {
    throw invalid(`Invalid transform '${spec}': ${why}`);
  };
  switch (def.op) {
    case "abs":
    case "null_if_zero":
      return;
    case "scale":
      if (!Number.isFinite(def.factor) || def.factor === 0) {
        fail(`the scale factor must be finite and non-zero, got ${def.factor}`);
      }
      if (decimalsOf(def.factor) > 9) fail(`the scale factor has more than 9 decimals`);
      return;
    case "minus":
      if (!Number.isFinite(def.value)) fail(`the value must be finite, got ${def.value}`);
      return;
    case "bitmask":
      if (!Number.isInteger(def.mask) || def.mask <= 0 || def.mask > 0xffffffff) {
        fail(`the mask must be an integer in 0x1..0xffffffff, got ${def.mask}`);
      }
      return;
    case "shift":
      if (!Number.isInteger(def.bits) || def.bits < 0 || def.bits > 31) {
        fail(`the shift must be an integer in 0..31, got ${def.bits}`);
      }
      return;
    case "clamp":
      if (!Number.isFinite(def.min) || !Number.isFinite(def.max) || def.min > def.max) {
        fail(`the range must be finite with min \u2264 max, got ${def.min}..${def.max}`);
      }
      return;
    case "hex_enable_list": {
      if (!Number.isInteger(def.mode) || def.mode < 0) {
        fail(`the mode must be a non-negative integer, got ${def.mode}`);
      }
      const count = def.mode === 3 ? 5 : 8;
      if (!Number.isInteger(def.index) || def.index < 0 || def.index >= count) {
        fail(`the index must be in 0..${count - 1} for mode ${def.mode}, got ${def.index}`);
      }
      return;
    }
    default:
      throw invalid(`Invalid transform '${spec}': unknown operation`);
  }
}
