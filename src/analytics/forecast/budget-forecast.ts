/**
 * A budget's forecast from its scope's daily spend: projected spend at period end with an 80% band,
 * the day it runs out (if it does), and a sentence saying so. Pure: history, spend and clock are passed
 * in. Lifetime (period none) budgets get an exhaustion date only. Money in and out is integer nanos
 * or display dollars; the projection itself is an estimate in floating-point dollars.
 *
 * The model is fitted on complete days only (today is partial): today's remainder is its forecast
 * times the part of the day still to come. The band assumes independent daily errors of the fitted
 * model's one-step size plus an error in the level shared by all days (the variance of an exponentially
 * weighted level, alpha / (2 - alpha) of the daily variance); eval/forecast reports how often the actual
 * period end falls inside it.
 */
import { periodWindow } from '../../policy/period.js';
import { dailyAllowance, daysLeft, pacingState } from '../../policy/pacing.js';
import type { BudgetRecord } from '../../storage/types.js';
import { addDays, dateOf, dayBounds, daysBetween, weekdayOf } from './calendar.js';
import type { MethodName } from './methods.js';
import { fitSeries, type MethodChoice } from './select.js';
import { forecastSentence } from './sentence.js';

export interface DailySpend {
  /** Local date, YYYY-MM-DD. */
  date: string;
  nanos: number;
}

export interface BudgetForecastInput {
  budget: Pick<BudgetRecord, 'id' | 'scope' | 'period' | 'limitNanos' | 'pace'>;
  timezone: string;
  now: number;
  /** The scope's daily spend, oldest first, one entry per day, ending today (partial). */
  history: readonly DailySpend[];
  /** Spent in the current period (for a lifetime budget: ever). */
  spentNanos: number;
  method?: MethodChoice;
}

export interface ProjectionPoint {
  date: string;
  /** Cumulative spend in the period by the end of this day (USD). */
  usd: number;
  low_usd: number;
  high_usd: number;
}

export interface BudgetForecast {
  periodStart: number | null;
  periodEnd: number | null;
  spentUsd: number;
  projectedUsd: number | null;
  lowUsd: number | null;
  highUsd: number | null;
  exhaustsAt: number | null;
  method: MethodName;
  projection: ProjectionPoint[];
  spentTodayNanos: number;
  pacing: { action: string; allowanceTodayNanos: number; spentTodayNanos: number; state: 'ok' | 'over' } | null;
  sentence: string;
}

/** Days of history the model sees (eight weeks: enough for weekday factors and a trend). */
export const LOOKBACK_DAYS = 56;
/** How far a lifetime budget is projected. */
export const LIFETIME_HORIZON_DAYS = 5 * 366;
const Z80 = 1.2816;
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function forecastBudget(input: BudgetForecastInput): BudgetForecast {
  const { budget: b, timezone: tz, now } = input;
  const window = periodWindow(b.period, tz, now);
  const today = dateOf(tz, now);
  const todayBounds = dayBounds(tz, today);
  const elapsed = Math.min(1, Math.max(0, (now - todayBounds.start) / (todayBounds.end - todayBounds.start)));
  const spentToday = input.history.find((d) => d.date === today)?.nanos ?? 0;

  // Complete days, the last LOOKBACK_DAYS, without the leading days before the scope spent anything.
  let past = input.history.filter((d) => d.date < today).slice(-LOOKBACK_DAYS);
  const firstSpend = past.findIndex((d) => d.nanos > 0);
  past = firstSpend < 0 ? [] : past.slice(firstSpend);
  const lifetime = window.end === Infinity;
  const lastDay = lifetime ? addDays(today, LIFETIME_HORIZON_DAYS - 1) : dateOf(tz, window.end - 1);
  const horizon = daysBetween(today, lastDay) + 1;

  let daily: number[];
  let sigma = 0;
  let alpha = 0.2;
  let method: MethodName = 'ewma-weekday';
  if (past.length > 0) {
    const fit = fitSeries({ values: past.map((d) => d.nanos / 1e9), firstWeekday: weekdayOf(past[0]!.date) }, input.method ?? 'auto', horizon);
    method = fit.method;
    sigma = fit.sigma;
    alpha = fit.alpha;
    // The fit ends yesterday at the latest; skip any days between its end and today.
    const gap = daysBetween(past[past.length - 1]!.date, today) - 1;
    daily = fit.predict(gap + horizon).slice(gap);
  } else {
    // Nothing before today: today's pace so far, if any, is all there is to go on.
    const rate = elapsed > 0.05 ? spentToday / 1e9 / elapsed : 0;
    daily = new Array<number>(horizon).fill(rate);
    sigma = rate;
  }

  const limit = b.limitNanos / 1e9;
  const spent = input.spentNanos / 1e9;
  const blocksOnPace = b.pace?.action === 'block' && !lifetime;
  // The level's error: that of an EWMA of noise, plus the error of estimating level and weekday
  // factors from n days (3.5 / n, i.e. as if from n / 3.5 independent days; calibrated so 80% bands
  // hold about 80% of month ends at 7-14 days in eval/forecast).
  const levelShare = alpha / (2 - alpha) + 3.5 / Math.max(past.length, 7);
  const projection: ProjectionPoint[] = [];
  let cum = spent;
  let exhaustsAt: number | null = spent >= limit * (1 - 1e-9) ? now : null;
  for (let j = 0; j < horizon; j++) {
    const date = addDays(today, j);
    const add = j === 0 ? daily[0]! * (1 - elapsed) : daily[j]!;
    const before = cum;
    cum += add;
    if (exhaustsAt === null && !blocksOnPace && cum >= limit * (1 - 1e-9) && add > 0) {
      const bounds = j === 0 ? { start: now, end: todayBounds.end } : dayBounds(tz, date);
      const frac = Math.min(1, Math.max(0, (limit - before) / add));
      // Within its day: running out at the very end of a day is running out on that day.
      exhaustsAt = Math.min(bounds.start + Math.round(frac * (bounds.end - bounds.start)), bounds.end - 1);
    }
    if (lifetime) {
      if (exhaustsAt !== null) break;
      continue;
    }
    const k = 1 - elapsed + j;
    const band = Z80 * sigma * Math.sqrt(k + levelShare * k * k);
    // A budget that blocks on pace spends no more than its limit, or than it has spent already (a
    // limit lowered below the spend, or spend from before the budget): never projected below that.
    const cap = (x: number): number => (blocksOnPace ? Math.min(x, Math.max(limit, spent)) : x);
    projection.push({ date, usd: round6(cap(cum)), low_usd: round6(cap(Math.max(spent, cum - band))), high_usd: round6(cap(cum + band)) });
  }

  let pacing: BudgetForecast['pacing'] = null;
  if (b.pace && !lifetime) {
    const allowance = dailyAllowance({ limit: b.limitNanos, spentBeforeToday: input.spentNanos - spentToday, daysLeft: daysLeft(window, periodWindow('day', tz, now)) });
    pacing = { action: b.pace.action, allowanceTodayNanos: allowance, spentTodayNanos: spentToday, state: pacingState(allowance, spentToday) };
  }
  const end = projection[projection.length - 1];
  const out: BudgetForecast = {
    periodStart: window.start === 0 ? null : window.start,
    periodEnd: lifetime ? null : window.end,
    spentUsd: spent,
    projectedUsd: end ? end.usd : null,
    lowUsd: end ? end.low_usd : null,
    highUsd: end ? end.high_usd : null,
    exhaustsAt,
    method,
    projection,
    spentTodayNanos: spentToday,
    pacing,
    sentence: '',
  };
  out.sentence = forecastSentence(b, tz, out);
  return out;
}
