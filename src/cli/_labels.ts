// The names of a record's status and mode codes, from the plugin's label data: shared by
// `decode` and `read`. Private to src/cli.
import type { BlockRecord, FieldValue } from "../parser/block_schema.ts";
import type { BlockLabels, FieldLabels } from "../plugin/field_labels.ts";
import { knownPlugins } from "../plugin/known_plugins.ts";

/**
 * The labels of a block's fields, from the default plugin's label data (which `blocks` and
 * `decode` have without defining the plugin) and the defined plugins'.
 *
 * @param blockId The block id.
 * @param first Label data to look in first: the default plugin's (`defaultBlocks(ctx).labels`).
 * @returns Field path -> labels, or undefined when no plugin documents the block's codes.
 */
export function blockLabels(
  blockId: number,
  first?: BlockLabels,
): Readonly<Record<string, FieldLabels>> | undefined {
  const labels = first?.[blockId];
  if (labels !== undefined) return labels;
  for (const plugin of knownPlugins()) {
    const labels = plugin.labels?.[blockId];
    if (labels !== undefined) return labels;
  }
  return undefined;
}

/** A field's label: an enumeration's name, or the names of a bitmap's set bits. */
export type Label = string | readonly string[];

/**
 * The label of one value: the name of its code, the names of its set bits (an unnamed bit as
 * `bit N`), or undefined for a code without a name and a value that is not an integer.
 *
 * @param labels The field's labels.
 * @param value The decoded value.
 * @returns The label, or undefined.
 */
export function valueLabel(labels: FieldLabels, value: FieldValue): Label | undefined {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) return undefined;
  if (labels.kind === "enum") return labels.names[value];
  const set: string[] = [];
  for (let bit = 0; bit < 53 && 2 ** bit <= value; bit++) {
    if (Math.floor(value / 2 ** bit) % 2 === 1) set.push(labels.names[bit] ?? `bit ${bit}`);
  }
  return set;
}

/**
 * The labels of a record's values, by field path: only the fields that have labels and a
 * value with a name.
 *
 * @param record The record.
 * @param labels Field path -> labels, for the record's block.
 * @returns Field path -> label.
 */
export function recordLabels(
  record: BlockRecord,
  labels: Readonly<Record<string, FieldLabels>>,
): Record<string, Label> {
  const out: Record<string, Label> = {};
  for (const [path, fieldLabels] of Object.entries(labels)) {
    const label = valueLabel(fieldLabels, valueAt(record.values, path));
    if (label !== undefined) out[path] = label;
  }
  return out;
}

/**
 * A label as text after a value: `discharging`; a bitmap's set bits `pack 1, pack 3`, or
 * `none`.
 *
 * @param label The label.
 * @returns The words.
 */
export function labelText(label: Label): string {
  if (typeof label === "string") return label;
  return label.length === 0 ? "none" : label.join(", ");
}

function valueAt(values: BlockRecord["values"], path: string): FieldValue {
  let current: FieldValue = values as FieldValue;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return null;
    current = (current as { readonly [name: string]: FieldValue })[key] ?? null;
  }
  return current;
}
