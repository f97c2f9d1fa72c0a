import { didYouMean } from "../_shared/did_you_mean.ts";
import { WriteError } from "../errors/errors.ts";
import type { ControlRegisterDef } from "./control_register.ts";
import type { DeviceProfile } from "./profile.ts";

/**
 * What the user asked to write.
 *
 * @example Turn the AC output on
 * ```ts
 * import type { WriteRequest } from "@power-sdk/sdk/device";
 * import assert from "node:assert/strict";
 *
 * const request: WriteRequest = { target: "ac_output", value: "on" };
 * assert.equal(request.target, "ac_output");
 * ```
 */
export interface WriteRequest {
  /**
   * A control register name (`ac_output`; case, dashes and spaces are ignored) or its number
   * (2011, or the text `"2011"`).
   */
  readonly target: string | number;
  /**
   * The value: `on`/`off`/`true`/`false`/`1`/`0` (or booleans) for switches, a label (`turbo`)
   * or a listed number for enums, an integer (or its text) for number registers.
   */
  readonly value: number | string | boolean;
  /**
   * Write even though the block holding the register is not verified (`partial`,
   * `unverified`, or no known block). Does not cover dangerous registers.
   * @default {false}
   */
  readonly force?: boolean;
  /** Confirm a write to a dangerous register (power off, factory reset, battery aging). @default {false} */
  readonly confirmDangerous?: boolean;
}

/**
 * What the gates need to know about the station.
 *
 * @example Context of an Elite 100 V2 with writes enabled
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import { type WriteContext } from "@power-sdk/sdk/device";
 * import { BLUETTI_V2_CONTROL_REGISTERS } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const context: WriteContext = {
 *   profile: getProfile("EL100V2"),
 *   controlRegisters: BLUETTI_V2_CONTROL_REGISTERS,
 *   writesEnabled: true,
 *   verificationOf: () => "verified_reference",
 * };
 * assert.equal(context.verificationOf(2011), "verified_reference");
 * ```
 */
export interface WriteContext {
  /** The station's profile; its `writableRegisters` is the allow-list. */
  readonly profile: DeviceProfile;
  /** The control registers of the station's protocol. */
  readonly controlRegisters: readonly ControlRegisterDef[];
  /** Whether the user enabled writes for this device. */
  readonly writesEnabled: boolean;
  /**
   * The verification status of the block holding a register (`device_verified`,
   * `verified_reference`, `partial`, `unverified`), or null when no known block holds it.
   *
   * @param register The register number.
   * @returns The status, or null.
   */
  verificationOf(register: number): string | null;
}

/**
 * A write that passed every gate: what to send and why it was allowed.
 *
 * @example
 * ```ts
 * import { type ResolvedWrite } from "@power-sdk/sdk/device";
 * import { BLUETTI_V2_CONTROL_REGISTERS } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const def = BLUETTI_V2_CONTROL_REGISTERS.find((r) => r.register === 2011)!;
 * const write: ResolvedWrite = {
 *   register: 2011,
 *   name: "ac_output",
 *   value: 1,
 *   label: "on",
 *   def,
 *   dangerous: false,
 *   forced: false,
 *   verification: "verified_reference",
 * };
 * assert.equal(write.value, 1);
 * ```
 */
export interface ResolvedWrite {
  /** The register number. */
  readonly register: number;
  /** The register's name (`ac_output`). */
  readonly name: string;
  /** The 16-bit word to send (0..65535). */
  readonly value: number;
  /** The label of the value (`on`, `turbo`) for switches and enums; null for numbers. */
  readonly label: string | null;
  /** The register's definition. */
  readonly def: ControlRegisterDef;
  /** Whether the register is dangerous (and the write was confirmed). */
  readonly dangerous: boolean;
  /** Whether `force` was needed: the block holding the register is not verified. */
  readonly forced: boolean;
  /** The verification status of the block holding the register, or null when none holds it. */
  readonly verification: string | null;
}

/** Statuses of a block layout that permit a write without `force`. */
const VERIFIED = new Set(["device_verified", "verified_reference"]);

