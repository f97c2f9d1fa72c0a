// YAML text → plain data, with positions, duplicate keys and environment interpolation.
// Private to src/runtime/config.
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { ConfigError } from "../../errors/errors.ts";
import { interpolate } from "./_interpolate.ts";
import { ConfigSource, type PathSegment, type Position, type RawIssue } from "./_source.ts";

/** The data of a YAML text and what was noticed while reading it. */
export interface YamlData {
  /** Plain data: objects, arrays, strings, numbers, booleans, null. */
  readonly value: unknown;
  /** Duplicate keys, odd keys, unset variables, malformed expressions. */
  readonly issues: readonly RawIssue[];
  /** Paths of the strings that held a `${...}` expression. */
  readonly interpolated: readonly (readonly PathSegment[])[];
  /** Positions of keys and values. */
  readonly source: ConfigSource;
}

const MAX_DEPTH = 64;

/**
 * Parse `text` and turn its one document into plain data, interpolating string scalars.
 *
 * @throws {ConfigError} `CONFIG_SYNTAX` listing every YAML syntax error.
 */
export function readYaml(
  text: string,
  file: string | undefined,
  env: (name: string) => string | undefined,
): YamlData {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
    version: "1.2",
    schema: "core",
    merge: false,
  });
  const name = file ?? "<config>";
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((error) => {
      const { line, column } = at(error.pos[0]);
      return `${name}:${line}:${column}: ${error.message}`;
    });
    const first = at(doc.errors[0]!.pos[0]);
    throw new ConfigError(
      "CONFIG_SYNTAX",
      [`Cannot parse ${name}: ${plural(doc.errors.length, "YAML syntax error")}`, ...lines].join(
        "\n",
      ),
      { ...(file === undefined ? {} : { file }), line: first.line, column: first.column },
    );
  }
  const source = new ConfigSource(file);
  const walker = new Walker(doc, source, at, env);
  const value = walker.walk(doc.contents, [], 0);
  if (doc.contents === null) source.setValue([], { line: 1, column: 1 });
  return { value, issues: walker.issues, interpolated: walker.interpolated, source };
}

class Walker {
  readonly issues: RawIssue[] = [];
  readonly interpolated: PathSegment[][] = [];
  readonly #doc: Document;
  readonly #source: ConfigSource;
  readonly #at: (offset: number) => Position;
  readonly #env: (name: string) => string | undefined;

  constructor(
    doc: Document,
    source: ConfigSource,
    at: (offset: number) => Position,
    env: (name: string) => string | undefined,
  ) {
    this.#doc = doc;
    this.#source = source;
    this.#at = at;
    this.#env = env;
  }

  walk(node: unknown, segments: PathSegment[], depth: number): unknown {
    if (node === null || node === undefined) return null;
    if (depth > MAX_DEPTH) {
      this.issues.push({
        code: "CONFIG_INVALID",
        segments,
        message: `expected at most ${MAX_DEPTH} levels of nesting (a recursive alias?)`,
      });
      return null;
    }
    const range = (node as { range?: [number, number, number] | null }).range;
    // An empty scalar (`key:`) keeps the position of its key.
    const empty = isScalar(node) && node.value === null && range && range[0] === range[1];
    const position = range && !empty ? this.#at(range[0]) : undefined;
    if (isAlias(node)) {
      const target = node.resolve(this.#doc);
      const value = this.walk(target, segments, depth + 1);
      if (position) this.#source.setValue(segments, position);
      return value;
    }
    if (position) this.#source.setValue(segments, position);
    if (isScalar(node)) return this.#scalar(node.value, segments);
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Map<string, Position | undefined>();
      for (const pair of node.items) {
        const keyNode = pair.key as { range?: [number, number, number] | null } | null;
        const keyPosition = keyNode?.range ? this.#at(keyNode.range[0]) : position;
        let key: string;
        if (pair.key === null || pair.key === undefined) key = "";
        else if (isScalar(pair.key)) key = String(pair.key.value ?? "");
        else {
          if (keyPosition) this.#source.setValue([...segments, "?"], keyPosition);
          this.issues.push({
            code: "CONFIG_INVALID",
            segments: [...segments, "?"],
            message: "expected a plain key, got a mapping or list used as a key",
          });
          continue;
        }
        const child = [...segments, key];
        if (seen.has(key)) {
          const first = seen.get(key);
          if (keyPosition) this.#source.setKey(child, keyPosition);
          this.issues.push({
            code: "CONFIG_INVALID",
            segments: child,
            at: "key",
            keepValue: true,
            message: `duplicate key '${key}'${first ? ` (first at line ${first.line})` : ""}`,
          });
          continue;
        }
        seen.set(key, keyPosition);
        if (keyPosition) {
          this.#source.setKey(child, keyPosition);
          // An empty value (`key:`) points at its key.
          this.#source.setValue(child, keyPosition);
        }
        const value = this.walk(pair.value, child, depth + 1);
        Object.defineProperty(out, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    if (isSeq(node)) {
      return node.items.map((item, index) => this.walk(item, [...segments, index], depth + 1));
    }
    return null;
  }

  #scalar(value: unknown, segments: PathSegment[]): unknown {
    if (typeof value !== "string") return value;
    const result = interpolate(value, this.#env);
    if (result.ok) {
      if (result.expanded) this.interpolated.push(segments);
      return result.value;
    }
    this.issues.push({ code: result.code, segments, message: result.message });
    return value;
  }
}

function plural(count: number, noun: string): string {
  return count === 1 ? `1 ${noun}` : `${count} ${noun}s`;
}
