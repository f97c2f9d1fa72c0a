// The station values of the Prometheus sink, kept as ready-to-print lines: with a thousand
// stations (~70,000 series) prom-client's registry needs over a second per scrape, this needs a
// few tens of ms. Text format 0.0.4: one HELP and TYPE per family, label values escaped.
// Private to src/runtime/sinks.

/** A label value escaped for the text format: `\` -> `\\`, `"` -> `\"`, newline -> `\n`. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** `{a="x",b="y"}` from labels in their given order. */
export function labelText(labels: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    parts.push(`${name}="${escapeLabelValue(value)}"`);
  }
  return `{${parts.join(",")}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

interface Family {
  readonly help: string;
  readonly type: "gauge" | "counter";
  readonly series: Map<string, number>;
}

/** Families of series set and removed by label text, rendered in insertion order. */
export class ValueFamilies {
  #families = new Map<string, Family>();

  set(name: string, help: string, type: "gauge" | "counter", labels: string, value: number): void {
    let family = this.#families.get(name);
    if (!family) this.#families.set(name, family = { help, type, series: new Map() });
    family.series.set(labels, value);
  }

  remove(name: string, labels: string): void {
    this.#families.get(name)?.series.delete(labels);
  }

  render(): string {
    const out: string[] = [];
    for (const [name, family] of this.#families) {
      if (family.series.size === 0) continue;
      out.push(`# HELP ${name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
      out.push(`# TYPE ${name} ${family.type}`);
      for (const [labels, value] of family.series) {
        out.push(`${name}${labels} ${formatValue(value)}`);
      }
    }
    return out.length === 0 ? "" : out.join("\n") + "\n";
  }
}
