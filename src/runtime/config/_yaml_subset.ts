// A strict reader for the part of YAML a runtime.yaml is written in: block mappings and
// sequences, flow collections, one-line plain and quoted scalars, comments. It reads a
// text exactly as the library (npm:yaml: YAML 1.2, core schema) does, or declines it (returns
// undefined) and the library reads it, so that every syntax error, message and position stays
// the library's. When in doubt, it declines. Its reading is checked against the library's by
// _yaml_subset_test.ts. Private to src/runtime/config.
import {
  DECLINE,
  decline,
  FLOW_INDICATORS,
  hasOddCharacter,
  indentOf,
  isBlank,
  isDash,
  isLineEnd,
  plainStart,
  plainValue,
  skipSpaces,
  unquote,
} from "./_yaml_subset_text.ts";
import type { YamlMapNode, YamlNode, YamlPair, YamlScalarNode, YamlTree } from "./_yaml_node.ts";
import { MAX_EXPANDED_NODES } from "./_yaml_walk.ts";

/**
 * The most nodes (keys and values) and the deepest nesting the reader reads; beyond, the library
 * does. Every text the walker takes (at most MAX_EXPANDED_NODES values, as many keys) fits: a
 * fleet of 10,000 stations is read by the subset reader too.
 */
const MAX_NODES = 2 * MAX_EXPANDED_NODES + 2;
const MAX_DEPTH = 48;
/** The library refuses implicit keys longer than 1024 characters. */
const MAX_KEY_LENGTH = 1_000;

/**
 * Read `text` when it is written in the subset, else undefined.
 *
 * @param text A YAML text.
 * @returns Its tree, offsets into `text`; undefined when the library must read it.
 */
