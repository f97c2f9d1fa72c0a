// "Did you mean" suggestions for mistyped commands, options, keys and names: one
// implementation shared by every room that reports a typo (the CLI, runtime.yaml validation,
// profiles, write gates). Private to the package.

/**
 * Edit distance between two strings: insertions, deletions, substitutions and transpositions
 * of neighbours each cost 1 (optimal string alignment, the Levenshtein distance plus swaps).
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

/** Case, dashes, underscores and blanks do not count as typos. */
function normalize(text: string): string {
  return text.toLowerCase().replace(/[-_\s]+/g, "");
}

/**
 * The candidate closest to what was typed, when it is close enough to be a typo (at most one
 * edit per three characters, at least one, and not every character; case, `-`, `_` ignored) or
 * when it starts with what
 * was typed (two characters or more). A typo beats a prefix; among equals the closest length
 * wins.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const typed = normalize(input);
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const lower = normalize(candidate);
    const distance = editDistance(typed, lower);
    const prefix = typed.length >= 2 && lower.startsWith(typed);
    // A candidate that shares nothing with the input (every character edited) is no typo.
    if ((distance > limit || distance >= typed.length) && !prefix) continue;
    const score = (distance <= limit ? distance : limit + 1) +
      Math.min(Math.abs(lower.length - typed.length), 99) / 100;
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** `"; did you mean 'x'?"` for the closest candidate, or "" when none is close. */
export function didYouMeanSuffix(input: string, candidates: Iterable<string>): string {
  const best = didYouMean(input, candidates);
  return best === undefined ? "" : `; did you mean '${best}'?`;
}
