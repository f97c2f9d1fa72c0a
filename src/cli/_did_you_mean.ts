// "Did you mean" suggestions for mistyped commands, options and names. Private to src/cli.

/**
 * Edit distance between two strings: insertions, deletions, substitutions and transpositions
 * of neighbours each cost 1 (optimal string alignment, the Levenshtein distance plus swaps).
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
 * The candidate closest to what was typed, when it is close enough to be a typo: at most one
 * edit per three characters (at least one), ignoring case; or a candidate that starts with
 * what was typed (two characters or more).
 *
 * @param input What the user typed.
 * @param candidates What would have been valid.
 * @returns The best candidate, or undefined when none is close.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const typed = input.toLowerCase();
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(typed, lower);
    const prefix = typed.length >= 2 && lower.startsWith(typed);
    if (distance > limit && !prefix) continue;
    // A typo within the limit beats a mere prefix; among equals, the closest length wins.
    const score = (distance <= limit ? distance : limit + 1) +
      Math.min(Math.abs(lower.length - typed.length), 99) / 100;
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/**
 * `"; did you mean 'x'?"` for the closest candidate, or "" when none is close.
 *
 * @param input What the user typed.
 * @param candidates What would have been valid.
 * @returns The suffix to append to an error message.
 */
export function didYouMeanSuffix(input: string, candidates: Iterable<string>): string {
  const best = didYouMean(input, candidates);
  return best === undefined ? "" : `; did you mean '${best}'?`;
}
