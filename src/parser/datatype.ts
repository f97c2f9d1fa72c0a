/**
 * Datatypes: how a field's bytes become a raw value and back. Parsed and checked once, when a
 * field is defined; the codecs read straight from a `Uint8Array`.
 *
 * @module
 */
import { SchemaDefinitionError } from "../errors/errors.ts";
import { parseDatatype } from "./datatype_text.ts";
import type { DatatypeDef, DatatypeSpec, IntegerDatatypeDef } from "./types.ts";

export { parseDatatype } from "./datatype_text.ts";

/** A value a datatype decodes to before transforms. */
export type RawValue =
  | number
  | string
  | readonly string[]
  | readonly RawValue[]
  | { readonly [name: string]: number | string };

/** Receives a warning about one value (an unknown enum value, an unnamed bit). */
export type WarnFn = (message: string) => void;

/**
 * A compiled datatype: size, and codecs over a `Uint8Array`.
 *
 * @example Read and write a V2 32-bit integer (low word first)
 * ```ts
 * import { compileDatatype } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const u32lw = compileDatatype("uint32_lw");
 * assert.equal(u32lw.read(new Uint8Array([0xa3, 0x2c, 0x00, 0x01]), 0, () => {}), 107308);
 * const bytes = new Uint8Array(4);
 * u32lw.write(bytes, 0, 33, 0xffffffff);
 * assert.deepEqual([...bytes], [0x00, 0x21, 0x00, 0x00]);
 * ```
 */
export interface Datatype {
  /** The typed definition. */
  readonly def: DatatypeDef;
  /** Canonical text (`uint32_lw`, `string_swapped:12`, `array<uint16>[16/2]`). */
  readonly text: string;
  /** Bytes it spans. */
  readonly size: number;
  /** For integers (and arrays of integers): bit width and signedness, which transforms need. */
  readonly integer: { readonly bits: number; readonly signed: boolean } | null;
  /**
   * Decode at `offset` (the caller made sure `size` bytes are there).
   *
   * @throws {RangeError} when the bytes are not a value of this type (non-ASCII text).
   */
  read(bytes: Uint8Array, offset: number, warn: WarnFn): RawValue;
  /**
   * Why the bytes at `offset` are not a value of this type, or null when they are: the check
   * `read` would throw for, without the cost of an exception (decoders call it first, so
   * garbage decodes as fast as valid data). Absent for types whose every byte pattern is valid.
   */
  readonly invalid?: (bytes: Uint8Array, offset: number) => string | null;
  /**
   * Encode `value` at `offset`; for integers only the bits in `mask` are written.
   *
   * @throws {RangeError} when the value does not fit this type.
   */
  write(bytes: Uint8Array, offset: number, value: unknown, mask: number): void;
}

/**
 * Parse and compile a datatype from its string form (`uint16`, `string_swapped:12`) or its
 * typed form.
 *
 * @param spec The datatype.
 * @returns The compiled datatype.
 * @throws {SchemaDefinitionError} `SCHEMA_INVALID_TYPE` for an unknown or malformed one.
 *
 * @example
 * ```ts
 * import { compileDatatype } from "@power-sdk/sdk/parser";
 * import assert from "node:assert/strict";
 *
 * const model = compileDatatype("string_swapped:12");
 * const bytes = new Uint8Array([0x50, 0x41, 0x30, 0x33, 0x00, 0x30, 0, 0, 0, 0, 0, 0]);
 * assert.equal(model.read(bytes, 0, () => {}), "AP300");
 * assert.throws(() => compileDatatype("uint24"), /Unknown datatype/);
 * ```
 */
export function compileDatatype(spec: DatatypeSpec): Datatype {
  const def = typeof spec === "string" ? parseDatatype(spec) : spec;
  return compileDef(def);
}

function invalidType(message: string): SchemaDefinitionError {
  return new SchemaDefinitionError("SCHEMA_INVALID_TYPE", message);
}

