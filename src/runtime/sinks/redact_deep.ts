import { REDACTED } from "../../parser/redact.ts";

/** Key names (normalized: lower case, letters and digits only) whose values are secret. */
const SECRET_NAMES: readonly string[] = [
  "password",
  "passwd",
  "secret",
  "token",
  "passphrase",
  "certpassword",
  "privatekey",
  "keypem",
  "pfx",
];

/** What binary data (a `Uint8Array`, any typed array, `ArrayBuffer`) reads as. */
const BYTES = "[bytes]";
/** What an object that contains itself reads as where it repeats. */
const CIRCULAR = "[circular]";

function normalize(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function isSecret(key: string, names: readonly string[]): boolean {
  const normalized = normalize(key);
  return names.some((name) => normalized.endsWith(name));
}

function isBinary(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer);
}

function walk(value: unknown, names: readonly string[], ancestors: Set<object>): unknown {
  if (value === null || typeof value !== "object") return value;
  if (isBinary(value)) return BYTES;
  if (ancestors.has(value)) return CIRCULAR;
  if (value instanceof Date) return new Date(value.getTime());
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, names, ancestors));
    if (value instanceof Set) return [...value].map((item) => walk(item, names, ancestors));
    const entries: Iterable<readonly [string, unknown]> = value instanceof Map
      ? [...value].map(([key, item]) => [String(key), item] as const)
      : Object.entries(value);
    const copy: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      copy[key] = isSecret(key, names) && item !== null && item !== undefined
        ? REDACTED
        : walk(item, names, ancestors);
    }
    return copy;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * A deep copy of a value with every secret replaced, for anything a sink prints, logs or
 * stores.
 *
 * - A property whose key names a secret gets the value `"[redacted]"` (the parser's
 *   `REDACTED`), at any depth, unless the value is `null` or `undefined` (so "not set" stays
 *   visible). Keys are compared in lower case with everything but letters and digits removed,
 *   and a key is secret when it ends with one of `password`, `passwd`, `secret`, `token`,
 *   `passphrase`, `cert_password`, `private_key`, `key_pem`, `pfx` or an extra key: so
 *   `wifi_password`, `adv_login_password`, `certPassword` and `CERT-PASSWORD` are all secret.
 * - Binary data (`Uint8Array` and every other typed array, `DataView`, `ArrayBuffer`) becomes
 *   `"[bytes]"`: raw payloads are never written.
 * - An object met again inside itself (a cycle) becomes `"[circular]"`; the same object reached
 *   twice along different paths is copied twice.
 * - Arrays and plain objects are copied; a `Map` becomes a plain object (keys as strings), a
 *   `Set` an array, a `Date` a new `Date`; other objects are copied as plain objects of their
 *   own enumerable properties. Primitives are returned as they are.
 *
 * The function is pure: the input is never changed.
 *
 * @param value Anything, usually a {@linkcode Snapshot}.
 * @param extraKeys More key names to treat as secret, matched the same way as the built-in
 * ones; empty names are ignored.
 * @returns The redacted copy.
 *
 * @example Redact a password nested in a snapshot's values
 * ```ts
 * import { redactDeep } from "@power-sdk/sdk/runtime";
 * import assert from "node:assert/strict";
 *
 * const values = {
 *   soc: 87,
 *   wifi: { ssid: "home", wifi_password: "hunter22" },
 *   cert_password: "p12-secret",
 *   raw: new Uint8Array([1, 2, 3]),
 *   api_key: "abc",
 * };
 * assert.deepEqual(redactDeep(values, ["api_key"]), {
 *   soc: 87,
 *   wifi: { ssid: "home", wifi_password: "[redacted]" },
 *   cert_password: "[redacted]",
 *   raw: "[bytes]",
 *   api_key: "[redacted]",
 * });
 * assert.equal(values.wifi.wifi_password, "hunter22");
 * ```
 */
export function redactDeep(value: unknown, extraKeys: readonly string[] = []): unknown {
  const extra = extraKeys.map(normalize).filter((name) => name.length > 0);
  const names = extra.length === 0 ? SECRET_NAMES : [...SECRET_NAMES, ...extra];
  return walk(value, names, new Set());
}
