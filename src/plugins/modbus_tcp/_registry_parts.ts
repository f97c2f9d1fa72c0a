// The compilers of register-map plugins (see `_registry_factory.ts`). Private to src/plugins.
import { SchemaRegistry } from "../../parser/registry.ts";
import { compileRegisterMapSource } from "../../parser/register_map_source.ts";
import { provideRegisterMapCompilers } from "./_registry_factory.ts";

provideRegisterMapCompilers({
  registry: (defs) => new SchemaRegistry(defs),
  map: compileRegisterMapSource,
});