function compileDef(def: DatatypeDef): Datatype {
  switch (def.kind) {
    case "int":
      return compileInteger(def);
    case "string":
      return compileString(def.length, def.swapped === true, def);
    case "serial_u64_rev":
      return compileSerial(def);
    case "bitmap":
      return compileBitmap(def);
    case "enum":
      return compileEnum(def);
    case "array":
      return compileArray(def);
    case "packed":
      return compilePacked(def);
    default:
      throw invalidType(`Unknown datatype kind '${(def as { kind: unknown }).kind}'`);
  }
}

/** Integer reader/writer pair over unsigned raw bits. */
interface IntCodec {
  readonly readSigned: (b: Uint8Array, o: number) => number;
  readonly readUnsigned: (b: Uint8Array, o: number) => number;
  readonly writeUnsigned: (b: Uint8Array, o: number, v: number) => void;
}

function intCodec(def: IntegerDatatypeDef): IntCodec {
  if (def.bytes === 1) {
    return {
      readSigned: (b, o) => (b[o]! << 24) >> 24,
      readUnsigned: (b, o) => b[o]!,
      writeUnsigned: (b, o, v) => {
        b[o] = v;
      },
    };
  }
  if (def.bytes === 2) {
    return {
      readSigned: (b, o) => ((b[o]! << 24) >> 16) | b[o + 1]!,
      readUnsigned: (b, o) => (b[o]! << 8) | b[o + 1]!,
      writeUnsigned: (b, o, v) => {
        b[o] = v >>> 8;
        b[o + 1] = v;
      },
    };
  }
  if (def.wordOrder === "low_first") {
    return {
      readSigned: (b, o) => (((b[o + 2]! << 8) | b[o + 3]!) << 16) | (b[o]! << 8) | b[o + 1]!,
      readUnsigned: (b, o) => ((b[o + 2]! << 8) | b[o + 3]!) * 65536 + ((b[o]! << 8) | b[o + 1]!),
      writeUnsigned: (b, o, v) => {
        b[o] = v >>> 8;
        b[o + 1] = v;
        b[o + 2] = v >>> 24;
        b[o + 3] = v >>> 16;
      },
    };
  }
  return {
    readSigned: (b, o) => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!,
    readUnsigned: (b, o) => b[o]! * 16777216 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!),
    writeUnsigned: (b, o, v) => {
      b[o] = v >>> 24;
      b[o + 1] = v >>> 16;
      b[o + 2] = v >>> 8;
      b[o + 3] = v;
    },
  };
}

function intText(def: IntegerDatatypeDef): string {
  const base = `${def.signed ? "int" : "uint"}${def.bytes * 8}`;
  return def.bytes === 4 && def.wordOrder === "low_first" ? `${base}_lw` : base;
}

function checkInteger(def: IntegerDatatypeDef): void {
  if (![1, 2, 4].includes(def.bytes)) {
    throw invalidType(`Invalid integer datatype: bytes must be 1, 2 or 4, got ${def.bytes}`);
  }
  if (def.wordOrder !== undefined && !["high_first", "low_first"].includes(def.wordOrder)) {
    throw invalidType(`Invalid integer datatype: unknown word order '${def.wordOrder}'`);
  }
}

function compileInteger(def: IntegerDatatypeDef): Datatype {
  checkInteger(def);
  const bits = def.bytes * 8;
  const codec = intCodec(def);
  const full = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  const min = def.signed ? -(2 ** (bits - 1)) : 0;
  const max = def.signed ? 2 ** (bits - 1) - 1 : full;
  const read = def.signed ? codec.readSigned : codec.readUnsigned;
  return {
    def,
    text: intText(def),
    size: def.bytes,
    integer: { bits, signed: def.signed },
    read,
    write(b, o, value, mask) {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new RangeError(`${describe(value)} is not an integer`);
      }
      const fullWrite = mask === full;
      // Partial masks address raw bits; a full write is range-checked against the type.
      if (fullWrite ? value < min || value > max : value < 0 || value > full) {
        throw new RangeError(`${value} does not fit ${intText(def)} (${min}..${max})`);
      }
      const unsigned = value < 0 ? value + full + 1 : value;
      const next = fullWrite
        ? unsigned
        : ((codec.readUnsigned(b, o) & ~mask) | (unsigned & mask)) >>> 0;
      codec.writeUnsigned(b, o, next);
    },
  };
}

