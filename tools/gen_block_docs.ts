// Generates docs/blocks.md, the block reference, from the built-in schema data. Run with
// `deno task gen:docs`; a test fails when the committed file is stale.
import { BLUETTI_V2_BLOCKS } from "../src/plugins/bluetti_v2/blocks.ts";
import { BlockSchema } from "../src/parser/block_schema.ts";
import { BUILTIN_PROFILES } from "../profiles/mod.ts";

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** The Markdown of the block reference. */
export function renderBlockReference(): string {
  const lines: string[] = [
    "# Block reference",
    "",
    "Generated from the built-in BLUETTI V2 schemas by `deno task gen:docs` — do not edit by hand.",
    "Offsets are byte offsets in the block's data (register = block id + offset / 2). 32-bit",
    "values of V2 stations are low word first (`uint32_lw`); model strings are byte-swapped per",
    "register (`string_swapped:N`); serials are four registers in reverse order (`serial_u64_rev`).",
    "`since` is the protocol version a field exists from; when the station's version is unknown,",
    "every field whose bytes are present is decoded.",
    "",
    "| block | name | registers | status | polled by |",
    "| --- | --- | --- | --- | --- |",
  ];
  const schemas = BLUETTI_V2_BLOCKS.map((def) => new BlockSchema(def));
  for (const s of schemas) {
    const users = BUILTIN_PROFILES.flatMap((p) =>
      p.groups.filter((g) => g.blocks.includes(s.id)).map((g) => `${p.id} (${g.name})`)
    );
    lines.push(
      `| [${s.id}](#block-${s.id}) | ${s.name} | ${s.registerCount} | ${s.verificationStatus} | ${
        users.join(", ") || "—"
      } |`,
    );
  }
  for (const s of schemas) {
    lines.push(
      "",
      `## Block ${s.id}`,
      "",
      `**${s.name}** — ${cell(s.description)}`,
      "",
      `At least ${s.minLength} data bytes; fields span ${s.maxFieldEnd} bytes (${s.registerCount} registers); ` +
        `${s.strict ? "strict" : "lenient"}; ${s.verificationStatus}.` +
        (s.sensitive ? " Holds secrets: always redacted." : ""),
      "",
      "| offset | field | type | transforms | unit | required | since | evidence |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const f of s.fields) {
      lines.push(
        `| ${f.offset} | ${f.path}${f.sensitive ? " (secret)" : ""} | ${f.datatype.text} | ${
          f.transforms?.specs.join(", ") ?? ""
        } | ${f.unit ?? ""} | ${f.required ? "yes" : ""} | ${f.minProtocolVersion ?? ""} | ${
          cell(f.def.evidence ?? "")
        } |`,
      );
    }
    const withdrawn = s.def.withdrawnFields ?? [];
    if (withdrawn.length > 0) {
      lines.push("", `Withdrawn (never decoded): ${withdrawn.join(", ")}.`);
    }
  }
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const out = Deno.args[0] ?? "docs/blocks.md";
  await Deno.writeTextFile(out, renderBlockReference());
  console.log(`wrote ${out}`);
}
