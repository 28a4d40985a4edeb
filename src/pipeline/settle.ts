/**
 * Stage — settle: replace the call's reservations by what it actually cost (releasing the rest), and
 * send any budget alert whose threshold the call crossed, once per threshold and period for all
 * instances.
 */
import { actualFor, reachedThresholds, type PlannedLimit } from '../policy/limits.js';
import type { CounterState } from '../storage/counter-types.js';
import { nanosToUsd } from '../pricing/money.js';
import type { CallContext } from './context.js';
import type { GatewayDeps } from './deps.js';
import { totalTokens } from './reserve.js';
import { pacingAlert } from '../budgets/pace-alerts.js';

export function settle(deps: GatewayDeps, ctx: CallContext): Promise<void> | null {
  const r = ctx.reservation;
  if (!r) return null;
  const actual = { costNanos: ctx.costNanos, tokens: totalTokens(ctx) };
  const of = (l: PlannedLimit): number => actualFor(l, actual);
  // In-process counters answer at once: the stage then completes in this turn unless an alert is due.
  const states = deps.limiter.commitNow(ctx.id, r.limits, of);
  if (states === null) return deps.limiter.commit(ctx.id, r.limits, of).then((after) => alert(deps, r.limits, after));
  return alertDue(deps, r.limits, states) ? alert(deps, r.limits, states) : null;
}

/** Whether alert() may have anything to do: a paced budget, or a threshold not yet alerted here. */
function alertDue(deps: GatewayDeps, limits: PlannedLimit[], states: CounterState[]): boolean {
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i]!;
    if (l.kind === 'budget_pace') return true;
    for (const pct of reachedThresholds(l, states[i]!.used)) if (!deps.alertsClaimed.has(`alert:${l.key}:${pct}`)) return true;
  }
  return false;
}

async function alert(deps: GatewayDeps, limits: PlannedLimit[], states: CounterState[]): Promise<void> {
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i]!;
    if (l.kind === 'budget_pace') await pacingAlert(deps, l, states[i]!);
    for (const pct of reachedThresholds(l, states[i]!.used)) {
      const flag = `alert:${l.key}:${pct}`;
      if (deps.alertsClaimed.has(flag)) continue;
      // Bounded (run:* budgets make a flag per run); forgetting is safe: the shared claim below decides.
      if (deps.alertsClaimed.size > 10_000) deps.alertsClaimed.clear();
      deps.alertsClaimed.add(flag);
      if (!(await deps.limiter.claim(flag, l.ttlSeconds))) continue;
      deps.alerts.send({
        budget: { id: l.budget!.id, scope: l.scope, period: l.budget!.period, ...(l.team !== undefined ? { team: l.team } : {}) },
        threshold_pct: pct,
        spent_usd: nanosToUsd(states[i]!.used),
        limit_usd: nanosToUsd(l.limit),
        period_key: l.window.key,
        resets_at: l.window.end === Infinity ? null : new Date(l.window.end).toISOString(),
      });
    }
  }
}
