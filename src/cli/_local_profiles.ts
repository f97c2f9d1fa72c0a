// The profiles of plugins defined over register maps (local Modbus TCP) as `profiles` and
// `profiles show` print them. Private to src/cli.
import type { RegisterMap, RegisterMapDef } from "../parser/register_map.ts";
import type { ProtocolPlugin } from "../plugin/plugin.ts";
import { formatTable } from "./_table.ts";

/**
 * The definitions of the plugins' register maps, in order: neither the maps nor the profiles
 * are compiled (listing them compiled six register maps to print their names).
 */
export function registerMapDefs(plugins: readonly ProtocolPlugin[]): RegisterMapDef[] {
  return plugins.flatMap((plugin) =>
    plugin.registerMapDefs?.() ??
      plugin.profiles.flatMap((profile) => plugin.registerMap?.(profile)?.def ?? [])
  );
}

/** The table of local profiles, with a title line. */
export function localProfilesTable(defs: readonly RegisterMapDef[]): string {
  const rows = [["ID", "NAME", "ALIASES", "TRANSPORT", "GROUPS"]];
  for (const def of defs) {
    rows.push([
      def.id,
      def.name ?? def.id,
      (def.aliases ?? []).join(", ") || "-",
      "modbus_tcp",
      Object.entries(def.groups).map(([name, g]) =>
        `${name}: ${g.fields.length} fields every ${g.cadence_s ?? 30} s`
      ).join("; "),
    ]);
  }
  return `Local Modbus TCP profiles (read/write --modbus-tcp <host:port>):\n${formatTable(rows)}`;
}

/** One local profile in full: served ranges, plan settings, fields, writable ranges. */
export function describeLocalProfile(map: RegisterMap): string {
  const facts = formatTable([
    ["aliases:", (map.def.aliases ?? []).join(", ") || "none"],
    ["vendor:", map.def.vendor ?? "generic"],
    ["transport:", `modbus_tcp, unit ${map.def.unit_id ?? 1}`],
    ["served:", map.def.served.map(([lo, hi]) => lo === hi ? `${lo}` : `${lo}..${hi}`).join(", ")],
    [
      "reads:",
      map.def.isolate_all === true ? "every field alone" : `up to ${map.def.max_span} registers`,
    ],
  ]);
  const fields = formatTable([
    ["FIELD", "ADDRESS", "TYPE", "SCALE", "UNIT", "WRITABLE"],
    ...map.fields.map((f) => {
      const w = f.def.writable;
      return [
        f.name,
        String(f.address),
        f.datatype.text,
        String(f.scale),
        f.def.unit ?? "-",
        w === undefined ? "-" : w.switch === true ? "on/off" : `${w.min}..${w.max}`,
      ];
    }),
  ]);
  return `${map.id}: ${map.def.name ?? map.id}\n${facts}\n\n${fields}`;
}
