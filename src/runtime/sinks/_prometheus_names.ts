// Field → Prometheus metric: name in base units and the factor to get there, per the naming
// guide (one prefix, base units, plural unit suffix, `_total` on counters, ratios 0..1).
// Private to src/runtime/sinks.
import type { FieldReading } from "./_fields.ts";
import { slug } from "./_fields.ts";

export interface MetricShape {
  readonly name: string;
  readonly kind: "gauge" | "counter";
  readonly factor: number;
  readonly help: string;
}

const DURATION_FACTOR: Readonly<Record<string, number>> = { min: 60, h: 3600, s: 1, ms: 0.001 };

/** The metric a field becomes, or null when it cannot be one. */
export function metricShape(prefix: string, field: FieldReading): MetricShape | null {
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
      if (base.endsWith("_total")) return null;
      return { name: base, kind: "gauge", factor: 1, help: help("Value") };
  }
}
