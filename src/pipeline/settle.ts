/**
 * Stage — settle: replace the call's reservations by what it actually cost (releasing the rest), and
 * send any budget alert whose threshold the call crossed, once per threshold and period for all
 * instances.
 */
import { actualFor, isBudget, reachedThresholds, type PlannedLimit } from '../policy/limits.js';
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

/**
 * Budgets created while the call was in flight: it reserved nothing on them, and its ledger row is
 * written only after this stage. A counter already filled from the ledger (by a call or a read since
 * the budget appeared) would never see this spend, so it is added there; a counter filled later reads
 * the row (the limiter writes this instance's rows before it sums the ledger). Planned as of the call's
 * start, so the spend lands in the period window its row is counted in.
 */
export function settleLateBudgets(deps: GatewayDeps, ctx: CallContext): Promise<void> | null {
  if (ctx.limitsVersion === null || ctx.limitsVersion === deps.limitPlans.version) return null;
  const actual = { costNanos: ctx.costNanos, tokens: totalTokens(ctx) };
  if (actual.costNanos <= 0 && actual.tokens <= 0) return null;
  const held = new Set(ctx.reservation?.limits.map((l) => l.key));
  const limits = deps.limitPlans
    .limitsFor(ctx.attribution!, ctx.key!.unlimited, ctx.startedAt, { worstNanos: actual.costNanos, worstTokens: actual.tokens })
    .filter((l) => isBudget(l) && !held.has(l.key));
  return limits.length === 0 ? null : deps.limiter.addLate(limits, (l) => actualFor(l, actual));
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
      deps.alertsClaimed.add(flag);
      if (!(await deps.limiter.claim(flag, l.ttlSeconds))) continue;
      deps.alerts.send({
        budget: { id: l.budget!.id, scope: l.scope, period: l.budget!.period },
        threshold_pct: pct,
        spent_usd: nanosToUsd(states[i]!.used),
        limit_usd: nanosToUsd(l.limit),
        period_key: l.window.key,
        resets_at: l.window.end === Infinity ? null : new Date(l.window.end).toISOString(),
      });
    }
  }
}
