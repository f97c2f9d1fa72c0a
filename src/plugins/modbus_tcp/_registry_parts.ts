// The schema registry for register-map plugins (see `_registry_factory.ts`). Private to
// src/plugins.
import { SchemaRegistry } from "../../parser/registry.ts";
import { provideRegistryFactory } from "./_registry_factory.ts";

provideRegistryFactory((defs) => new SchemaRegistry(defs));
