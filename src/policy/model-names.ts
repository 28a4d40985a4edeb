/**
 * The configured model a mistyped or differently spelled model name most likely meant, for the
 * `unknown_model` error: a typo (`gpt-5-mni`), another case, or a name that is the other's start
 * (`claude-haiku` for `claude-haiku-4-5`, a dated `claude-haiku-4-5-20251001` for `claude-haiku-4-5`).
 */

/** The nearest of `names` to `requested`, or null when none is close enough to be worth saying. */
export function nearestModel(requested: string, names: Iterable<string>): string | null {
  const want = requested.toLowerCase();
  let best: string | null = null;
  let bestScore = Infinity;
  for (const name of names) {
    const have = name.toLowerCase();
    const d = editDistance(want, have, 3);
    // A prefix either way counts as near as the rest of the name is short; a typo as its edits.
    const score = d <= 2 ? d : want.length >= 3 && (have.startsWith(want) || want.startsWith(have)) ? 2 + Math.abs(have.length - want.length) / 100 : Infinity;
    if (score < bestScore) {
      best = name;
      bestScore = score;
    }
  }
  return best;
}

/** Levenshtein distance, or `cap` once it is certain to reach it. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= cap) return cap;
    prev = row;
  }
  return Math.min(prev[b.length]!, cap);
}
