// The compilers of register-map plugins (see `_registry_factory.ts`). Private to src/plugins.
import { SchemaRegistry } from "../../parser/registry.ts";
import { compileRegisterMapSource } from "../../parser/register_map_source.ts";
import { REGISTER_MAP_COMPILERS } from "./_registry_factory.ts";

REGISTER_MAP_COMPILERS.provide({
  registry: (defs) => new SchemaRegistry(defs),
  map: compileRegisterMapSource,
});
