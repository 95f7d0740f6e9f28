/**
 * "Did you mean" suggestions for mistyped names (site names, GPU models, field names).
 */

/** Damerau-Levenshtein (optimal string alignment) distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[][] = [];
  for (let i = 0; i < rows; i++) {
    d.push(new Array<number>(cols).fill(0));
    d[i]![0] = i;
  }
  for (let j = 0; j < cols; j++) d[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[rows - 1]![cols - 1]!;
}

/**
 * The closest candidate to `input`, or undefined when nothing is close enough.
 * A candidate is close when it differs only in case, when one contains the other and the shorter of
 * the two has at least 3 characters (so `USA` does not suggest `SA`: 2-letter codes are too short to
 * be recognised inside another name), or when the edit distance is at most a third of the longer string (at least 1, at most 3).
 * Between short names (3 characters or fewer) the first letters must also agree.
 * Ties break on the candidate's name so the suggestion is deterministic.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  if (input.length === 0 || candidates.length === 0) return undefined;
  const lower = input.toLowerCase();
  const exactCase = candidates.filter((c) => c.toLowerCase() === lower).sort();
  if (exactCase.length > 0) return exactCase[0];
  let best: { c: string; d: number } | undefined;
  for (const c of [...candidates].sort()) {
    const d = editDistance(input, c);
    const limit = Math.min(3, Math.max(1, Math.floor(Math.max(input.length, c.length) / 3)));
    const contains = Math.min(lower.length, c.length) >= 3 && (c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()));
    // Short names (country codes, 'A10') are close only when they start alike: 'USA' is one edit from 'SA'.
    const shortMismatch = Math.min(lower.length, c.length) <= 3 && lower[0] !== c[0]!.toLowerCase();
    if ((d <= limit || contains) && !shortMismatch) {
      const score = contains ? Math.min(d, limit) : d;
      if (!best || score < best.d) best = { c, d: score };
    }
  }
  return best?.c;
}

/**
 * `; did you mean 'x'?` or an empty string. When the input is the start of several candidates
 * (`A100` for `A100-40GB` and `A100-80GB`) all of them are offered, up to three.
 */
export function didYouMean(input: string, candidates: readonly string[]): string {
  if (candidates.includes(input)) return '';
  const lower = input.toLowerCase();
  const prefixed = lower.length >= 2 ? [...candidates].filter((c) => c.toLowerCase().startsWith(lower) && c.toLowerCase() !== lower).sort() : [];
  if (prefixed.length >= 1 && prefixed.length <= 3) {
    return `; did you mean ${prefixed.map((c) => `'${c}'`).join(' or ')}?`;
  }
  const c = closest(input, candidates);
  return c !== undefined ? `; did you mean '${c}'?` : '';
}
