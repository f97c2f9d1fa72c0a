// Structural differences between two block definitions, for registry conflicts. Descriptions
// and evidence notes are not structure; everything that changes decoded values is.
import { parseDatatype } from "./datatype.ts";
import { formatTransform, parseTransform } from "./transform.ts";
import type { BlockSchemaDef, DatatypeSpec, FieldDef, FieldOrGroupDef } from "./types.ts";

interface Shape {
  offset: number;
  type: string;
  transforms: string;
  unit: string | null;
  required: boolean;
  minProtocolVersion: number | null;
  sensitive: boolean;
}

function typeText(spec: DatatypeSpec): string {
  return JSON.stringify(typeof spec === "string" ? parseDatatype(spec) : spec);
}

function shapeOf(f: FieldDef): Shape {
  return {
    offset: f.offset,
    type: typeText(f.type),
    transforms: (f.transforms ?? []).map((t) => formatTransform(parseTransform(t))).join(", "),
    unit: f.unit ?? null,
    required: f.required === true,
    minProtocolVersion: f.minProtocolVersion ?? null,
    sensitive: f.sensitive === true,
  };
}

function leaves(fields: readonly FieldOrGroupDef[]): Map<string, Shape> {
  const out = new Map<string, Shape>();
  for (const entry of fields) {
    if (entry.kind === "group") {
      for (const sub of entry.fields) out.set(`${entry.name}.${sub.name}`, shapeOf(sub));
    } else {
      out.set(entry.name, shapeOf(entry));
    }
  }
  return out;
}

/** Each structural difference as "what: old -> new". Empty when the structures are the same. */
export function schemaDifferences(a: BlockSchemaDef, b: BlockSchemaDef): string[] {
  const diffs: string[] = [];
  const top: [string, unknown, unknown][] = [
    ["id", a.id, b.id],
    ["name", a.name, b.name],
    ["minLength", a.minLength, b.minLength],
    ["strict", a.strict === true, b.strict === true],
    ["sensitive", a.sensitive === true, b.sensitive === true],
  ];
  for (const [key, x, y] of top) if (x !== y) diffs.push(`${key}: ${x} \u2192 ${y}`);
  const left = leaves(a.fields);
  const right = leaves(b.fields);
  for (const [path, shape] of left) {
    const other = right.get(path);
    if (!other) {
      diffs.push(`field ${path}: only in the registered schema`);
      continue;
    }
    for (const key of Object.keys(shape) as (keyof Shape)[]) {
      if (shape[key] !== other[key]) {
        diffs.push(`field ${path}: ${key} ${show(shape[key])} \u2192 ${show(other[key])}`);
      }
    }
  }
  for (const path of right.keys()) {
    if (!left.has(path)) diffs.push(`field ${path}: only in the new schema`);
  }
  return diffs;
}

function show(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : String(value);
}