/**
 * Checks a write against every safety gate and resolves it into the 16-bit word to send.
 * Pure: it sends nothing and reads nothing but its arguments.
 *
 * The gates, in order; the first that fails throws a {@linkcode WriteError} `WRITE_REFUSED`
 * whose `gate` names it and whose message says what was refused, why, and how to proceed:
 * 1. `writes_disabled`: the user has not enabled writes for this device.
 * 2. `unknown_register`: the name or number is not among the control registers (a mistyped
 *    name gets a "did you mean").
 * 3. `not_allowed`: the profile does not allow-list the register (`writableRegisters`).
 * 4. `invalid_value`: a switch takes on/off/true/false/1/0; an enum one of its labels or listed
 *    numbers; a number register an integer within its `min`..`max`; every word is 0..65535.
 * 5. `unverified_block`: the block holding the register is not `device_verified` or
 *    `verified_reference` (it is `partial`, `unverified`, or no known block holds it), and
 *    `force` is not set.
 * 6. `needs_confirmation`: the register is dangerous and `confirmDangerous` is not set;
 *    `force` does not cover it.
 *
 * @param request What to write.
 * @param context The station: profile, control registers, writes enabled, verification.
 * @returns The resolved write.
 * @throws {WriteError} `WRITE_REFUSED` with the gate that refused the write and, when known,
 * the register.
 *
 * @example Resolve a label, refuse a dangerous register without confirmation
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import { checkWrite } from "@power-sdk/sdk/device";
 * import { BLUETTI_V2_CONTROL_REGISTERS } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const context = {
 *   profile: getProfile("EL100V2"),
 *   controlRegisters: BLUETTI_V2_CONTROL_REGISTERS,
 *   writesEnabled: true,
 *   verificationOf: () => "verified_reference",
 * };
 * const write = checkWrite({ target: "charging_mode", value: "turbo" }, context);
 * assert.deepEqual([write.register, write.value, write.label], [2020, 2, "turbo"]);
 *
 * assert.throws(() => checkWrite({ target: 2206, value: "on", force: true }, context), {
 *   code: "WRITE_REFUSED",
 *   gate: "needs_confirmation",
 * });
 * assert.throws(
 *   () => checkWrite({ target: "ac_output", value: "on" }, { ...context, writesEnabled: false }),
 *   { gate: "writes_disabled", message: /--enable-writes/ },
 * );
 * ```
 */
export function checkWrite(request: WriteRequest, context: WriteContext): ResolvedWrite {
  const def = findRegister(request.target, context.controlRegisters);
  const what = describeTarget(request.target, def);

  if (!context.writesEnabled) {
    throw refused(
      "writes_disabled",
      `Cannot write ${what}: writes are disabled for this device; enable writes for this device (writes_enabled: true / --enable-writes)`,
      def?.register ?? numberOf(request.target),
    );
  }

  if (def === undefined) {
    throw refused(
      "unknown_register",
      unknownMessage(request.target, context.controlRegisters),
      numberOf(request.target),
    );
  }

  if (!context.profile.writableRegisters.includes(def.register)) {
    const allowed = context.profile.writableRegisters.join(", ") || "none";
    throw refused(
      "not_allowed",
      `Cannot write ${what}: profile ${context.profile.id} does not allow-list it (writable registers: ${allowed}); only registers in the profile's writableRegisters can be written`,
      def.register,
    );
  }

  const resolved = resolveValue(def, request.value);
  if (typeof resolved === "string") {
    throw refused("invalid_value", `Cannot write ${what}: ${resolved}`, def.register);
  }

  const verification = context.verificationOf(def.register);
  const verified = verification !== null && VERIFIED.has(verification);
  if (!verified && request.force !== true) {
    const state = verification === null
      ? "no known block holds it, so its read-back layout is unverified"
      : `the block holding it is only '${verification}' (its layout is not verified)`;
    const hint = verification === null
      ? "pass --force (force: true) to write a register no known block holds"
      : `pass --force (force: true) to write to a block whose layout is only '${verification}'`;
    throw refused("unverified_block", `Cannot write ${what}: ${state}; ${hint}`, def.register);
  }

  if (def.dangerous && request.confirmDangerous !== true) {
    throw refused(
      "needs_confirmation",
      `Cannot write ${what}: register ${def.register} (${def.name}) is dangerous (${def.description}): pass --confirm-dangerous (confirmDangerous: true) to write it; --force does not cover it`,
      def.register,
    );
  }

  return {
    register: def.register,
    name: def.name,
    value: resolved.value,
    label: resolved.label,
    def,
    dangerous: def.dangerous,
    forced: !verified,
    verification,
  };
}

