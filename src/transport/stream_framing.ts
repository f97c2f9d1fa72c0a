/**
 * How frames travel on a byte stream (a TCP socket): where one ends, and the correlation id
 * each request carries and its reply echoes. A protocol supplies it (Modbus TCP:
 * `MBAP_STREAM_FRAMING`), so a stream transport splits and correlates frames without knowing
 * what they mean.
 *
 * @example A toy framing: one length byte, one id byte, the body
 * ```ts
 * import type { StreamFraming } from "@power-sdk/sdk/transport";
 * import assert from "node:assert/strict";
 *
 * const toy: StreamFraming = {
 *   name: "toy",
 *   idSpace: 256,
 *   frameLength: (b) => b.length === 0 ? 0 : b.length >= b[0]! ? b[0]! : 0,
 *   correlationId: (f) => f[1] ?? -1,
 *   setCorrelationId: (f, id) => {
 *     f[1] = id;
 *   },
 * };
 * assert.equal(toy.frameLength(new Uint8Array([3, 7, 9, 3])), 3);
 * ```
 */
export interface StreamFraming {
  /** A short name (part of the shared-connection key). */
  readonly name: string;
  /** Number of distinct correlation ids; ids run 1, 2, ... and wrap to 0 at this value. */
  readonly idSpace: number;
  /**
   * Length of the first frame in `buffer`: 0 while incomplete, -1 when the bytes cannot start a
   * frame (the connection is then dropped: the stream is out of step). Must not throw.
   */
  frameLength(buffer: Uint8Array): number;
  /** The correlation id of a received frame, or -1. Must not throw. */
  correlationId(frame: Uint8Array): number;
  /** Writes the correlation id into a request frame, in place. */
  setCorrelationId(frame: Uint8Array, id: number): void;
}
