/**
 * The forecast backtest: budgets over generated histories, forecast through the product's own
 * forecastBudget at origins a known number of days before the period end (or before the day the
 * budget actually ran out), compared with what the history then did.
 *  - Period-end projection: month budgets (horizons 7 and 14 days), year budgets (30, 60, 90, 180 days);
 *    absolute percentage error of the projected period total (what the API reports: spent so far plus
 *    the forecast), of the forecast remainder alone, and whether the actual total fell in the 80% band.
 *  - Exhaustion date: the limit set to the actual spend through a chosen day, so the true exhaustion
 *    day is known; error in days of the projected one (no projection counts as the days to period end).
 */
import { forecastBudget, type DailySpend } from '../../src/analytics/forecast/budget-forecast.js';
import { addDays, dateOf, daysBetween } from '../../src/analytics/forecast/calendar.js';
import type { MethodChoice } from '../../src/analytics/forecast/select.js';
import type { BudgetRecord } from '../../src/storage/types.js';
import type { GeneratedSeries } from './series.js';

export interface Case {
  kind: string;
  seed: number;
  method: MethodChoice;
  test: 'period_end' | 'exhaustion';
  period: 'month' | 'year';
  horizon: number;
  /** period_end: |projected - actual| / actual; exhaustion: |projected day - actual day|. */
  error: number;
  /** period_end only: error of the forecast remainder alone, relative to the actual remainder. */
  remainderError?: number;
  inBand?: boolean;
}

const NANO = 1e9;

function budget(period: 'month' | 'year', limitUsd: number): BudgetRecord {
  return { id: `team:eval/${period}`, scope: 'team:eval', period, limitNanos: Math.round(limitUsd * NANO), limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0, pace: null };
}

/** The forecast as of local midnight starting `today`, with history up to the day before. */
function forecastAt(s: GeneratedSeries, today: string, period: 'month' | 'year', limitUsd: number, periodStart: string, method: MethodChoice) {
  const idx = daysBetween(s.dates[0]!, today);
  const history: DailySpend[] = s.dates.slice(Math.max(0, idx - 120), idx).map((date, i) => ({ date, nanos: Math.round(s.usd[Math.max(0, idx - 120) + i]! * NANO) }));
  history.push({ date: today, nanos: 0 });
  const start = daysBetween(s.dates[0]!, periodStart);
  const spent = s.usd.slice(start, idx).reduce((a, b) => a + Math.round(b * NANO), 0);
  return { f: forecastBudget({ budget: budget(period, limitUsd), timezone: 'UTC', now: Date.parse(`${today}T00:00:00Z`), history, spentNanos: spent, method }), spent: spent / NANO };
}

const sum = (s: GeneratedSeries, from: string, toExclusive: string): number =>
  s.usd.slice(daysBetween(s.dates[0]!, from), daysBetween(s.dates[0]!, toExclusive)).reduce((a, b) => a + b, 0);

export interface BacktestPlan {
  months: string[];
  monthHorizons: number[];
  yearHorizons: number[];
  /** Day of the month / of the year the budget actually runs out, and horizons before it. */
  monthExhaustDay: number;
  monthExhaustHorizons: number[];
  yearExhaustDay: number;
  yearExhaustHorizons: number[];
}

export const FULL_PLAN: BacktestPlan = {
  months: ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12'],
  monthHorizons: [7, 14],
  yearHorizons: [30, 60, 90, 180],
  monthExhaustDay: 22,
  monthExhaustHorizons: [7, 14],
  yearExhaustDay: 250,
  yearExhaustHorizons: [14, 30, 60, 90],
};

export function backtestSeries(s: GeneratedSeries, method: MethodChoice, plan: BacktestPlan): Case[] {
  const out: Case[] = [];
  const base = { kind: s.kind, seed: s.seed, method };
  const periods: { period: 'month' | 'year'; start: string; end: string; horizons: number[] }[] = [
    ...plan.months.map((m) => {
      const start = `${m}-01`;
      const [y, mo] = m.split('-').map(Number) as [number, number];
      return { period: 'month' as const, start, end: new Date(Date.UTC(y, mo, 1)).toISOString().slice(0, 10), horizons: plan.monthHorizons };
    }),
    { period: 'year', start: '2026-01-01', end: '2027-01-01', horizons: plan.yearHorizons },
  ];
  for (const p of periods) {
    const actual = sum(s, p.start, p.end);
    for (const h of p.horizons) {
      const today = addDays(p.end, -h);
      const { f, spent } = forecastAt(s, today, p.period, actual * 10, p.start, method);
      const projected = f.projectedUsd!;
      out.push({
        ...base,
        test: 'period_end',
        period: p.period,
        horizon: h,
        error: Math.abs(projected - actual) / actual,
        remainderError: Math.abs(projected - spent - (actual - spent)) / (actual - spent),
        inBand: actual >= f.lowUsd! && actual <= f.highUsd!,
      });
    }
    const exhaustDay = p.period === 'month' ? plan.monthExhaustDay : plan.yearExhaustDay;
    const truth = addDays(p.start, exhaustDay - 1);
    // The limit is what was actually spent through that day: the budget runs out on it.
    const limit = sum(s, p.start, addDays(truth, 1)) - 1e-6;
    for (const h of p.period === 'month' ? plan.monthExhaustHorizons : plan.yearExhaustHorizons) {
      const today = addDays(truth, -h);
      const { f } = forecastAt(s, today, p.period, limit, p.start, method);
      const predicted = f.exhaustsAt === null ? p.end : dateOf('UTC', f.exhaustsAt);
      out.push({ ...base, test: 'exhaustion', period: p.period, horizon: h, error: Math.abs(daysBetween(truth, predicted)) });
    }
  }
  return out;
}