/** Why a text field's bytes are not printable ASCII (up to its first NUL), or null. */
function invalidText(b: Uint8Array, o: number, length: number, flip: number): string | null {
  for (let i = 0; i < length; i++) {
    const c = b[o + (i ^ flip)]!;
    if (c === 0) return null;
    if (c > 0x7e || c < 0x20) {
      return `byte 0x${c.toString(16).padStart(2, "0")} at +${i ^ flip} is not printable ASCII`;
    }
  }
  return null;
}

function compileString(length: number, swapped: boolean, def: DatatypeDef): Datatype {
  if (!Number.isInteger(length) || length <= 0 || length > 250) {
    throw invalidType(`Invalid string datatype: length must be 1..250 bytes, got ${length}`);
  }
  if (swapped && length % 2 !== 0) {
    throw invalidType(`Invalid string_swapped datatype: length must be even, got ${length}`);
  }
  const flip = swapped ? 1 : 0;
  return {
    def,
    text: `${swapped ? "string_swapped" : "string"}:${length}`,
    size: length,
    integer: null,
    read(b, o) {
      const why = invalidText(b, o, length, flip);
      if (why !== null) throw new RangeError(why);
      let text = "";
      for (let i = 0; i < length; i++) {
        const c = b[o + (i ^ flip)]!;
        if (c === 0) break;
        text += String.fromCharCode(c);
      }
      return text;
    },
    invalid(b, o) {
      return invalidText(b, o, length, flip);
    },
    write(b, o, value) {
      if (typeof value !== "string") throw new RangeError(`${describe(value)} is not a string`);
      if (value.length > length) {
        throw new RangeError(`'${value}' is ${value.length} characters, more than ${length}`);
      }
      for (let i = 0; i < length; i++) {
        const c = i < value.length ? value.charCodeAt(i) : 0;
        if (i < value.length && (c > 0x7e || c < 0x20)) {
          throw new RangeError(`character ${i} of the text is not printable ASCII`);
        }
        b[o + (i ^ flip)] = c;
      }
    },
  };
}

/**
 * The decimal text of the 64-bit number `w3 w2 w1 w0` (16-bit words, most significant first)
 * without BigInt, which costs several times a whole block decode: long division by 10^7.
 */
function u64Decimal(w3: number, w2: number, w1: number, w0: number): string {
  const words = [w3, w2, w1, w0];
  let text = "";
  for (;;) {
    let rem = 0;
    let zero = true;
    for (let i = 0; i < 4; i++) {
      const cur = rem * 65536 + words[i]!;
      const q = Math.floor(cur / 1e7);
      rem = cur - q * 1e7;
      words[i] = q;
      if (q !== 0) zero = false;
    }
    if (zero) return String(rem) + text;
    text = String(rem).padStart(7, "0") + text;
  }
}

function compileSerial(def: DatatypeDef): Datatype {
  return {
    def,
    text: "serial_u64_rev",
    size: 8,
    integer: null,
    read(b, o) {
      const r0 = (b[o]! << 8) | b[o + 1]!;
      const r1 = (b[o + 2]! << 8) | b[o + 3]!;
      const r2 = (b[o + 4]! << 8) | b[o + 5]!;
      const r3 = (b[o + 6]! << 8) | b[o + 7]!;
      if (r3 < 0x20) return String(((r3 * 65536 + r2) * 65536 + r1) * 65536 + r0);
      return u64Decimal(r3, r2, r1, r0);
    },
    write(b, o, value) {
      let big: bigint;
      try {
        if (typeof value === "string" && /^\d{1,20}$/.test(value)) big = BigInt(value);
        else if (typeof value === "bigint") big = value;
        else if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
        else throw new RangeError("not a decimal serial");
      } catch {
        throw new RangeError(`${describe(value)} is not a decimal serial number`);
      }
      if (big < 0n || big > 0xffffffffffffffffn) {
        throw new RangeError(`${value} does not fit 64 bits`);
      }
      for (let i = 0; i < 4; i++) {
        const r = Number((big >> BigInt(16 * i)) & 0xffffn);
        b[o + 2 * i] = r >>> 8;
        b[o + 2 * i + 1] = r;
      }
    },
  };
}

