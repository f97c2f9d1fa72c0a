// The character-level rules of the subset reader (_yaml_subset.ts): odd characters, blank
// lines and line ends, plain scalars and their core-schema types, quoted scalars. What it
// cannot read exactly as the library does, it declines (decline() throws DECLINE). Private to
// src/runtime/config.

/** What decline() throws. */
export const DECLINE: unique symbol = Symbol("decline");

/** Give up: the library reads the text. */
export function decline(): never {
  throw DECLINE;
}

// The core schema's types of plain scalars (npm:yaml's tests), and the forms read here.
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const BOOLEAN = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INTEGER = /^-?[0-9]{1,15}$/;
const FLOAT = /^-?[0-9]{1,15}\.[0-9]{0,15}$/;
const OTHER_NUMBER = [
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];

/** The first characters of the core schema's nulls, booleans and numbers. */
const TYPED_FIRST = new Set([..."~nNtTfF-+.0123456789"]);

/** Characters that cannot start a plain scalar (some may, followed by a safe one). */
const INDICATORS = new Set([..."-?:,[]{}#&*!|>'\"%@`"]);
/** The flow indicators. */
export const FLOW_INDICATORS = new Set([..."[]{},"]);

const ESCAPES: Readonly<Record<string, string>> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  '"': '"',
  "/": "/",
  "\\": "\\",
};

/**
 * A single- or double-quoted scalar starting at `column` of `s` and closing on it: its value
 * (YAML's escapes; anything unusual declined) and the column after its closing quote.
 */
export function unquote(s: string, column: number): { value: string; end: number } {
  const quote = s[column];
  let value = "";
  let i = column + 1;
  for (;;) {
    if (i >= s.length) decline();
    const c = s[i]!;
    if (quote === "'") {
      if (c === "'") {
        if (s[i + 1] !== "'") break;
        value += "'";
        i += 2;
        continue;
      }
    } else if (c === '"') break;
    else if (c === "\\") {
      const e = s[i + 1] ?? decline();
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        value += simple;
        i += 2;
        continue;
      }
      const digits = e === "x" ? 2 : e === "u" ? 4 : decline();
      const hex = s.slice(i + 2, i + 2 + digits);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) decline();
      const code = parseInt(hex, 16);
      if (code >= 0xd800 && code <= 0xdfff) decline();
      value += String.fromCharCode(code);
      i += 2 + digits;
      continue;
    }
    value += c;
    i++;
  }
  const end = i + 1;
  // `"a"b` is an error.
  if (
    end < s.length && s[end] !== " " && s[end] !== ":" && s[end] !== "," && s[end] !== "]" &&
    s[end] !== "}"
  ) {
    decline();
  }
  return { value, end };
}

/**
 * Whether `text` holds, from `from` on, a control character (a tab too), NEL, a line or
 * paragraph separator, a byte order mark, a non-character, a carriage return without its line
 * feed or a lone surrogate. (Hand-written: the first runs of a regular expression are slow.)
 */
export function hasOddCharacter(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) {
      if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) === 0x0a)) continue;
      return true;
    }
    if (c < 0x7f) continue;
    if (c <= 0x9f || c === 0x2028 || c === 0x2029 || c === 0xfeff || c >= 0xfffe) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/** Blank, or a comment alone. (Hand-written: the first runs of a regular expression are slow.) */
export function isBlank(line: string): boolean {
  const i = skipSpaces(line, 0);
  return i === line.length || line[i] === "#";
}

/** Nothing from `end` on but spaces and, after a space, a comment. */
export function isLineEnd(line: string, end: number): boolean {
  const i = skipSpaces(line, end);
  return i === line.length || (i > end && line[i] === "#");
}

/** The number of spaces `line` starts with. */
export function indentOf(line: string): number {
  let i = 0;
  while (line[i] === " ") i++;
  return i;
}

/** The first column from `i` on that is not a space. */
export function skipSpaces(s: string, i: number): number {
  while (s[i] === " ") i++;
  return i;
}

/** Whether a block sequence entry (`- ` or `-` alone) starts at `column`. */
export function isDash(s: string, column: number): boolean {
  return s[column] === "-" && (column + 1 === s.length || s[column + 1] === " ");
}

/** A plain scalar may start so: not with an indicator, but `-x` may. */
export function plainStart(written: string, flow: boolean): boolean {
  if (written === "") return false;
  const c = written[0]!;
  if (!INDICATORS.has(c)) return true;
  if (c !== "-" || written.length < 2) return false;
  const d = written[1]!;
  return d !== " " && !(flow && FLOW_INDICATORS.has(d));
}

/** The core schema's value of a plain scalar, where it is certain. */
export function plainValue(written: string): unknown {
  // Every form the core schema types other than a string starts so.
  if (!TYPED_FIRST.has(written[0]!)) return written;
  if (NULL.test(written)) return null;
  if (BOOLEAN.test(written)) return written[0] === "t" || written[0] === "T";
  if (INTEGER.test(written)) return parseInt(written, 10);
  if (FLOAT.test(written)) return parseFloat(written);
  if (OTHER_NUMBER.some((test) => test.test(written))) decline();
  return written;
}
