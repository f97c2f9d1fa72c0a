// The profile lives beside its plugin (src/plugins/bluetti_v2/profiles/); re-exported here.
export * from "../src/plugins/bluetti_v2/profiles/generic_v2.ts";