function compileBitmap(def: DatatypeDef & { kind: "bitmap" }): Datatype {
  const base = compileInteger({ kind: "int", bytes: def.bytes, signed: false });
  const bits = def.bytes * 8;
  const flags = def.flags;
  if (!flags) return { ...base, def, text: `bitmap:${bits}`, integer: null };
  const names: (string | undefined)[] = [];
  for (const [name, bit] of Object.entries(flags)) {
    if (!Number.isInteger(bit) || bit < 0 || bit >= bits) {
      throw invalidType(`Invalid bitmap: flag '${name}' has bit ${bit}, outside 0..${bits - 1}`);
    }
    if (names[bit] !== undefined) {
      throw invalidType(`Invalid bitmap: bit ${bit} is named both '${names[bit]}' and '${name}'`);
    }
    names[bit] = name;
  }
  return {
    def,
    text: `bitmap:${bits}{${Object.entries(flags).map(([n, b]) => `${n}=${b}`).join(",")}}`,
    size: def.bytes,
    integer: null,
    read(b, o, warn) {
      const raw = base.read(b, o, warn) as number;
      const set: string[] = [];
      for (let i = 0; i < bits; i++) {
        if (Math.floor(raw / 2 ** i) % 2 === 1) {
          const name = names[i];
          if (name === undefined) warn(`bit ${i} is set but has no name`);
          set.push(name ?? `bit_${i}`);
        }
      }
      return set;
    },
    write(b, o, value) {
      if (typeof value === "number") return base.write(b, o, value, 2 ** bits - 1);
      if (!Array.isArray(value)) throw new RangeError(`${describe(value)} is not a list of flags`);
      const set = new Set<number>();
      for (const name of value) {
        const bit = typeof name === "string" ? flagBit(name, flags) : undefined;
        if (bit === undefined || bit >= bits) {
          throw new RangeError(
            `unknown flag '${String(name)}' (known: ${Object.keys(flags).join(", ")})`,
          );
        }
        set.add(bit);
      }
      let raw = 0;
      for (const bit of set) raw += 2 ** bit;
      base.write(b, o, raw, 2 ** bits - 1);
    },
  };
}

