/**
 * The device layer: what Power SDK knows about station models (profiles: poll groups,
 * cadences, register counts, field overrides, writable registers) and how to find them. It
 * knows nothing of bytes or sockets.
 *
 * @module
 */
export * from "./profile.ts";
