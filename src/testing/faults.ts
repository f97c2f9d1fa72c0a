// Fault injection for the simulated station: fault rules, the CLI spec parser and the seeded
// decision a station makes for each request. Its public symbols are re-exported by
// ./simulated_station.ts; the rest is private to this folder.

/**
 * What can go wrong with a simulated station:
 * - `silent`: the station processes the request (a write takes effect) but sends no reply, like
 *   a reply lost on the way;
 * - `late`: the reply is published after a delay ({@linkcode FaultRule.delayMs});
 * - `crc`: the reply's last CRC byte is flipped;
 * - `exception`: the station answers with a Modbus exception ({@linkcode FaultRule.code}, 4
 *   "device failure" by default) and does not process the request;
 * - `truncated`: the reply's RTU frame is cut to half its length (the envelope stays whole);
 * - `unsolicited`: extra frames (a 0x03 frame with 98 registers of block 100 and a 0x10 push,
 *   alternately) are published before the reply, and/or every
 *   {@linkcode FaultRule.intervalMs} by the MQTT wrapper;
 * - `disconnect`: the station drops its MQTT connection without a DISCONNECT packet (the
 *   request is lost) and reconnects after {@linkcode FaultRule.downtimeMs};
 * - `duplicate`: the previous reply is published again just before this request's reply (a
 *   duplicate delivery that arrives late, while the next request waits);
 * - `foreign`: a CRC-valid reply of another block the station serves (with that block's own
 *   register count) is published unprompted before the reply;
 * - `short`: a short unsolicited 0x03 frame (the first 3 registers of block 100) is published
 *   before the reply.
 *
 * @example Every kind, in the order a request meets them
 * ```ts
 * import { FAULT_KINDS, type FaultKind } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const kind: FaultKind = "crc";
 * assert.ok(FAULT_KINDS.includes(kind));
 * ```
 */
export type FaultKind =
  | "disconnect"
  | "silent"
  | "exception"
  | "truncated"
  | "crc"
  | "late"
  | "unsolicited"
  | "duplicate"
  | "foreign"
  | "short";

/**
 * Every fault kind, in the order a request meets them: `disconnect`, `silent` and `exception`
 * end the request (the first that hits wins, later rules are not drawn); `truncated`, `crc`,
 * `late`, `unsolicited`, `duplicate`, `foreign` and `short` change or add to the reply.
 *
 * @example List the kinds
 * ```ts
 * import { FAULT_KINDS } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(FAULT_KINDS, [
 *   "disconnect", "silent", "exception", "truncated", "crc", "late", "unsolicited",
 *   "duplicate", "foreign", "short",
 * ]);
 * ```
 */
export const FAULT_KINDS: readonly FaultKind[] = Object.freeze([
  "disconnect",
  "silent",
  "exception",
  "truncated",
  "crc",
  "late",
  "unsolicited",
  "duplicate",
  "foreign",
  "short",
]);

/**
 * One fault rule. Without `probability` and `count` a rule hits every request (an
 * `unsolicited` rule with only `intervalMs` hits no request: it only drives the timer).
 *
 * @example The next two requests get no reply; one in ten replies has a bad CRC
 * ```ts
 * import type { FaultRule } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const rules: FaultRule[] = [
 *   { kind: "silent", count: 2 },
 *   { kind: "crc", probability: 0.1 },
 * ];
 * assert.equal(rules.length, 2);
 * ```
 */
export interface FaultRule {
  /** The fault. */
  readonly kind: FaultKind;
  /**
   * Chance, 0..1, that the fault hits a request; drawn from the station's seeded generator.
   * @default {1, or 0 for an `unsolicited` rule that has only `intervalMs`}
   */
  readonly probability?: number;
  /**
   * The rule applies to the next `count` requests only (each still subject to `probability`),
   * then it is removed. A positive integer. @default {unlimited}
   */
  readonly count?: number;
  /** `late` only: milliseconds between the request and the reply. @default {1000} */
  readonly delayMs?: number;
  /**
   * `unsolicited` only: the MQTT wrapper pushes one unsolicited frame every `intervalMs`
   * milliseconds (at least 1). @default {2000 when the rule has no probability and no count}
   */
  readonly intervalMs?: number;
  /** `disconnect` only: milliseconds before the station reconnects. @default {1000} */
  readonly downtimeMs?: number;
  /** `exception` only: the Modbus exception code, 1..255. @default {4} */
  readonly code?: number;
}

