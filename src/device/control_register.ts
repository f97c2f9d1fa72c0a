/**
 * One writable control register of a station: where it is, what it accepts and
 * whether writing it is dangerous. Written with Modbus function 0x06 (write single register).
 *
 * @example Describe a register
 * ```ts
 * import type { ControlRegisterDef } from "@power-sdk/sdk";
 * import assert from "node:assert/strict";
 *
 * const dcOutput: ControlRegisterDef = {
 *   register: 2012,
 *   name: "dc_output",
 *   kind: "switch",
 *   values: { on: 1, off: 0 },
 *   dangerous: false,
 *   description: "DC output on/off",
 *   function: 0x06,
 * };
 * assert.equal(dcOutput.values?.on, 1);
 * ```
 */
export interface ControlRegisterDef {
  /** Register address. */
  readonly register: number;
  /** Snake case name (`ac_output`), unique among the control registers. */
  readonly name: string;
  /** `switch`: on 1 / off 0; `number`: an integer within `min`..`max`; `enum`: one of `values`. */
  readonly kind: "switch" | "number" | "enum";
  /** Smallest accepted value (`number` registers). */
  readonly min?: number;
  /** Largest accepted value (`number` registers). */
  readonly max?: number;
  /** Unit of the value (`W`, `h`, `%`), for `number` registers. */
  readonly unit?: string;
  /** Label -> value, for `switch` and `enum` registers. */
  readonly values?: Readonly<Record<string, number>>;
  /**
   * Writing it powers the station off, resets it or starts a long routine: never written
   * without an explicit, separate confirmation.
   */
  readonly dangerous: boolean;
  /** What the register controls, and how well that is known. */
  readonly description: string;
  /** Modbus function used to write it: 0x06, write single register. */
  readonly function: 0x06;
}