export function readYamlSubset(text: string): YamlTree | undefined {
  try {
    return new SubsetReader(text).read();
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}

const MARKER = /^(?:---|\.\.\.)(?: |$)|^%/;

/** A node read, and the line and column after it. */
interface Spot {
  readonly node: YamlNode;
  readonly line: number;
  readonly end: number;
}

class SubsetReader {
  readonly #text: string;
  /** Offset of each line's first character. */
  readonly #starts: number[] = [];
  /** Each line's text, without its line break. */
  readonly #lines: string[] = [];
  /** The first line after the node last read. */
  #next = 0;
  #nodes = 0;

  constructor(text: string) {
    this.#text = text;
  }

  read(): YamlTree {
    const text = this.#text;
    const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    if (hasOddCharacter(text, bom)) decline();
    let start = 0;
    for (;;) {
      const end = text.indexOf("\n", start);
      const stop = end === -1 ? text.length : end;
      const lineEnd = stop > start && text[stop - 1] === "\r" ? stop - 1 : stop;
      this.#starts.push(start);
      this.#lines.push(text.slice(start + (start === 0 ? bom : 0), lineEnd));
      if (end === -1) break;
      start = end + 1;
    }
    if (bom === 1) {
      this.#starts[0] = 1;
      // The library counts a byte order mark in the first line's indentation: it refuses a
      // `- ` right after it, and an indented first line is not at the next line's column.
      if (this.#lines[0]![0] === " " || isDash(this.#lines[0]!, 0)) decline();
    }
    let first = this.#content(0);
    if (first < this.#lines.length && /^---(?: +(?:#.*)?)?$/.test(this.#lines[first]!)) {
      first = this.#content(first + 1);
    }
    for (let i = first; i < this.#lines.length; i++) {
      const c = this.#lines[i]![0];
      if ((c === "-" || c === "." || c === "%") && MARKER.test(this.#lines[i]!)) decline();
    }
    // An empty document: the library's reading of it stands.
    if (first >= this.#lines.length) decline();
    const root = this.#block(first, indentOf(this.#lines[first]!), 0, -1);
    if (this.#content(this.#next) < this.#lines.length) decline();
    const starts = this.#starts;
    starts[0] = 0;
    return { root, at: (offset) => linePosition(starts, offset) };
  }

  /** The first line from `i` that is neither blank nor a comment. */
  #content(i: number): number {
    while (i < this.#lines.length && isBlank(this.#lines[i]!)) i++;
    return i;
  }

  #offset(line: number, column: number): number {
    return this.#starts[line]! + column;
  }

  #count(depth: number): void {
    if (++this.#nodes > MAX_NODES || depth > MAX_DEPTH) decline();
  }

  /**
   * A block node whose first character is at `line`, `column`, in a block collection indented
   * by `parent` (-1 at the top).
   */
  #block(line: number, column: number, depth: number, parent: number): YamlNode {
    const s = this.#lines[line]!;
    if (isDash(s, column)) return this.#sequence(line, column, depth);
    if (this.#key(line, column) !== undefined) return this.#mapping(line, column, depth);
    const inline = this.#inline(line, column, depth, parent);
    this.#lineEnd(inline.line, inline.end);
    this.#next = inline.line + 1;
    return inline.node;
  }

  #sequence(line: number, column: number, depth: number): YamlNode {
    this.#count(depth);
    const items: YamlNode[] = [];
    const start = this.#offset(line, column);
    for (;;) {
      const s = this.#lines[line]!;
      const after = skipSpaces(s, column + 1);
      if (after === s.length || s[after] === "#") {
        items.push(this.#nested(line, column, depth + 1, this.#offset(line, column + 1)));
      } else {
        items.push(this.#block(line, after, depth + 1, column));
      }
      const next = this.#content(this.#next);
      if (next >= this.#lines.length) break;
      const indent = indentOf(this.#lines[next]!);
      if (indent > column) decline();
      if (indent < column || !isDash(this.#lines[next]!, column)) {
        this.#next = next;
        break;
      }
      line = next;
    }
    return { kind: "seq", start, items };
  }

  /**
   * The value of `key:` or `-` with nothing after it on its line: the more indented block
   * below, or an empty scalar.
   */
  #nested(line: number, column: number, depth: number, at: number): YamlNode {
    const next = this.#content(line + 1);
    if (next < this.#lines.length) {
      const indent = indentOf(this.#lines[next]!);
      if (indent > column) {
        // The library reads a scalar below a less indented comment line otherwise.
        const s = this.#lines[next]!;
        if (
          next > line + 1 && !isDash(s, indent) && s[indent] !== "{" && s[indent] !== "[" &&
          this.#key(next, indent) === undefined &&
          this.#lines.slice(line + 1, next).some((between) => between.trim() !== "")
        ) decline();
        return this.#block(next, indent, depth, column);
      }
    }
    this.#next = line + 1;
    this.#count(depth);
    return { kind: "scalar", start: at, empty: true, value: null };
  }

  #mapping(line: number, column: number, depth: number): YamlMapNode {
    this.#count(depth);
    const pairs: YamlPair[] = [];
    const start = this.#offset(line, column);
    for (;;) {
      const key = this.#key(line, column) ?? decline();
      this.#count(depth + 1);
      const s = this.#lines[line]!;
      const after = skipSpaces(s, key.end);
      let value: YamlNode;
      if (after === s.length || s[after] === "#") {
        const next = this.#content(line + 1);
        if (
          next < this.#lines.length && indentOf(this.#lines[next]!) === column &&
          isDash(this.#lines[next]!, column)
        ) {
          // A sequence may stand at its key's indentation.
          value = this.#sequence(next, column, depth + 1);
        } else value = this.#nested(line, column, depth + 1, this.#offset(line, key.end));
      } else {
        const inline = this.#inline(line, after, depth + 1, column);
        this.#lineEnd(inline.line, inline.end);
        this.#next = inline.line + 1;
        value = inline.node;
      }
      pairs.push({ key: key.node, value });
      const next = this.#content(this.#next);
      if (next >= this.#lines.length) break;
      const indent = indentOf(this.#lines[next]!);
      if (indent > column) decline();
      if (indent < column) {
        this.#next = next;
        break;
      }
      line = next;
    }
    return { kind: "map", start, pairs };
  }

  /** A block mapping's key at `line`, `column` and the column after its `:`. */
  #key(line: number, column: number): { node: YamlScalarNode; end: number } | undefined {
    const s = this.#lines[line]!;
    const c = s[column];
    if (c === "{" || c === "[") return undefined;
    let node: YamlScalarNode;
    let end: number;
    if (c === '"' || c === "'") {
      const quoted = this.#quoted(line, column);
      node = quoted.node;
      end = skipSpaces(s, quoted.end);
    } else {
      end = -1;
      for (let i = column; i < s.length; i++) {
        if (s[i] === "#" && s[i - 1] === " ") return undefined;
        if (s[i] === ":" && (i + 1 === s.length || s[i + 1] === " ")) {
          end = i;
          break;
        }
      }
      if (end === -1) return undefined;
      const written = s.slice(column, end).trimEnd();
      if (!plainStart(written, false)) decline();
      node = this.#plain(written, this.#offset(line, column));
    }
    if (s[end] !== ":" || !(end + 1 === s.length || s[end + 1] === " ")) return undefined;
    if (end - column > MAX_KEY_LENGTH) decline();
    return { node, end: end + 1 };
  }

  /**
   * A flow collection (it may go on over the next lines), or a quoted or plain scalar on one
   * line (block context).
   */
  #inline(line: number, column: number, depth: number, parent: number): Spot {
    const s = this.#lines[line]!;
    const c = s[column];
    if (c === "{" || c === "[") return this.#flow(line, column, depth, parent);
    this.#count(depth);
    if (c === '"' || c === "'") return { ...this.#quoted(line, column), line };
    let end = s.length;
    for (let i = column; i < s.length; i++) {
      if (s[i] === "#" && s[i - 1] === " ") {
        end = i;
        break;
      }
      // `a: b: c` and `a: b:` are errors.
      if (s[i] === ":" && (i + 1 === s.length || s[i + 1] === " ")) decline();
    }
    const written = s.slice(column, end).trimEnd();
    if (!plainStart(written, false)) decline();
    const node = this.#plain(written, this.#offset(line, column));
    return { node, line, end: column + written.length };
  }

  /**
   * A flow mapping or sequence. Its lines after the first are indented more than `parent`, the
   * block collection's indentation (its closing bracket's line as much).
   */
  #flow(line: number, column: number, depth: number, parent: number, nested = false): Spot {
    this.#count(depth);
    const mapping = this.#lines[line]![column] === "{";
    const close = mapping ? "}" : "]";
    // Only the outermost collection's closing bracket may stand at the parent's indentation.
    const closeAtParent = nested ? undefined : close;
    const pairs: YamlPair[] = [];
    const items: YamlNode[] = [];
    let at = this.#skip(line, column + 1, parent, closeAtParent);
    while (this.#char(at) !== close) {
      if (mapping) {
        const c = this.#char(at);
        if (c === "{" || c === "[") decline();
        this.#count(depth + 1);
        // A key, its `: ` and its value start on one line.
        const key = this.#flowScalar(at.line, at.column);
        if (key.end - at.column > MAX_KEY_LENGTH) decline();
        const s = this.#lines[at.line]!;
        let i = skipSpaces(s, key.end);
        if (s[i] !== ":" || s[i + 1] !== " ") decline();
        i = skipSpaces(s, i + 1);
        if (i === s.length || s[i] === "#" || s[i] === "," || s[i] === "}") decline();
        const value = this.#flowValue(at.line, i, depth + 1, parent);
        pairs.push({ key: key.node, value: value.node });
        at = this.#skip(value.line, value.end, parent, closeAtParent);
      } else {
        const item = this.#flowValue(at.line, at.column, depth + 1, parent);
        items.push(item.node);
        at = this.#skip(item.line, item.end, parent, closeAtParent);
      }
      if (this.#char(at) === ",") at = this.#skip(at.line, at.column + 1, parent, closeAtParent);
      else if (this.#char(at) !== close) decline();
    }
    const start = this.#offset(line, column);
    const node: YamlNode = mapping ? { kind: "map", start, pairs } : { kind: "seq", start, items };
    return { node, line: at.line, end: at.column + 1 };
  }

  #char(at: { line: number; column: number }): string | undefined {
    return this.#lines[at.line]![at.column];
  }

  /**
   * The next token inside a flow collection from `line`, `column`: past spaces, a comment, the
   * line's end, blank and comment lines.
   */
  #skip(
    line: number,
    column: number,
    parent: number,
    closeAtParent: string | undefined,
  ): { line: number; column: number } {
    let s = this.#lines[line]!;
    let i = skipSpaces(s, column);
    while (i === s.length || (s[i] === "#" && (i === 0 || s[i - 1] === " "))) {
      if (++line >= this.#lines.length) decline();
      s = this.#lines[line]!;
      i = indentOf(s);
      if (i === s.length) continue;
      // A comment line too is indented more than the parent (the library refuses it else).
      if (i < parent || (i === parent && s[i] !== closeAtParent)) decline();
    }
    return { line, column: i };
  }

  #flowValue(line: number, column: number, depth: number, parent: number): Spot {
    const c = this.#lines[line]![column];
    if (c === "{" || c === "[") return this.#flow(line, column, depth, parent, true);
    this.#count(depth);
    return { ...this.#flowScalar(line, column), line };
  }

  /** A quoted or plain scalar inside a flow collection, ending on its line. */
  #flowScalar(line: number, column: number): { node: YamlScalarNode; end: number } {
    const s = this.#lines[line]!;
    const c = s[column];
    if (c === '"' || c === "'") return this.#quoted(line, column);
    let end = s.length;
    for (let i = column; i < s.length; i++) {
      const d = s[i]!;
      if (FLOW_INDICATORS.has(d) || (d === "#" && s[i - 1] === " ")) {
        end = i;
        break;
      }
      if (d === ":") {
        const e = s[i + 1];
        if (e === undefined || e === " " || FLOW_INDICATORS.has(e)) {
          end = i;
          break;
        }
      }
    }
    const written = s.slice(column, end).trimEnd();
    if (!plainStart(written, true)) decline();
    // A plain scalar last on its line goes on over the next one, unless that one starts with
    // a flow indicator.
    if (isLineEnd(s, column + written.length)) {
      const next = this.#content(line + 1);
      const first = next < this.#lines.length
        ? this.#lines[next]![indentOf(this.#lines[next]!)]
        : undefined;
      if (first !== "," && first !== "]" && first !== "}") decline();
    }
    return { node: this.#plain(written, this.#offset(line, column)), end: column + written.length };
  }

  #plain(written: string, start: number): YamlScalarNode {
    return { kind: "scalar", start, empty: false, value: plainValue(written) };
  }

  /** A single- or double-quoted scalar that closes on its line. */
  #quoted(line: number, column: number): { node: YamlScalarNode; end: number } {
    const { value, end } = unquote(this.#lines[line]!, column);
    return {
      node: { kind: "scalar", start: this.#offset(line, column), empty: false, value },
      end,
    };
  }

  /** Nothing but spaces and a comment may follow a value on its line. */
  #lineEnd(line: number, end: number): void {
    if (!isLineEnd(this.#lines[line]!, end)) decline();
  }
}

/** npm:yaml's LineCounter.linePos over the same line starts. */
function linePosition(starts: readonly number[], offset: number) {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (starts[mid]! < offset) low = mid + 1;
    else high = mid;
  }
  if (starts[low] === offset) return { line: low + 1, column: 1 };
  if (low === 0) return { line: 0, column: offset };
  return { line: low, column: offset - starts[low - 1]! + 1 };
}