/**
 * One line describing a resolved write, for logs and dry runs:
 * `ac_output (register 2011) = 1 (on)`, with ` [dangerous, confirmed]` and
 * ` [forced: block 'partial']` when they apply.
 *
 * @param w The resolved write.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { getProfile } from "@power-sdk/sdk";
 * import { checkWrite, describeWrite } from "@power-sdk/sdk/device";
 * import { BLUETTI_V2_CONTROL_REGISTERS } from "@power-sdk/sdk/plugins";
 * import assert from "node:assert/strict";
 *
 * const write = checkWrite({ target: 2213, value: 3000 }, {
 *   profile: getProfile("EL100V2"),
 *   controlRegisters: BLUETTI_V2_CONTROL_REGISTERS,
 *   writesEnabled: true,
 *   verificationOf: () => "verified_reference",
 * });
 * assert.equal(describeWrite(write), "grid_max_power (register 2213) = 3000 W");
 * ```
 */
export function describeWrite(w: ResolvedWrite): string {
  const shown = w.label !== null
    ? `${w.value} (${w.label})`
    : w.def.unit !== undefined
    ? `${w.value} ${w.def.unit}`
    : String(w.value);
  const flags = [
    w.dangerous ? " [dangerous, confirmed]" : "",
    w.forced
      ? ` [forced: block ${w.verification === null ? "unknown" : `'${w.verification}'`}]`
      : "",
  ].join("");
  return `${w.name} (register ${w.register}) = ${shown}${flags}`;
}

function refused(
  gate:
    | "writes_disabled"
    | "unknown_register"
    | "not_allowed"
    | "invalid_value"
    | "unverified_block"
    | "needs_confirmation",
  message: string,
  register: number | undefined,
): WriteError {
  return new WriteError(
    "WRITE_REFUSED",
    gate,
    message,
    register === undefined ? {} : { register },
  );
}

function normalizeName(text: string): string {
  return text.trim().toLowerCase().replace(/[\s-]+/g, "_");
}