/**
 * Faults as accepted by options and `injectFault`: a spec string (see
 * {@linkcode parseFaultSpec}), one rule or a list of rules.
 *
 * @example Three ways to say the same
 * ```ts
 * import { parseFaultSpec, type FaultSpec } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * const text: FaultSpec = "late:200ms";
 * const rule: FaultSpec = { kind: "late", delayMs: 200 };
 * const list: FaultSpec = [rule];
 * assert.deepEqual(parseFaultSpec(text), list);
 * ```
 */
export type FaultSpec = string | FaultRule | readonly FaultRule[];

/**
 * Parses a fault spec string, the form used on command lines:
 *
 * ```text
 * spec        = [ rule *( "," rule ) ]          ; blanks around tokens are ignored
 * rule        = kind *( ":" arg )               ; each kind of arg at most once per rule
 * kind        = "silent" / "late" / "crc" / "exception" / "truncated"
 *             / "unsolicited" / "disconnect" / "duplicate" / "foreign" / "short"
 * arg         = probability / count / duration / code
 * probability = decimal with a "." in 0..1 ("0.1", "1.0", ".5") or a percentage ("10%");
 *               for kinds other than exception also "0" and "1"
 * count       = positive integer + "x"          ; "3x": the next 3 requests only
 * duration    = number + "ms" or "s"            ; late: delay, unsolicited: interval,
 *                                               ; disconnect: downtime
 * code        = integer 1..255                  ; exception only (a bare integer)
 * ```
 *
 * Examples: `silent:0.1,crc:0.05,late:200ms,unsolicited:2000ms,exception:3` (10 % of requests
 * unanswered, 5 % of replies with a bad CRC, every reply 200 ms late, an unsolicited frame
 * every 2 s, every request answered with exception 3); `exception:6:2x` (the next two
 * requests get "busy"); `disconnect:1x:5s` (drop the connection at the next request, back
 * after 5 s).
 *
 * @param spec The spec string; empty means no faults.
 * @returns The rules, in spec order (only the fields the spec sets).
 * @throws {SyntaxError} When a token is malformed, unknown or repeated; the message quotes it.
 * @throws {RangeError} When a value is out of range (probability above 1, code above 255).
 *
 * @example Parse the CLI example
 * ```ts
 * import { parseFaultSpec } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseFaultSpec("silent:0.1,crc:5%,late:200ms,unsolicited:2s,exception:3"), [
 *   { kind: "silent", probability: 0.1 },
 *   { kind: "crc", probability: 0.05 },
 *   { kind: "late", delayMs: 200 },
 *   { kind: "unsolicited", intervalMs: 2000 },
 *   { kind: "exception", code: 3 },
 * ]);
 * ```
 *
 * @example Errors name the bad token
 * ```ts
 * import { parseFaultSpec } from "@power-sdk/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => parseFaultSpec("silent:0.1,slient:2x"), {
 *   name: "SyntaxError",
 *   message: 'Cannot parse fault spec: unknown fault "slient" in rule "slient:2x"; expected one of disconnect, silent, exception, truncated, crc, late, unsolicited, duplicate, foreign, short',
 * });
 * assert.throws(() => parseFaultSpec("late:fast"), { name: "SyntaxError", message: /"fast"/ });
 * ```
 */
export function parseFaultSpec(spec: string): FaultRule[] {
  if (typeof spec !== "string") {
    throw new TypeError(`Cannot parse fault spec: expected a string, got ${typeof spec}`);
  }
  const rules: FaultRule[] = [];
  if (spec.trim() === "") return rules;
  for (const rawRule of spec.split(",")) {
    const ruleText = rawRule.trim();
    if (ruleText === "") {
      throw new SyntaxError(`Cannot parse fault spec: empty rule in "${spec}"`);
    }
    const [rawKind, ...args] = ruleText.split(":").map((part) => part.trim());
    const kind = rawKind as FaultKind;
    if (!FAULT_KINDS.includes(kind)) {
      throw new SyntaxError(
        `Cannot parse fault spec: unknown fault "${rawKind}" in rule "${ruleText}"; expected one of ${
          FAULT_KINDS.join(", ")
        }`,
      );
    }
    const rule: { -readonly [K in keyof FaultRule]: FaultRule[K] } = { kind };
    const seen = new Set<string>();
    for (const arg of args) {
      const [what, apply] = parseArg(kind, arg, ruleText);
      if (seen.has(what)) {
        throw new SyntaxError(
          `Cannot parse fault spec: a second ${what} "${arg}" in rule "${ruleText}"`,
        );
      }
      seen.add(what);
      apply(rule);
    }
    rules.push(rule);
  }
  return rules;
}

