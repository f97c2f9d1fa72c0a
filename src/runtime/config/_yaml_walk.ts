// A read YAML tree (either reader's: _yaml_node.ts) -> plain data, with positions, duplicate
// keys and environment interpolation. Private to src/runtime/config.
import { ConfigError } from "../../errors/errors.ts";
import { interpolate } from "./_interpolate.ts";
import {
  ConfigSource,
  formatPath,
  type PathSegment,
  type Position,
  type RawIssue,
} from "./_source.ts";
import type { YamlNode, YamlTree } from "./_yaml_node.ts";

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
 * Refuse a text longer than {@linkcode MAX_DOCUMENT_LENGTH} before either reader reads it.
 *
 * @throws {ConfigError} `CONFIG_INVALID`.
 */
export function checkLength(text: string, file: string | undefined): void {
  if (text.length <= MAX_DOCUMENT_LENGTH) return;
  throw new ConfigError(
    "CONFIG_INVALID",
    `Cannot read ${
      file ?? "<config>"
    }: ${text.length} characters, more than the ${MAX_DOCUMENT_LENGTH} a runtime configuration may have`,
    { ...(file === undefined ? {} : { file }), line: 1, column: 1 },
  );
}

/**
 * Turn a read document into plain data, interpolating string scalars and expanding aliases
 * (every value produced is counted).
 *
 * @throws {ConfigError} `CONFIG_INVALID` for a document whose aliases expand to more than
 * {@linkcode MAX_EXPANDED_NODES} values.
 */
export function walkTree(
  tree: YamlTree,
  file: string | undefined,
  env: (name: string) => string | undefined,
): YamlData {
  const source = new ConfigSource(file);
  const walker = new Walker(source, tree.at, env, file);
  const value = walker.walk(tree.root, [], 0);
  if (tree.root === null) source.setValue([], { line: 1, column: 1 });
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
  readonly #file: string | undefined;
  #nodes = 0;
  readonly #source: ConfigSource;
  readonly #at: (offset: number) => Position;
  readonly #env: (name: string) => string | undefined;

  constructor(
    source: ConfigSource,
    at: (offset: number) => Position,
    env: (name: string) => string | undefined,
    file: string | undefined,
  ) {
    this.#file = file;
    this.#source = source;
    this.#at = at;
    this.#env = env;
  }

  walk(node: YamlNode | null, segments: PathSegment[], depth: number): unknown {
    if (node === null) return null;
    if (depth > MAX_DEPTH) {
      this.issues.push({
        code: "CONFIG_INVALID",
        segments,
        message: `expected at most ${MAX_DEPTH} levels of nesting (a recursive alias?)`,
      });
      return null;
    }
    if (++this.#nodes > MAX_EXPANDED_NODES) {
      const { line, column } = this.#at(node.start ?? 0);
      throw new ConfigError(
        "CONFIG_INVALID",
        `${this.#file ?? "<config>"}:${line}:${column}: ${
          formatPath(segments) || "the document"
        }: the document expands to more than ${MAX_EXPANDED_NODES} values (aliases repeated inside aliases?)`,
        { ...(this.#file === undefined ? {} : { file: this.#file }), line, column },
      );
    }
    // An empty scalar (`key:`) keeps the position of its key.
    const empty = node.kind === "scalar" && node.empty;
    const position = node.start !== undefined && !empty ? this.#at(node.start) : undefined;
    if (node.kind === "alias") {
      const value = this.walk(node.resolve(), segments, depth + 1);
      if (position) this.#source.setValue(segments, position);
      return value;
    }
    if (position) this.#source.setValue(segments, position);
    if (node.kind === "scalar") return this.#scalar(node.value, segments);
    if (node.kind === "map") {
      const out: Record<string, unknown> = {};
      const seen = new Map<string, Position | undefined>();
      for (const pair of node.pairs) {
        const keyNode = pair.key;
        const keyPosition = keyNode?.start !== undefined ? this.#at(keyNode.start) : position;
        let key: string;
        if (keyNode === null) key = "";
        else if (keyNode.kind === "scalar") key = String(keyNode.value ?? "");
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
    if (node.kind === "seq") {
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
