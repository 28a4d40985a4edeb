/** Scoring replays against the labels, and writing results.json / results.md. */
import { conversations, EVAL_MODEL, requestBody, usageOf, type CallUsage, type CorpusRun } from './corpus.js';
import type { RunOutcome } from './replay.js';

export interface RunResult {
  id: string;
  kind: string;
  label: 'loop' | 'healthy';
  calls: number;
  onset: number | null;
  stoppedAt: number | null;
  refusal: string | null;
  /** stoppedAt - onset, in calls (loops that were stopped). */
  delay: number | null;
  firstWarningAt: number | null;
  warnings: number;
  tokensAfterOnset: number;
  costAfterOnsetUsd: number;
  tokensSaved: number;
  costSavedUsd: number;
  /** Share of the cost after onset that was not spent (loops). */
  savedAfterOnset: number | null;
  reason: string | null;
}

export interface Summary {
  mode: string;
  runs: number;
  loops: number;
  healthy: number;
  healthyStopped: string[];
  healthyWarned: string[];
  loopsStopped: number;
  loopsMissed: string[];
  loopsStoppedBeforeOnset: string[];
  loopCostAfterOnsetUsd: number;
  loopCostSavedUsd: number;
  /** Target >= 0.9 */
  loopCostSavedShare: number;
  /** Target <= 5 (missed loops count as never). */
  medianDelayCalls: number | null;
  maxDelayCalls: number | null;
  maxStateBytes: number | null;
  targets: { noHealthyStopped: boolean; savedAtLeast90: boolean; medianWithin5: boolean };
}

export function callUsages(run: CorpusRun): CallUsage[] {
  const messages = conversations(run);
  return run.calls.map((c, i) => usageOf(c, JSON.stringify(requestBody(c, messages[i]!, EVAL_MODEL)).length));
}

const usd = (nanos: number): number => Math.round(nanos) / 1e9;

