/** `allow_runs`: run ids exempt from caps and detectors, with `*` matching any characters. */

/** Whether `runId` matches `pattern` ("nightly-*", "*-eval", "exact-id"). */
export function matchesRunPattern(runId: string, pattern: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return runId === pattern;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!runId.startsWith(first) || runId.length < first.length + last.length) return false;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = runId.indexOf(parts[i]!, at);
    if (found < 0) return false;
    at = found + parts[i]!.length;
  }
  return runId.length - last.length >= at && runId.endsWith(last);
}

export function isAllowListed(runId: string, patterns: readonly string[]): boolean {
  // A loop, not some(): asked twice a call, and a closure each time.
  for (const p of patterns) if (matchesRunPattern(runId, p)) return true;
  return false;
}
