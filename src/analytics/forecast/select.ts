/**
 * Choosing a method by backtest, per series: each method is fitted on the history minus its last two
 * weeks and scored on how far its cumulative forecast lands from the actual sum at 7 and 14 days (the
 * quantity a budget forecast needs). The winner is refitted on the whole history. A method with more
 * parameters must beat `ewma-weekday` by 30% on the holdout to be chosen: in the backtest, picking the
 * plain minimum over two weeks chased noise and lost to `ewma-weekday` on every series at 7-14 days,
 * while the margin keeps the damped trend where a trend is clear (better at 90-180 days). Histories under five
 * weeks are too short to judge, so they get `ewma-weekday`, the method with fewest parameters (and the
 * best on short histories in eval/forecast; see its results.md). Projections longer than four weeks
 * leave out the undamped trend: a two-week holdout cannot see how far off a straight line is after
 * months, and in the backtest it was the worst method at 90 and 180 days.
 */
import { fitMethod, METHODS, type Fit, type MethodName, type Series } from './methods.js';

export type MethodChoice = MethodName | 'auto';

const MIN_FOR_BACKTEST = 35;

/** Absolute error of the cumulative forecast at 7 and 14 days, fitted without the last 14 days. */
export function holdoutError(method: MethodName, s: Series): number {
  const n = s.values.length;
  let err = 0;
  for (const h of [7, 14]) {
    const origin = n - h;
    const fit = fitMethod(method, { values: s.values.slice(0, origin), firstWeekday: s.firstWeekday });
    const fc = fit.predict(h).reduce((a, b) => a + b, 0);
    const actual = s.values.slice(origin).reduce((a, b) => a + b, 0);
    err += Math.abs(fc - actual);
  }
  return err;
}

/** How much smaller a later method's holdout error must be to be preferred (see eval/forecast). */
const SWITCH_MARGIN = 0.7;

/** Longest projection (days) the undamped trend may be chosen for. */
const UNDAMPED_MAX_HORIZON = 28;

export function chooseMethod(s: Series, horizon = 0): MethodName {
  if (s.values.length < MIN_FOR_BACKTEST) return 'ewma-weekday';
  let best: { m: MethodName; err: number } | null = null;
  for (const m of METHODS) {
    if (m === 'holt-winters' && horizon > UNDAMPED_MAX_HORIZON) continue;
    const err = holdoutError(m, s);
    // A two-week holdout is a small sample: a method with more parameters must beat the simpler one
    // (listed first) clearly, by SWITCH_MARGIN, to be chosen.
    if (!best || err < best.err * SWITCH_MARGIN) best = { m, err };
  }
  return best!.m;
}

/** Fit with the given method, or choose one by backtest for a projection of `horizon` days. */
export function fitSeries(s: Series, choice: MethodChoice = 'auto', horizon = 0): Fit {
  return fitMethod(choice === 'auto' ? chooseMethod(s, horizon) : choice, s);
}