/** The register number a target names directly (a number or decimal text), if any. */
function numberOf(target: string | number): number | undefined {
  if (typeof target === "number") return Number.isInteger(target) ? target : undefined;
  const text = target.trim();
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

function findRegister(
  target: string | number,
  registers: readonly ControlRegisterDef[],
): ControlRegisterDef | undefined {
  const number = numberOf(target);
  if (number !== undefined) return registers.find((r) => r.register === number);
  if (typeof target !== "string") return undefined;
  const name = normalizeName(target);
  return registers.find((r) => r.name === name);
}

function describeTarget(target: string | number, def: ControlRegisterDef | undefined): string {
  if (def !== undefined) return `register ${def.register} (${def.name})`;
  return typeof target === "number" ? `register ${target}` : `'${target}'`;
}

function unknownMessage(target: string | number, registers: readonly ControlRegisterDef[]): string {
  const known = registers.length === 0
    ? "no control registers are known"
    : `known control registers are ${registers.map((r) => `${r.register} ${r.name}`).join(", ")}`;
  if (numberOf(target) !== undefined || typeof target === "number") {
    return `Cannot write register ${String(target).trim()}: it is not a control register; ${known}`;
  }
  const suggestion = didYouMean(normalizeName(target), registers.map((r) => r.name));
  const hint = suggestion === undefined ? "" : `; did you mean '${suggestion}'?`;
  return `Cannot write '${target}': no control register has that name${hint}; ${known}`;
}

interface Resolved {
  readonly value: number;
  readonly label: string | null;
}

/** The word and label for a value, or a message saying why it is refused. */
function resolveValue(
  def: ControlRegisterDef,
  value: number | string | boolean,
): Resolved | string {
  const shown = typeof value === "string" ? `'${value}'` : String(value);
  let resolved: Resolved | string;
  switch (def.kind) {
    case "switch":
      resolved = resolveSwitch(def, value, shown);
      break;
    case "enum":
      resolved = resolveEnum(def, value, shown);
      break;
    case "number":
      resolved = resolveNumber(def, value, shown);
      break;
    default:
      return `${shown} cannot be checked: unknown register kind '${String(def.kind)}'`;
  }
  if (typeof resolved === "string") return resolved;
  if (!Number.isInteger(resolved.value) || resolved.value < 0 || resolved.value > 0xffff) {
    return `${shown} resolves to ${resolved.value}, which is not a 16-bit word (0..65535)`;
  }
  return resolved;
}

function labelOf(def: ControlRegisterDef, word: number): string | null {
  for (const [label, v] of Object.entries(def.values ?? {})) if (v === word) return label;
  return null;
}

function resolveSwitch(
  def: ControlRegisterDef,
  value: number | string | boolean,
  shown: string,
): Resolved | string {
  const on = def.values?.["on"] ?? 1;
  const off = def.values?.["off"] ?? 0;
  const text = typeof value === "string" ? value.trim().toLowerCase() : value;
  let word: number | undefined;
  if (text === true || text === 1 || text === "on" || text === "true" || text === "1") word = on;
  if (text === false || text === 0 || text === "off" || text === "false" || text === "0") {
    word = off;
  }
  if (word === undefined && typeof text === "string" && def.values !== undefined) {
    word = Object.entries(def.values).find(([label]) => label.toLowerCase() === text)?.[1];
  }
  if (word === undefined) {
    return `${shown} is not a switch value; use on/off, true/false or 1/0`;
  }
  return { value: word, label: labelOf(def, word) ?? (word === on ? "on" : "off") };
}

function resolveEnum(
  def: ControlRegisterDef,
  value: number | string | boolean,
  shown: string,
): Resolved | string {
  const entries = Object.entries(def.values ?? {});
  const choices = entries.map(([label, v]) => `${label} (${v})`);
  const last = choices.pop();
  const listed = choices.length === 0 ? last ?? "nothing" : `${choices.join(", ")} or ${last}`;
  const refusal = `${shown} is not one of its values; use ${listed}`;
  if (typeof value === "boolean") return refusal;
  const text = typeof value === "string" ? value.trim() : value;
  if (typeof text === "string" && !/^\d+$/.test(text)) {
    const hit = entries.find(([label]) => label.toLowerCase() === text.toLowerCase());
    return hit === undefined ? refusal : { value: hit[1], label: hit[0] };
  }
  const word = Number(text);
  const hit = entries.find(([, v]) => v === word);
  return hit === undefined ? refusal : { value: hit[1], label: hit[0] };
}

function resolveNumber(
  def: ControlRegisterDef,
  value: number | string | boolean,
  shown: string,
): Resolved | string {
  const min = Math.max(def.min ?? 0, 0);
  const max = Math.min(def.max ?? 0xffff, 0xffff);
  const unit = def.unit === undefined ? "" : ` ${def.unit}`;
  const use = `use an integer from ${min} to ${max}${unit}`;
  if (typeof value === "boolean") return `${shown} is not a number; ${use}`;
  const text = typeof value === "string" ? value.trim() : value;
  if (typeof text === "string" && !/^[+-]?\d+(\.\d+)?$/.test(text)) {
    return `${shown} is not a number; ${use}`;
  }
  const number = Number(text);
  if (!Number.isInteger(number)) return `${shown} is not an integer; ${use}`;
  if (number < min || number > max) {
    return `${number}${unit} is outside ${min}..${max}${unit}; ${use}`;
  }
  return { value: number, label: null };
}
