// Field -> Prometheus metric: name in base units and the factor to get there, per the naming
// guide (one prefix, base units, plural unit suffix, `_total` on counters, ratios 0..1).
// Private to src/runtime/sinks.
import type { FieldReading } from "./_fields.ts";
import { slug } from "./_fields.ts";

export interface MetricShape {
  readonly name: string;
  /** The `field` label, for values served in the generic family. */
  readonly field?: string;
  readonly kind: "gauge" | "counter";
  readonly factor: number;
  readonly help: string;
}

const DURATION_FACTOR: Readonly<Record<string, number>> = { min: 60, h: 3600, s: 1, ms: 0.001 };

// Name tokens promtool's linter refuses (abbreviated or non-base units, type names) and
// suffixes reserved for histograms and summaries.
const BAD_TOKENS = new Set([
  "s",
  "ms",
  "us",
  "ns",
  "sec",
  "b",
  "kb",
  "mb",
  "gb",
  "tb",
  "pb",
  "m",
  "h",
  "d",
  "bit",
  "bits",
  "hours",
  "hour",
  "minutes",
  "minute",
  "milliseconds",
  "microseconds",
  "nanoseconds",
  "fahrenheit",
  "calories",
  "gauge",
  "counter",
  "histogram",
  "summary",
]);
const RESERVED_SUFFIXES = ["_count", "_sum", "_bucket", "_total", "_created", "_info"];

function lintSafe(name: string): boolean {
  const tokens = name.split("_");
  if (tokens.some((t) => BAD_TOKENS.has(t) || /^(?:milli|micro|nano|kilo|mega)/.test(t))) {
    return false;
  }
  return !RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/**
 * The metric a field becomes, or null when it cannot be one. A unitless value (a code, a
 * count), or one whose name would break the naming rules, goes to the generic gauge
 * `<prefix>_value` with the field's name as its `field` label.
 */
export function metricShape(prefix: string, field: FieldReading): MetricShape | null {
  const shape = specificShape(prefix, field);
  if (shape === null) return null;
  if (shape.name !== "" && lintSafe(shape.name.slice(prefix.length + 1).replace(/_total$/, ""))) {
    return shape;
  }
  if (shape.kind === "counter") return null;
  return {
    name: `${prefix}_value`,
    field: slug(field.path),
    kind: "gauge",
    factor: shape.factor,
    help: "A unitless value of the device's blocks (a code, a count, a flag), by field",
  };
}

function specificShape(prefix: string, field: FieldReading): MetricShape | null {
  const base = `${prefix}_${slug(field.path)}`;
  const unit = field.unit;
  const help = (what: string) =>
    `${what} of field '${field.path}'${unit ? ` (read in ${unit})` : ""}, from the device's blocks`;
  switch (field.quantity) {
    case "battery":
    case "percent":
      return { name: `${base}_ratio`, kind: "gauge", factor: 0.01, help: help("Ratio 0..1") };
    case "power":
      return {
        name: `${base}_watts`,
        kind: "gauge",
        factor: unit === "kW" ? 1000 : 1,
        help: help("Power in watts"),
      };
    case "apparent_power":
      return { name: `${base}_volt_amperes`, kind: "gauge", factor: 1, help: help("Volt-amperes") };
    case "energy":
      return {
        name: `${base}_joules_total`,
        kind: "counter",
        factor: unit === "kWh" ? 3_600_000 : 3_600,
        help: help("Energy counter in joules"),
      };
    case "voltage":
      return { name: `${base}_volts`, kind: "gauge", factor: 1, help: help("Volts") };
    case "current":
      return { name: `${base}_amperes`, kind: "gauge", factor: 1, help: help("Amperes") };
    case "frequency":
      return { name: `${base}_hertz`, kind: "gauge", factor: 1, help: help("Hertz") };
    case "temperature":
      return { name: `${base}_celsius`, kind: "gauge", factor: 1, help: help("Degrees Celsius") };
    case "duration":
      return {
        name: `${base}_seconds`,
        kind: "gauge",
        factor: DURATION_FACTOR[unit ?? "s"] ?? 1,
        help: help("Seconds"),
      };
    case "none":
      // Raw codes and counts: a plain gauge, unless the unit says it is scaled or unknown.
      if (unit !== null) return null;
      return { name: "", kind: "gauge", factor: 1, help: "" };
  }
}
