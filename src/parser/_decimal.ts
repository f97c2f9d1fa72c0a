// Exact decimal helpers for transforms: a value travels as an integer N with a static number
// of decimals d (value = N / 10^d), so that 0.1 x 2266 is 226.6, never 226.60000000000002.

/** Powers of ten that are exact doubles. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** 10^d for 0 <= d <= 22. */
export function pow10(d: number): number {
  const p = POW10[d];
  if (p === undefined) throw new RangeError(`Cannot scale by 10^${d}: at most 22 decimals`);
  return p;
}

/** Number of decimals in the shortest decimal form of a finite number (0.01 -> 2, 1e-7 -> 7). */
export function decimalsOf(x: number): number {
  if (Number.isInteger(x)) return 0;
  const text = Math.abs(x).toString();
  const exp = text.indexOf("e-");
  if (exp >= 0) {
    const mantissa = text.slice(0, exp);
    const dot = mantissa.indexOf(".");
    const mantissaDecimals = dot < 0 ? 0 : mantissa.length - dot - 1;
    return mantissaDecimals + Number(text.slice(exp + 2));
  }
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** `x` as an integer count of 10^-d units (x = result / 10^d). */
export function toUnits(x: number, d: number): number {
  return Math.round(x * pow10(d));
}
