/**
 * The running side of pacing (the decisions are in policy/pacing.ts): the error a call gets when a
 * paced budget's allowance for today is spent, and the once-a-day alert of `pace: alert` budgets.
 */
import { GatewayError } from '../errors.js';
import type { PlannedLimit } from '../policy/limits.js';
import { pacingState } from '../policy/pacing.js';
import { nanosToUsd } from '../pricing/money.js';
import type { CounterState } from '../storage/counter-types.js';
import type { AlertSender } from './alerts.js';
import type { Limiter } from './limiter.js';

const usd = (n: number): string => `$${nanosToUsd(n).toFixed(6)}`;

/** budget_exceeded for a paced budget: names the allowance and when it resets (next local midnight). */
export function pacingExceeded(l: PlannedLimit, s: CounterState, requested: number): GatewayError {
  const b = l.budget!;
  const allowance = l.pace?.allowance ?? 0;
  const resets = new Date(l.window.end).toISOString();
  return new GatewayError(
    'budget_exceeded',
    `Budget ${l.scope} (${b.period}) is paced and today's pacing allowance is spent: allowance ${usd(allowance)}, ` +
      `spent today ${usd(s.used)}, reserved ${usd(s.reserved)}, this call needs up to ${usd(requested)}; ` +
      `the allowance resets at the next local midnight, ${resets}.`,
    {
      details: {
        budget: { id: b.id, scope: l.scope, period: b.period, unit: 'usd' },
        pacing: true,
        allowance_today: nanosToUsd(allowance),
        spent_today: nanosToUsd(s.used),
        reserved: nanosToUsd(s.reserved),
        requested: nanosToUsd(requested),
        limit: nanosToUsd(b.limitNanos),
        resets_at: resets,
      },
    },
  );
}

/** After a call settled: alert once a day (all instances) when a `pace: alert` budget's day is over its allowance. */
export async function pacingAlert(deps: { limiter: Limiter; alerts: AlertSender; alertsClaimed: Set<string> }, l: PlannedLimit, after: CounterState): Promise<void> {
  const b = l.budget;
  const allowance = l.pace?.allowance;
  if (!b || b.pace?.action !== 'alert' || allowance == null || pacingState(allowance, after.used) !== 'over') return;
  const flag = `pace-alert:${l.key}`;
  if (deps.alertsClaimed.has(flag)) return;
  if (deps.alertsClaimed.size > 10_000) deps.alertsClaimed.clear();
  deps.alertsClaimed.add(flag);
  if (!(await deps.limiter.claim(flag, l.ttlSeconds))) return;
  deps.alerts.sendPacing({
    budget: { id: b.id, scope: l.scope, period: b.period },
    date: l.window.key,
    allowance_usd: nanosToUsd(allowance),
    spent_today_usd: nanosToUsd(after.used),
    resets_at: new Date(l.window.end).toISOString(),
  });
}
