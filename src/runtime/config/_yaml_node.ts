// The tree both YAML readers give the walker (src/runtime/config/_yaml_walk.ts): the subset
// reader (_yaml_subset.ts) builds it, the library's nodes are adapted to it
// (_yaml_library.ts). Offsets are UTF-16 indexes into the text. Private to src/runtime/config.

/** A scalar: its value as the core schema types it. */
export interface YamlScalarNode {
  readonly kind: "scalar";
  /** Where the node starts; undefined when unknown. */
  readonly start: number | undefined;
  /** Nothing was written (`key:`): its value is null and its position its key's. */
  readonly empty: boolean;
  /** A string, number, boolean or null (the library may give other types: a tag's). */
  readonly value: unknown;
}

/** A key and its value; null where nothing stands (`{ a }`, `: v`). */
export interface YamlPair {
  readonly key: YamlNode | null;
  readonly value: YamlNode | null;
}

/** A mapping, its pairs in the order written. */
export interface YamlMapNode {
  readonly kind: "map";
  readonly start: number | undefined;
  readonly pairs: readonly YamlPair[];
}

/** A sequence. */
export interface YamlSeqNode {
  readonly kind: "seq";
  readonly start: number | undefined;
  readonly items: readonly (YamlNode | null)[];
}

/** An alias (`*name`): the node it names, read each time it is used. */
export interface YamlAliasNode {
  readonly kind: "alias";
  readonly start: number | undefined;
  /** The node the alias names (undefined when it names nothing). */
  resolve(): YamlNode | null;
}

/** Anything else the library may give (it reads as null). */
export interface YamlOtherNode {
  readonly kind: "other";
  readonly start: number | undefined;
}

/** One node of a YAML document. */
export type YamlNode = YamlScalarNode | YamlMapNode | YamlSeqNode | YamlAliasNode | YamlOtherNode;

/** A 1-based line and column of an offset. */
export type LinePosition = (offset: number) => { readonly line: number; readonly column: number };

/** A document read into nodes: its root (null when empty) and how offsets map to lines. */
export interface YamlTree {
  readonly root: YamlNode | null;
  readonly at: LinePosition;
}