type MutableRule = { -readonly [K in keyof FaultRule]: FaultRule[K] };

function parseArg(
  kind: FaultKind,
  arg: string,
  ruleText: string,
): [string, (rule: MutableRule) => void] {
  const bad = (why: string) =>
    new SyntaxError(
      `Cannot parse fault spec: ${why} "${arg}" in rule "${ruleText}"`,
    );
  let match: RegExpExecArray | null;
  if ((match = /^(\d+)x$/.exec(arg)) !== null) {
    const count = Number(match[1]);
    if (count < 1) {
      throw new RangeError(
        `Cannot parse fault spec: count must be at least 1x, got "${arg}" in rule "${ruleText}"`,
      );
    }
    return ["count", (rule) => rule.count = count];
  }
  if ((match = /^(\d+(?:\.\d+)?|\.\d+)(ms|s)$/.exec(arg)) !== null) {
    const ms = Number(match[1]) * (match[2] === "s" ? 1000 : 1);
    if (!Number.isSafeInteger(Math.round(ms))) throw bad("duration too long");
    const value = Math.round(ms);
    switch (kind) {
      case "late":
        return ["duration", (rule) => rule.delayMs = value];
      case "unsolicited":
        if (value < 1) {
          throw new RangeError(
            `Cannot parse fault spec: interval must be at least 1ms, got "${arg}" in rule "${ruleText}"`,
          );
        }
        return ["duration", (rule) => rule.intervalMs = value];
      case "disconnect":
        return ["duration", (rule) => rule.downtimeMs = value];
      default:
        throw bad(`a ${kind} fault takes no duration, got`);
    }
  }
  if ((match = /^(\d+(?:\.\d+)?|\.\d+)%$/.exec(arg)) !== null) {
    const percent = Number(match[1]);
    if (percent > 100) {
      throw new RangeError(
        `Cannot parse fault spec: probability must be 0..100%, got "${arg}" in rule "${ruleText}"`,
      );
    }
    return ["probability", (rule) => rule.probability = roundProbability(percent / 100)];
  }
  if (/^(\d+\.\d*|\.\d+)$/.test(arg)) {
    const p = Number(arg);
    if (p > 1) {
      throw new RangeError(
        `Cannot parse fault spec: probability must be 0..1, got "${arg}" in rule "${ruleText}"`,
      );
    }
    return ["probability", (rule) => rule.probability = p];
  }
  if (/^\d+$/.test(arg)) {
    const n = Number(arg);
    if (kind === "exception") {
      if (n < 1 || n > 255) {
        throw new RangeError(
          `Cannot parse fault spec: exception code must be 1..255, got "${arg}" in rule "${ruleText}"`,
        );
      }
      return ["code", (rule) => rule.code = n];
    }
    if (n === 0 || n === 1) return ["probability", (rule) => rule.probability = n];
    throw bad(`a bare number is a probability 0..1 (write ${n}x for a count), got`);
  }
  throw bad(
    "expected a probability (0.1, 10%), a count (3x), a duration (200ms, 2s) or an exception code, got",
  );
}

function roundProbability(p: number): number {
  return Math.round(p * 1e9) / 1e9;
}

/**
 * Checks one rule and returns a normalized copy.
 *
 * @throws {TypeError} For an unknown kind or a field the kind does not take.
 * @throws {RangeError} For a value out of range.
 */
