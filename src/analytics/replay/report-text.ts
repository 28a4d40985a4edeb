/** A replay report as text for a terminal: the headline numbers first, then the tables. */
import type { ReplayReport, SpendLine } from './report.js';

const usd = (nanos: number): string => `${nanos < 0 ? '-' : ''}$${(Math.abs(nanos) / 1e9).toFixed(6)}`;
const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function spendTable(name: string, lines: SpendLine[]): string {
  return table(
    [name, 'calls', 'before', 'after', 'change'],
    lines.slice(0, 30).map((l) => [l.group, l.calls, usd(l.beforeNanos), usd(l.afterNanos), usd(l.afterNanos - l.beforeNanos)]),
  );
}

export function formatReport(r: ReplayReport): string {
  const out: string[] = [];
  const c = r.calls;
  out.push(`Replayed ${c.replayed} of ${c.total} calls (${when(r.from)} .. ${when(r.to)}); ${c.fallbackAttempts} fallback attempts and ${c.notPolicyCalls} calls refused before any policy kept as they were.`);
  const s = r.spend;
  const pct = s.beforeNanos > 0 ? ` (${(((s.afterNanos - s.beforeNanos) * 100) / s.beforeNanos).toFixed(1)}%)` : '';
  out.push(`Spend: ${usd(s.beforeNanos)} recorded, ${usd(s.afterNanos)} under this policy${pct}.`);
  const b = r.blocked;
  out.push(`Blocked: ${b.budget} by budgets, ${b.rate} by rate limits, ${b.guard} by the run guard, ${b.route} unroutable (they cost ${usd(b.liveCostNanos)} live).`);
  if (r.pacing.blockedCalls + r.pacing.downgradedCalls > 0) {
    out.push(`Pacing: ${r.pacing.blockedCalls} calls refused and ${r.pacing.downgradedCalls} downgraded once a day's allowance was spent (${r.pacing.budgets.map((p) => `${p.budget} on ${p.days} days`).join(', ')}).`);
  }
  const v = r.savings;
  out.push(`Saved: routing ${usd(v.routingNanos)} on ${v.routedCalls} calls, downgrades ${usd(v.downgradeNanos)} on ${v.downgradedCalls}, cache ${usd(v.cacheNanos)} on ${v.cachedCalls} hits.`);
  out.push('', spendTable('team', s.byTeam), '', spendTable('model', s.byModel));
  if (r.budgets.length > 0) {
    out.push('', 'Budgets:');
    out.push(
      table(
        ['budget', 'scope', 'window', 'limit', 'spent', 'ran out at', 'blocked'],
        r.budgets.map((l) => [l.budget, l.scope, l.window, l.unit === 'usd' ? usd(l.limit) : `${l.limit} tok`, l.unit === 'usd' ? usd(l.used) : `${l.used} tok`, when(l.exhaustedAt), l.blockedCalls]),
      ),
    );
  }
  if (r.runs.length > 0) {
    out.push('', `Runs the guard would have stopped (${r.runs.length}):`);
    out.push(table(['run', 'team', 'action', 'at call', 'call id', 'when', 'refused'], r.runs.slice(0, 50).map((g) => [g.run, g.team, g.action, g.callIndex, g.callId, when(g.at), g.refused])));
    for (const g of r.runs.slice(0, 10)) out.push(`  ${g.run} (${g.team}): ${g.reason ?? ''}`);
  }
  const n = r.notEvaluated;
  const gaps = [
    n.guardNoDigest && `run guard: ${n.guardNoDigest} calls had no request digest (imported, or recorded with the guard off)`,
    n.guardNoOutputDigest && `run guard: ${n.guardNoOutputDigest} answers had no output digest (judged as empty)`,
    n.routingNoFeatures && `routing: ${n.routingNoFeatures} calls had no recorded features (no route header, tools or images known)`,
    n.budgetsNoFeatures && `budgets: ${n.budgetsNoFeatures} calls had no recorded bounds (worst case taken from their tokens)`,
    n.costUnknown && `cost: ${n.costUnknown} calls refused live would run here; their cost is unknown (counted as 0)`,
    n.unpriced && `cost: ${n.unpriced} calls served by an unpriced model (counted as 0)`,
  ].filter((x): x is string => typeof x === 'string');
  if (gaps.length > 0) out.push('', 'Not fully evaluated:', ...gaps.map((g) => `  ${g}`));
  return out.join('\n');
}
