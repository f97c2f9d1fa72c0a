// Hex text typed or pasted by a user -> bytes. Private to src/cli.

const SEPARATOR = /[\s:]/;
const DIGIT = /[0-9a-fA-F]/;

/**
 * Parse hex bytes as a user types or pastes them: `14c1005f`, `14 c1 00 5f`, `14:c1:00:5f`,
 * `0x14c1005f`. Whitespace and colons may stand between bytes (not inside one); a single
 * `0x` may lead.
 *
 * @param text The hex text.
 * @returns The bytes.
 * @throws {SyntaxError} naming the 1-based position of the first bad character, a separator
 * that splits a byte, an odd number of digits, or an input without bytes.
 */
export function parseHex(text: string): Uint8Array {
  let start = 0;
  while (start < text.length && SEPARATOR.test(text[start]!)) start++;
  if (text[start] === "0" && (text[start + 1] === "x" || text[start + 1] === "X")) start += 2;
  const out: number[] = [];
  let high = -1;
  let highAt = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (SEPARATOR.test(c)) {
      if (high >= 0) {
        throw new SyntaxError(
          `Cannot parse hex: a separator at position ${
            i + 1
          } splits the byte that starts at position ${highAt + 1}`,
        );
      }
      continue;
    }
    if (!DIGIT.test(c)) {
      const shown = JSON.stringify(c);
      throw new SyntaxError(
        `Cannot parse hex: ${shown} at position ${i + 1} is not a hex digit`,
      );
    }
    const nibble = Number.parseInt(c, 16);
    if (high < 0) {
      high = nibble;
      highAt = i;
    } else {
      out.push((high << 4) | nibble);
      high = -1;
    }
  }
  if (high >= 0) {
    throw new SyntaxError(
      `Cannot parse hex: the byte that starts at position ${
        highAt + 1
      } has one digit; hex needs two digits per byte`,
    );
  }
  if (out.length === 0) throw new SyntaxError("Cannot parse hex: the input holds no bytes");
  return new Uint8Array(out);
}