export function checkFaultRule(rule: FaultRule): FaultRule {
  if (typeof rule !== "object" || rule === null) {
    throw new TypeError(`Cannot add fault: expected a rule object, got ${String(rule)}`);
  }
  const { kind } = rule;
  if (!FAULT_KINDS.includes(kind)) {
    throw new TypeError(
      `Cannot add fault: kind must be one of ${FAULT_KINDS.join(", ")}, got ${
        JSON.stringify(kind)
      }`,
    );
  }
  const only: Record<string, FaultKind> = {
    delayMs: "late",
    intervalMs: "unsolicited",
    downtimeMs: "disconnect",
    code: "exception",
  };
  for (const [field, owner] of Object.entries(only)) {
    const value = (rule as unknown as Record<string, unknown>)[field];
    if (value !== undefined && kind !== owner) {
      throw new TypeError(
        `Cannot add ${kind} fault: '${field}' applies only to ${owner} faults`,
      );
    }
  }
  const p = rule.probability;
  if (p !== undefined && !(typeof p === "number" && p >= 0 && p <= 1)) {
    throw new RangeError(`Cannot add ${kind} fault: probability must be 0..1, got ${p}`);
  }
  checkInteger(kind, "count", rule.count, 1, Number.MAX_SAFE_INTEGER);
  checkInteger(kind, "delayMs", rule.delayMs, 0, 2 ** 31 - 1);
  checkInteger(kind, "intervalMs", rule.intervalMs, 1, 2 ** 31 - 1);
  checkInteger(kind, "downtimeMs", rule.downtimeMs, 0, 2 ** 31 - 1);
  checkInteger(kind, "code", rule.code, 1, 255);
  const copy: MutableRule = { kind };
  if (p !== undefined) copy.probability = p;
  if (rule.count !== undefined) copy.count = rule.count;
  if (rule.delayMs !== undefined) copy.delayMs = rule.delayMs;
  if (rule.intervalMs !== undefined) copy.intervalMs = rule.intervalMs;
  if (rule.downtimeMs !== undefined) copy.downtimeMs = rule.downtimeMs;
  if (rule.code !== undefined) copy.code = rule.code;
  if (
    kind === "unsolicited" && copy.intervalMs === undefined && copy.probability === undefined &&
    copy.count === undefined
  ) {
    copy.intervalMs = DEFAULT_UNSOLICITED_INTERVAL_MS;
  }
  return Object.freeze(copy);
}

