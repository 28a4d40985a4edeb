/**
 * Stage — settle: replace the call's reservations by what it actually cost (releasing the rest), and
 * send any budget alert whose threshold the call crossed, once per threshold and period for all
 * instances.
 */
import { actualFor, reachedThresholds } from '../policy/limits.js';
import { nanosToUsd } from '../pricing/money.js';
import type { CallContext } from './context.js';
import type { GatewayDeps } from './deps.js';
import { totalTokens } from './reserve.js';
import { pacingAlert } from '../budgets/pace-alerts.js';

export async function settle(deps: GatewayDeps, ctx: CallContext): Promise<void> {
  const r = ctx.reservation;
  if (!r) return;
  const actual = { costNanos: ctx.costNanos, tokens: totalTokens(ctx) };
  const states = await deps.limiter.commit(ctx.id, r.limits, (l) => actualFor(l, actual));
  for (let i = 0; i < r.limits.length; i++) {
    const l = r.limits[i]!;
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