export function scoreRun(run: CorpusRun, outcome: RunOutcome, usages: readonly CallUsage[]): RunResult {
  const onset = run.onset;
  let tokensAfterOnset = 0;
  let costAfterOnset = 0;
  let tokensSaved = 0;
  let costSaved = 0;
  let savedAfterOnset = 0;
  usages.forEach((u, i) => {
    const tokens = u.promptTokens + u.outputTokens;
    const after = onset !== null && i >= onset;
    if (after) {
      tokensAfterOnset += tokens;
      costAfterOnset += u.costNanos;
    }
    if (!outcome.sent[i]) {
      tokensSaved += tokens;
      costSaved += u.costNanos;
      if (after) savedAfterOnset += u.costNanos;
    }
  });
  return {
    id: run.id,
    kind: run.kind,
    label: run.label,
    calls: run.calls.length,
    onset,
    stoppedAt: outcome.stoppedAt,
    refusal: outcome.refusal,
    delay: onset !== null && outcome.stoppedAt !== null ? outcome.stoppedAt - onset : null,
    firstWarningAt: outcome.firstWarningAt,
    warnings: outcome.warnings,
    tokensAfterOnset,
    costAfterOnsetUsd: usd(costAfterOnset),
    tokensSaved,
    costSavedUsd: usd(costSaved),
    savedAfterOnset: onset !== null && costAfterOnset > 0 ? savedAfterOnset / costAfterOnset : null,
    reason: outcome.reason,
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function summarise(mode: string, results: readonly RunResult[], maxStateBytes: number | null): Summary {
  const loops = results.filter((r) => r.label === 'loop');
  const healthy = results.filter((r) => r.label === 'healthy');
  const costAfter = loops.reduce((n, r) => n + r.costAfterOnsetUsd, 0);
  const savedAfter = loops.reduce((n, r) => n + (r.savedAfterOnset ?? 0) * r.costAfterOnsetUsd, 0);
  const delays = loops.map((r) => (r.delay === null ? Number.POSITIVE_INFINITY : r.delay));
  const med = median(delays);
  const finite = delays.filter((d) => Number.isFinite(d));
  const share = costAfter > 0 ? savedAfter / costAfter : 0;
  const healthyStopped = healthy.filter((r) => r.stoppedAt !== null).map((r) => r.id);
  return {
    mode,
    runs: results.length,
    loops: loops.length,
    healthy: healthy.length,
    healthyStopped,
    healthyWarned: healthy.filter((r) => r.warnings > 0).map((r) => r.id),
    loopsStopped: loops.filter((r) => r.stoppedAt !== null).length,
    loopsMissed: loops.filter((r) => r.stoppedAt === null).map((r) => r.id),
    loopsStoppedBeforeOnset: loops.filter((r) => r.delay !== null && r.delay < 0).map((r) => r.id),
    loopCostAfterOnsetUsd: Math.round(costAfter * 1e4) / 1e4,
    loopCostSavedUsd: Math.round(savedAfter * 1e4) / 1e4,
    loopCostSavedShare: Math.round(share * 1e4) / 1e4,
    medianDelayCalls: med === null || !Number.isFinite(med) ? null : med,
    maxDelayCalls: finite.length === delays.length && finite.length > 0 ? Math.max(...finite) : null,
    maxStateBytes,
    targets: {
      noHealthyStopped: healthyStopped.length === 0,
      savedAtLeast90: share >= 0.9,
      medianWithin5: med !== null && med <= 5,
    },
  };
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const dash = (x: number | string | null): string => (x === null ? '-' : String(x));

export function markdown(summary: Summary, results: readonly RunResult[]): string {
  const ok = (b: boolean): string => (b ? 'met' : 'NOT met');
  const lines = [
    `# Run guard evaluation: ${summary.mode}`,
    '',
    'Generated by `npm run eval:guard` from `eval/guard/corpus.jsonl` with the default guard settings.',
    '',
    `- Runs: ${summary.runs} (${summary.loops} loops, ${summary.healthy} healthy)`,
    `- Healthy runs stopped: ${summary.healthyStopped.length} (target 0: ${ok(summary.targets.noHealthyStopped)})${summary.healthyStopped.length ? ` — ${summary.healthyStopped.join(', ')}` : ''}`,
    `- Healthy runs warned (not stopped): ${summary.healthyWarned.length}${summary.healthyWarned.length ? ` — ${summary.healthyWarned.join(', ')}` : ''}`,
    `- Loops stopped: ${summary.loopsStopped} of ${summary.loops}${summary.loopsMissed.length ? ` (missed: ${summary.loopsMissed.join(', ')})` : ''}`,
    `- Loop cost after onset saved: ${pct(summary.loopCostSavedShare)} ($${summary.loopCostSavedUsd} of $${summary.loopCostAfterOnsetUsd}; target >= 90%: ${ok(summary.targets.savedAtLeast90)})`,
    `- Median detection delay: ${dash(summary.medianDelayCalls)} calls after onset (target <= 5: ${ok(summary.targets.medianWithin5)}); worst: ${dash(summary.maxDelayCalls)}`,
    summary.maxStateBytes === null ? '' : `- Largest run state: ${summary.maxStateBytes} bytes of JSON`,
    '',
    '| run | label | calls | onset | stopped at | delay | first warning | tokens after onset | cost after onset | tokens saved | saved after onset | reason |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const reason = (r.reason ?? '').replace(/\|/g, '/').slice(0, 140);
    lines.push(
      `| ${r.id} | ${r.label} | ${r.calls} | ${dash(r.onset)} | ${dash(r.stoppedAt)} | ${dash(r.delay)} | ${dash(r.firstWarningAt)} | ${r.tokensAfterOnset} | $${r.costAfterOnsetUsd.toFixed(4)} | ${r.tokensSaved} | ${pct(r.savedAfterOnset)} | ${reason} |`,
    );
  }
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n') + '\n';
}
