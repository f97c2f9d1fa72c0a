// The profile lives beside its plugin (src/plugins/bluetti_v2/profiles/); re-exported here.
export * from "../src/plugins/bluetti_v2/profiles/el30v2.ts";
