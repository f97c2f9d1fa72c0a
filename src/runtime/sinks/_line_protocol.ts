// InfluxDB line protocol: escaping and one line per snapshot. Private to src/runtime/sinks.
import type { Snapshot } from "../types.ts";
import { groupOf, numericFields } from "./_fields.ts";

/** Measurement: `,` and space escaped (backslashes doubled first); newlines replaced. */
export function escapeMeasurement(text: string): string {
  return clean(text).replace(/\\/g, "\\\\").replace(/[, ]/g, (c) => `\\${c}`);
}

/**
 * Tag key, tag value or field key: `,`, `=` and space escaped. A trailing backslash cannot be
 * written (InfluxDB 1.x rejects it even doubled): it is dropped.
 */
export function escapeKey(text: string): string {
  return clean(text).replace(/\\+$/, "").replace(/\\/g, "\\\\").replace(/[,= ]/g, (c) => `\\${c}`);
}

function clean(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, " ");
}

/** A float field value: finite numbers only, written without suffix (always a float). */
function floatValue(value: number): string {
  return Number.isInteger(value) ? value.toFixed(0) : String(value);
}

/**
 * The line of a snapshot: measurement = the group, tags device/model/serial (sorted, empty ones
 * left out), one float field per numeric field with a value, the poll's time in ms. Null when
 * the snapshot has no value (a failed poll).
 */
export function snapshotLine(
  snapshot: Snapshot,
  tags: { readonly serial: string; readonly model: string },
): string | null {
  const fields: string[] = [];
  for (const field of numericFields(snapshot)) {
    if (field.value === null || field.key.startsWith("_") || field.key === "time") continue;
    fields.push(`${escapeKey(field.key)}=${floatValue(field.value)}`);
  }
  if (fields.length === 0) return null;
  const tagPairs = [["device", snapshot.deviceId], ["model", tags.model], ["serial", tags.serial]]
    .map(([k, v]) => [k!, escapeKey(v!)])
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `,${k}=${v}`)
    .join("");
  const at = Date.parse(snapshot.at);
  const time = Number.isFinite(at) ? ` ${at}` : "";
  return `${escapeMeasurement(groupOf(snapshot))}${tagPairs} ${fields.join(",")}${time}`;
}
