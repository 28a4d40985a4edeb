/**
 * Forecasts of a list of budgets from the ledger, in the shape of GET /admin/v1/forecasts (which the
 * CLI prints and the dashboard draws). Budgets on a wildcard scope (key:*, run:*) apply to each key or
 * run separately, and a run budget (run:R) to each team's run R: none is forecast as one.
 */
import { hasOneCounter } from '../../policy/limits.js';
import { periodWindow } from '../../policy/period.js';
import { nanosToUsd } from '../../pricing/money.js';
import type { BudgetRecord, Store } from '../../storage/types.js';
import { scopeMatch, type SpendHistory } from '../spend-history.js';
import { addDays, dateOf } from './calendar.js';
import { forecastBudget, LOOKBACK_DAYS, type BudgetForecast } from './budget-forecast.js';

export interface ForecastView {
  budget_id: string;
  scope: string;
  period: string;
  limit_usd: number;
  spent_usd: number;
  period_start: string | null;
  period_end: string | null;
  projected_usd: number | null;
  projected_low_usd: number | null;
  projected_high_usd: number | null;
  exhausts_at: string | null;
  sentence: string;
  method: string;
  /** Daily spend (not cumulative): the period so far, or the last eight weeks of a lifetime budget. */
  history: { date: string; usd: number }[];
  /** Cumulative spend in the period, from today to the period's last day. */
  projection: { date: string; usd: number; low_usd: number; high_usd: number }[];
  pacing: null | { action: string; allowance_today_usd: number; spent_today_usd: number; state: 'ok' | 'over' };
}

export interface BudgetForecastResult {
  budget: BudgetRecord;
  forecast: BudgetForecast;
  view: ForecastView;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export async function forecastBudgets(o: { budgets: readonly BudgetRecord[]; history: SpendHistory; store: Store; timezone: string; now: number }): Promise<BudgetForecastResult[]> {
  const out: BudgetForecastResult[] = [];
  const tz = o.timezone;
  const today = dateOf(tz, o.now);
  for (const b of o.budgets) {
    if (!hasOneCounter(b.scope)) continue;
    const window = periodWindow(b.period, tz, o.now);
    const lifetime = window.end === Infinity;
    const periodFirst = lifetime ? null : dateOf(tz, window.start);
    let from = addDays(today, -LOOKBACK_DAYS);
    if (periodFirst !== null && periodFirst < from) from = periodFirst;
    const history = await o.history.daily({ scope: b.scope, from, to: today, timezone: tz });
    const shown = periodFirst === null ? history.slice(-LOOKBACK_DAYS) : history.filter((d) => d.date >= periodFirst);
    const spentNanos = lifetime ? (await o.store.sumCalls({ match: scopeMatch(b.scope), to: o.now })).costNanos : shown.reduce((s, d) => s + d.nanos, 0);
    const f = forecastBudget({ budget: b, timezone: tz, now: o.now, history, spentNanos });
    out.push({
      budget: b,
      forecast: f,
      view: {
        budget_id: b.id,
        scope: b.scope,
        period: b.period,
        limit_usd: nanosToUsd(b.limitNanos),
        spent_usd: nanosToUsd(spentNanos),
        period_start: iso(f.periodStart),
        period_end: iso(f.periodEnd),
        projected_usd: f.projectedUsd,
        projected_low_usd: f.lowUsd,
        projected_high_usd: f.highUsd,
        exhausts_at: iso(f.exhaustsAt),
        sentence: f.sentence,
        method: f.method,
        history: shown.map((d) => ({ date: d.date, usd: nanosToUsd(d.nanos) })),
        projection: f.projection,
        pacing: f.pacing && {
          action: f.pacing.action,
          allowance_today_usd: nanosToUsd(f.pacing.allowanceTodayNanos),
          spent_today_usd: nanosToUsd(f.pacing.spentTodayNanos),
          state: f.pacing.state,
        },
      },
    });
  }
  return out;
}