function flagBit(name: string, flags: Readonly<Record<string, number>>): number | undefined {
  if (Object.hasOwn(flags, name)) return flags[name];
  const m = /^bit_(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function labelMap(values: Readonly<Record<string, string>>, where: string): Map<number, string> {
  const map = new Map<number, string>();
  const seen = new Set<string>();
  for (const [key, label] of Object.entries(values)) {
    if (!/^-?\d+$/.test(key)) throw invalidType(`Invalid ${where}: key '${key}' is not an integer`);
    if (seen.has(label)) throw invalidType(`Invalid ${where}: label '${label}' is used twice`);
    seen.add(label);
    map.set(Number(key), label);
  }
  return map;
}

function labelToValue(map: Map<number, string>, value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    for (const [n, label] of map) if (label === value) return n;
    const m = /^UNKNOWN_(-?\d+)$/.exec(value);
    if (m) return Number(m[1]);
    throw new RangeError(`'${value}' is not one of ${[...map.values()].join(", ")}`);
  }
  throw new RangeError(`${describe(value)} is neither a label nor a number`);
}

function compileEnum(def: DatatypeDef & { kind: "enum" }): Datatype {
  const base = compileInteger(def.base);
  const map = labelMap(def.values, "enum");
  return {
    def,
    text: `enum<${base.text}>{${[...map].map(([n, l]) => `${n}=${l}`).join(",")}}`,
    size: base.size,
    integer: null,
    read(b, o, warn) {
      const raw = base.read(b, o, warn) as number;
      const label = map.get(raw);
      if (label !== undefined) return label;
      warn(`value ${raw} is not a known label`);
      return `UNKNOWN_${raw}`;
    },
    write(b, o, value) {
      base.write(b, o, labelToValue(map, value), 2 ** (def.base.bytes * 8) - 1);
    },
  };
}

function compileArray(def: DatatypeDef & { kind: "array" }): Datatype {
  const item = compileDef(def.item);
  const stride = def.stride ?? item.size;
  if (!Number.isInteger(def.count) || def.count < 1 || def.count > 1024) {
    throw invalidType(`Invalid array: count must be 1..1024, got ${def.count}`);
  }
  if (!Number.isInteger(stride) || stride < item.size) {
    throw invalidType(`Invalid array: stride ${stride} is smaller than the item size ${item.size}`);
  }
  const count = def.count;
  const itemInvalid = item.invalid;
  return {
    def,
    text: `array<${item.text}>[${count}/${stride}]`,
    size: stride * (count - 1) + item.size,
    integer: item.integer,
    read(b, o, warn) {
      const out: RawValue[] = new Array(count);
      for (let i = 0; i < count; i++) out[i] = item.read(b, o + i * stride, warn);
      return out;
    },
    ...(itemInvalid === undefined ? {} : {
      invalid(b: Uint8Array, o: number): string | null {
        for (let i = 0; i < count; i++) {
          const why = itemInvalid(b, o + i * stride);
          if (why !== null) return `item ${i}: ${why}`;
        }
        return null;
      },
    }),
    write(b, o, value, mask) {
      if (!Array.isArray(value) || value.length !== count) {
        throw new RangeError(`${describe(value)} is not a list of ${count} items`);
      }
      for (let i = 0; i < count; i++) item.write(b, o + i * stride, value[i], mask);
    },
  };
}

function compilePacked(def: DatatypeDef & { kind: "packed" }): Datatype {
  if (def.base.signed) throw invalidType(`Invalid packed datatype: the carrier must be unsigned`);
  const base = compileInteger(def.base);
  const width = def.base.bytes * 8;
  const names = new Set<string>();
  const subs = def.fields.map((f) => {
    const [lo, hi] = f.bits;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo || hi >= width) {
      throw invalidType(
        `Invalid packed sub-field '${f.name}': bits ${lo}..${hi} outside 0..${width - 1}`,
      );
    }
    if (names.has(f.name)) throw invalidType(`Invalid packed datatype: '${f.name}' appears twice`);
    names.add(f.name);
    const map = f.values ? labelMap(f.values, `packed sub-field '${f.name}'`) : null;
    return { name: f.name, lo, span: 2 ** (hi - lo + 1), map };
  });
  return {
    def,
    text: `packed<${base.text}>{${def.fields.map((f) => `${f.name}=${f.bits[0]}..${f.bits[1]}`)}}`,
    size: base.size,
    integer: null,
    read(b, o, warn) {
      const raw = base.read(b, o, warn) as number;
      const out: Record<string, number | string> = {};
      for (const s of subs) {
        const v = Math.floor(raw / 2 ** s.lo) % s.span;
        if (s.map) {
          const label = s.map.get(v);
          if (label === undefined) warn(`${s.name}: value ${v} is not a known label`);
          out[s.name] = label ?? `UNKNOWN_${v}`;
        } else {
          out[s.name] = v;
        }
      }
      return out;
    },
    write(b, o, value) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new RangeError(`${describe(value)} is not an object of sub-fields`);
      }
      const record = value as Record<string, unknown>;
      let raw = 0;
      let mask = 0;
      for (const s of subs) {
        if (!(s.name in record)) continue;
        const v = s.map ? labelToValue(s.map, record[s.name]) : record[s.name];
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= s.span) {
          throw new RangeError(`${s.name}: ${describe(v)} is outside 0..${s.span - 1}`);
        }
        raw += v * 2 ** s.lo;
        mask += (s.span - 1) * 2 ** s.lo;
      }
      base.write(b, o, raw, mask);
    },
  };
}

function describe(value: unknown): string {
  if (typeof value === "string") return `'${value}'`;
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}
