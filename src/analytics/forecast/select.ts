/**
 * Choosing a method by backtest, per series: each method is fitted on the history minus its last two
 * weeks and scored on how far its cumulative forecast lands from the actual sum at 7 and 14 days (the
 * quantity a budget forecast needs). The winner is refitted on the whole history. Histories under five
 * weeks are too short to judge, so they get `ewma-weekday`, the method with fewest parameters (and the
 * best on short histories in eval/forecast; see its results.md).
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

export function chooseMethod(s: Series): MethodName {
  if (s.values.length < MIN_FOR_BACKTEST) return 'ewma-weekday';
  let best: { m: MethodName; err: number } | null = null;
  for (const m of METHODS) {
    const err = holdoutError(m, s);
    // Ties (e.g. a flat series) go to the simpler method, listed first.
    if (!best || err < best.err - 1e-9 * Math.max(1, best.err)) best = { m, err };
  }
  return best!.m;
}

export function fitSeries(s: Series, choice: MethodChoice = 'auto'): Fit {
  return fitMethod(choice === 'auto' ? chooseMethod(s) : choice, s);
}
