import { ConfigError } from "../../errors/errors.ts";
import { didYouMean } from "../../_shared/did_you_mean.ts";
import { compileRegisterMap, type RegisterMap } from "../../parser/register_map.ts";
import { BLUETTI_LOCAL_MAPS } from "./models.ts";

let compiled: Map<string, RegisterMap> | undefined;

function maps(): Map<string, RegisterMap> {
  if (compiled === undefined) {
    compiled = new Map(BLUETTI_LOCAL_MAPS.map((def) => [def.id, compileRegisterMap(def)]));
  }
  return compiled;
}

function key(name: string): string {
  return name.toUpperCase().replace(/[\s_-]/g, "");
}

/**
 * The register maps of BLUETTI's local Modbus TCP models, compiled.
 *
 * @returns Every local profile, in documentation order.
 *
 * @example
 * ```ts
 * import { listLocalProfiles } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.equal(listLocalProfiles().length, 6);
 * ```
 */
export function listLocalProfiles(): readonly RegisterMap[] {
  return [...maps().values()];
}

/**
 * Finds a local Modbus TCP profile by id or alias (case, spaces, dashes and underscores
 * ignored).
 *
 * @param name `AC500`, `ep500pro`, `Apex 300`, `Balco 260`, ...
 * @returns The compiled register map.
 * @throws {ConfigError} `CONFIG_UNKNOWN_PROFILE` with the known ids and a suggestion.
 *
 * @example
 * ```ts
 * import { getLocalProfile } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getLocalProfile("Apex 300").id, "PA030");
 * assert.throws(() => getLocalProfile("AC5000"), { code: "CONFIG_UNKNOWN_PROFILE" });
 * ```
 */
export function getLocalProfile(name: string): RegisterMap {
  const wanted = key(name);
  for (const map of maps().values()) {
    if (key(map.id) === wanted || (map.def.aliases ?? []).some((a) => key(a) === wanted)) {
      return map;
    }
  }
  const ids = [...maps().keys()];
  const hint = didYouMean(name, ids);
  throw new ConfigError(
    "CONFIG_UNKNOWN_PROFILE",
    `Unknown local Modbus TCP profile '${name}': expected one of ${ids.join(", ")}${
      hint === undefined ? "" : `; did you mean '${hint}'?`
    }`,
  );
}
