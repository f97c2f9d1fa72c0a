// "Did you mean" suggestions for mistyped keys and names. Private to src/runtime/config (the
// CLI has its own copy: rooms never import a room above them).

/**
 * Edit distance between two strings: insertions, deletions, substitutions and transpositions
 * of neighbours each cost 1 (optimal string alignment).
 *
 * @param a One string.
 * @param b The other.
 * @returns The number of edits that turn `a` into `b`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The candidate closest to what was written, when it is close enough to be a typo: at most one
 * edit per three characters (at least two for short words), ignoring case, `-` and `_`.
 *
 * @param input What was written.
 * @param candidates What would have been valid.
 * @returns The best candidate, or undefined when none is close.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const typed = normalize(input);
  const limit = Math.max(2, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(typed, normalize(candidate));
    if (distance <= limit && distance < bestDistance && distance < Math.max(typed.length, 1)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * `"; did you mean 'x'?"` for the closest candidate, or "" when none is close.
 *
 * @param input What was written.
 * @param candidates What would have been valid.
 * @returns The suffix to append to a message.
 */
export function didYouMeanSuffix(input: string, candidates: Iterable<string>): string {
  const best = didYouMean(input, candidates);
  return best === undefined ? "" : `; did you mean '${best}'?`;
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/[-_\s]+/g, "");
}
