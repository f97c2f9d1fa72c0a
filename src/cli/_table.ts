// Plain text columns, aligned with spaces, no colours. Private to src/cli.

/**
 * Lay rows out in columns separated by two spaces; the last column is not padded and no line
 * ends in spaces.
 *
 * @param rows The cells, row by row; rows may have fewer cells than others.
 * @param indent Spaces before every line.
 * @returns The lines, joined with "\n", without a final newline.
 */
export function formatTable(rows: readonly (readonly string[])[], indent = 0): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const pad = " ".repeat(indent);
  return rows
    .map((row) => {
      const cells = row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!));
      return (pad + cells.join("  ")).trimEnd();
    })
    .join("\n");
}
