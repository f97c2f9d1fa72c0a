// YAML text → plain data, with positions, duplicate keys and environment interpolation.
// Private to src/runtime/config.
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
} from "../../_shared/yaml.ts";
import { ConfigError } from "../../errors/errors.ts";
import { interpolate } from "./_interpolate.ts";
import {
  ConfigSource,
  formatPath,
  type PathSegment,
  type Position,
  type RawIssue,
} from "./_source.ts";

/** The data of a YAML text and what was noticed while reading it. */
export interface YamlData {
  /** Plain data: objects, arrays, strings, numbers, booleans, null. */
  readonly value: unknown;
  /** Duplicate keys, odd keys, unset variables, malformed expressions. */
  readonly issues: readonly RawIssue[];
  /** Paths of the strings that held a `${...}` expression. */
  readonly interpolated: readonly (readonly PathSegment[])[];
  /**
   * The text as written of each interpolated string, by its formatted path: what messages show
   * instead of the value (which may be a secret from the environment).
   */
  readonly written: ReadonlyMap<string, string>;
  /** Positions of keys and values. */
  readonly source: ConfigSource;
}

const MAX_DEPTH = 64;
/** The longest configuration text, in characters (a fleet of thousands of devices fits). */
export const MAX_DOCUMENT_LENGTH = 4 * 1024 * 1024;
/** The most values a document may hold once its aliases are expanded (an alias bomb stops here). */
export const MAX_EXPANDED_NODES = 100_000;
/** The longest string value, in characters, as written and after interpolation. */
export const MAX_STRING_LENGTH = 4_096;

/**
 * Parse `text` and turn its one document into plain data, interpolating string scalars.
 *
 * @throws {ConfigError} `CONFIG_SYNTAX` listing every YAML syntax error; `CONFIG_INVALID` for
 * a text longer than {@linkcode MAX_DOCUMENT_LENGTH} or one whose aliases expand to more than
 * {@linkcode MAX_EXPANDED_NODES} values.
 */
export function readYaml(
  text: string,
  file: string | undefined,
  env: (name: string) => string | undefined,
): YamlData {
  const name = file ?? "<config>";
  if (text.length > MAX_DOCUMENT_LENGTH) {
    throw new ConfigError(
      "CONFIG_INVALID",
      `Cannot read ${name}: ${text.length} characters, more than the ${MAX_DOCUMENT_LENGTH} a runtime configuration may have`,
      { ...(file === undefined ? {} : { file }), line: 1, column: 1 },
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
    version: "1.2",
    schema: "core",
    merge: false,
  });
  // Aliases are expanded by the walker below, never by the library's toJS() (whose
  // maxAliasCount would otherwise be the bound): the walker counts every value it produces.
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
  const walker = new Walker(doc, source, at, env, name, file);
  const value = walker.walk(doc.contents, [], 0);
  if (doc.contents === null) source.setValue([], { line: 1, column: 1 });
  return {
    value,
    issues: walker.issues,
    interpolated: walker.interpolated,
    written: walker.written,
    source,
  };
}

class Walker {
  readonly issues: RawIssue[] = [];
  readonly interpolated: PathSegment[][] = [];
  readonly written = new Map<string, string>();
  readonly #doc: Document;
  readonly #name: string;
  readonly #file: string | undefined;
  #nodes = 0;
  readonly #source: ConfigSource;
  readonly #at: (offset: number) => Position;
  readonly #env: (name: string) => string | undefined;

  constructor(
    doc: Document,
    source: ConfigSource,
    at: (offset: number) => Position,
    env: (name: string) => string | undefined,
    name: string,
    file: string | undefined,
  ) {
    this.#name = name;
    this.#file = file;
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
    if (++this.#nodes > MAX_EXPANDED_NODES) {
      const { line, column } = this.#at(range?.[0] ?? 0);
      throw new ConfigError(
        "CONFIG_INVALID",
        `${this.#name}:${line}:${column}: ${
          formatPath(segments) || "the document"
        }: the document expands to more than ${MAX_EXPANDED_NODES} values (aliases repeated inside aliases?)`,
        { ...(this.#file === undefined ? {} : { file: this.#file }), line, column },
      );
    }
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
    if (value.length > MAX_STRING_LENGTH) return this.#tooLong(value, segments, "");
    const result = interpolate(value, this.#env);
    if (result.ok) {
      if (!result.expanded) return result.value;
      this.interpolated.push(segments);
      this.written.set(formatPath(segments), value);
      if (result.value.length > MAX_STRING_LENGTH) {
        return this.#tooLong(result.value, segments, " after interpolation");
      }
      return result.value;
    }
    this.issues.push({ code: result.code, segments, message: result.message });
    return value;
  }

  #tooLong(value: string, segments: PathSegment[], when: string): null {
    this.issues.push({
      code: "CONFIG_INVALID",
      segments,
      message:
        `expected a string of at most ${MAX_STRING_LENGTH} characters, got ${value.length} characters${when}`,
    });
    return null;
  }
}

function plural(count: number, noun: string): string {
  return count === 1 ? `1 ${noun}` : `${count} ${noun}s`;
}
