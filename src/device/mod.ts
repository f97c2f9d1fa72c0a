/**
 * The device layer: what Power SDK knows about station models (profiles: poll groups,
 * cadences, register counts, field overrides, writable registers) and how to find them; a
 * station's state built from decoded records (per block and group, identity, merged view,
 * snapshot); plausibility checks of decoded values; and the safety gates every write passes.
 * It knows nothing of bytes or sockets.
 *
 * @module
 */
export * from "./profile.ts";
export * from "./control_register.ts";
export * from "./identity.ts";
export * from "./device_state.ts";
export * from "./plausibility.ts";
export * from "./write_gates.ts";