function checkInteger(
  kind: FaultKind,
  name: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot add ${kind} fault: ${name} must be an integer ${min}..${
        max === Number.MAX_SAFE_INTEGER ? "" : max
      }, got ${value}`,
    );
  }
}

/** Converts any accepted fault form into checked, normalized rules. */
export function normalizeFaultSpec(spec: FaultSpec): FaultRule[] {
  if (typeof spec === "string") return parseFaultSpec(spec).map(checkFaultRule);
  if (Array.isArray(spec)) return (spec as readonly FaultRule[]).map(checkFaultRule);
  return [checkFaultRule(spec as FaultRule)];
}

/** Default interval of an `unsolicited` rule given without probability, count or interval. */
export const DEFAULT_UNSOLICITED_INTERVAL_MS = 2000;
/** Default delay of a `late` rule. */
export const DEFAULT_LATE_DELAY_MS = 1000;
/** Default downtime of a `disconnect` rule. */
export const DEFAULT_DOWNTIME_MS = 1000;
/** Default exception code of an `exception` rule: 4, device failure. */
export const DEFAULT_EXCEPTION_CODE = 4;

/** What the faults decided for one request. */
export interface FaultDecision {
  /** The fault that ends the request, if any. */
  readonly terminal: "disconnect" | "silent" | "exception" | null;
  /** For `exception`: the code. */
  readonly exceptionCode: number;
  /** For `disconnect`: the downtime. */
  readonly downtimeMs: number;
  /** Cut the reply. */
  readonly truncated: boolean;
  /** Flip a CRC byte. */
  readonly crc: boolean;
  /** Delay before the reply, 0 for none. */
  readonly delayMs: number;
  /** Number of unsolicited frames to push before the reply. */
  readonly unsolicited: number;
  /** Publish the previous reply again before this one. */
  readonly duplicate: boolean;
  /** Number of other blocks' replies to push before the reply. */
  readonly foreign: number;
  /** Number of short unsolicited 0x03 frames to push before the reply. */
  readonly short: number;
  /** The kinds that hit, in order. */
  readonly hits: readonly FaultKind[];
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number | null;
}

/** The active fault rules of one station and the seeded draw for each request. */
export class FaultSet {
  #rules: ActiveRule[] = [];
  #random: () => number;
  #snapshot: readonly FaultRule[] | null = null;
  #onChange: ((rules: readonly FaultRule[]) => void) | undefined;

  constructor(random: () => number, onChange?: (rules: readonly FaultRule[]) => void) {
    this.#random = random;
    this.#onChange = onChange;
  }

  /** The active rules; `count` is what is left. A new frozen array after every change. */
  get rules(): readonly FaultRule[] {
    this.#snapshot ??= Object.freeze(
      this.#rules.map(({ rule, remaining }) =>
        remaining === null || remaining === rule.count
          ? rule
          : Object.freeze({ ...rule, count: remaining })
      ),
    );
    return this.#snapshot;
  }

  add(spec: FaultSpec): void {
    const rules = normalizeFaultSpec(spec);
    if (rules.length === 0) return;
    for (const rule of rules) this.#rules.push({ rule, remaining: rule.count ?? null });
    this.#changed();
  }

  clear(kind?: FaultKind): void {
    const before = this.#rules.length;
    this.#rules = kind === undefined ? [] : this.#rules.filter((r) => r.rule.kind !== kind);
    if (this.#rules.length !== before) this.#changed();
  }

  /** Draws the faults for one request, in {@linkcode FAULT_KINDS} order. */
  decide(): FaultDecision {
    let terminal: FaultDecision["terminal"] = null;
    let exceptionCode = DEFAULT_EXCEPTION_CODE;
    let downtimeMs = DEFAULT_DOWNTIME_MS;
    let truncated = false;
    let crc = false;
    let delayMs = 0;
    let unsolicited = 0;
    let duplicate = false;
    let foreign = 0;
    let short = 0;
    const hits: FaultKind[] = [];
    let changed = false;
    for (const kind of FAULT_KINDS) {
      if (terminal !== null) break;
      for (const active of this.#rules) {
        if (active.rule.kind !== kind) continue;
        if (terminal !== null) break;
        const { rule } = active;
        const probability = rule.probability ??
          (kind === "unsolicited" && rule.count === undefined ? 0 : 1);
        if (active.remaining !== null) {
          active.remaining--;
          changed = true;
        }
        const hit = probability >= 1
          ? true
          : probability <= 0
          ? false
          : this.#random() < probability;
        if (!hit) continue;
        hits.push(kind);
        switch (kind) {
          case "disconnect":
            terminal = kind;
            downtimeMs = rule.downtimeMs ?? DEFAULT_DOWNTIME_MS;
            break;
          case "silent":
            terminal = kind;
            break;
          case "exception":
            terminal = kind;
            exceptionCode = rule.code ?? DEFAULT_EXCEPTION_CODE;
            break;
          case "truncated":
            truncated = true;
            break;
          case "crc":
            crc = true;
            break;
          case "late":
            delayMs = Math.max(delayMs, rule.delayMs ?? DEFAULT_LATE_DELAY_MS);
            break;
          case "unsolicited":
            unsolicited++;
            break;
          case "duplicate":
            duplicate = true;
            break;
          case "foreign":
            foreign++;
            break;
          case "short":
            short++;
            break;
        }
      }
    }
    if (changed) {
      const before = this.#rules.length;
      this.#rules = this.#rules.filter((r) => r.remaining === null || r.remaining > 0);
      // Counts left change the snapshot too; only a removal is worth a listener call.
      this.#snapshot = null;
      if (this.#rules.length !== before) this.#onChange?.(this.rules);
    }
    return {
      terminal,
      exceptionCode,
      downtimeMs,
      truncated,
      crc,
      delayMs,
      unsolicited,
      duplicate,
      foreign,
      short,
      hits,
    };
  }

  #changed(): void {
    this.#snapshot = null;
    this.#onChange?.(this.rules);
  }
}

/**
 * A small seeded generator (mulberry32): uniform numbers in [0, 1), the same sequence for the
 * same seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
