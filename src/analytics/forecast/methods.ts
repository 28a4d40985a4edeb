/**
 * Daily spend forecasting methods, all well known and all fitted in a few milliseconds:
 *  - `ewma-weekday`: an exponentially weighted level of the de-seasonalised series times
 *    multiplicative weekday factors (no trend). Robust on short or flat histories.
 *  - `holt-winters`: additive Holt-Winters with a weekly season (level, linear trend, 7 seasonal terms).
 *  - `damped-trend`: the same with a damped trend (Gardner & McKenzie), so a recent slope fades instead
 *    of being extrapolated for months.
 * Smoothing parameters are chosen per series by a small grid search on the one-step-ahead squared
 * error. Values are daily amounts (any unit); forecasts are clamped at 0 (spend is never negative).
 */

export const METHODS = ['ewma-weekday', 'holt-winters', 'damped-trend'] as const;
export type MethodName = (typeof METHODS)[number];

export interface Series {
  /** Daily amounts, oldest first, no gaps. */
  values: readonly number[];
  /** Weekday of values[0]: 0 = Monday ... 6 = Sunday. */
  firstWeekday: number;
}

export interface Fit {
  method: MethodName;
  /** The next h days after the series' last day. */
  predict(h: number): number[];
  /** Standard deviation of the one-step-ahead errors (in-sample). */
  sigma: number;
  /** Level smoothing weight: how fast the level forgets (used for the uncertainty band). */
  alpha: number;
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.5] as const;

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Multiplicative weekday factors (mean 1); all 1 until two full weeks are known. */
export function weekdayFactors(s: Series): number[] {
  const f = [1, 1, 1, 1, 1, 1, 1];
  const n = s.values.length;
  if (n < 14) return f;
  const overall = mean(s.values);
  if (overall <= 0) return f;
  const sums = [0, 0, 0, 0, 0, 0, 0];
  const counts = [0, 0, 0, 0, 0, 0, 0];
  s.values.forEach((v, i) => {
    const wd = (s.firstWeekday + i) % 7;
    sums[wd]! += v;
    counts[wd]!++;
  });
  for (let wd = 0; wd < 7; wd++) f[wd] = counts[wd]! > 0 ? sums[wd]! / counts[wd]! / overall : 1;
  const norm = mean(f);
  return f.map((x) => (norm > 0 ? x / norm : 1));
}

function ewmaWeekday(s: Series): Fit {
  const f = weekdayFactors(s);
  const n = s.values.length;
  // A weekday that never spends says nothing about the level: its value is skipped (null).
  const des = s.values.map((v, i) => {
    const k = f[(s.firstWeekday + i) % 7]!;
    return k > 0.05 ? v / k : null;
  });
  const known = des.filter((x): x is number => x !== null);
  let best = { alpha: 0.2, sse: Infinity, level: mean(known), sq: 0, count: 0 };
  for (const alpha of ALPHAS) {
    let level = mean(known.slice(0, Math.min(7, known.length)));
    let sse = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const k = f[(s.firstWeekday + i) % 7]!;
      if (i >= Math.min(7, n - 1)) {
        sse += (s.values[i]! - level * k) ** 2;
        count++;
      }
      const d = des[i];
      if (d !== null && d !== undefined) level = alpha * d + (1 - alpha) * level;
    }
    if (sse < best.sse) best = { alpha, sse, level, sq: sse, count };
  }
  const { level, alpha } = best;
  return {
    method: 'ewma-weekday',
    alpha,
    sigma: best.count > 1 ? Math.sqrt(best.sq / (best.count - 1)) : Math.abs(level) * 0.5,
    predict: (h) => Array.from({ length: h }, (_, j) => Math.max(0, level * f[(s.firstWeekday + n + j) % 7]!)),
  };
}

interface HwState {
  level: number;
  trend: number;
  season: number[];
  sse: number;
  count: number;
}

function hwRun(s: Series, alpha: number, beta: number, gamma: number, phi: number): HwState {
  const y = s.values;
  const n = y.length;
  const w1 = y.slice(0, 7);
  let level = mean(w1);
  let trend = n >= 14 ? (mean(y.slice(7, 14)) - level) / 7 : 0;
  // season[i % 7] holds the term of the series' day i.
  const season = [0, 0, 0, 0, 0, 0, 0].map((_, i) => (i < w1.length ? w1[i]! - level : 0));
  let sse = 0;
  let count = 0;
  for (let i = 7; i < n; i++) {
    const si = season[i % 7]!;
    const fc = level + phi * trend + si;
    sse += (y[i]! - fc) ** 2;
    count++;
    const prevLevel = level;
    level = alpha * (y[i]! - si) + (1 - alpha) * (level + phi * trend);
    trend = beta * (level - prevLevel) + (1 - beta) * phi * trend;
    season[i % 7] = gamma * (y[i]! - level) + (1 - gamma) * si;
  }
  return { level, trend, season, sse, count };
}

function holtWinters(s: Series, damped: boolean): Fit {
  const n = s.values.length;
  if (n < 14) return { ...ewmaWeekday(s), method: damped ? 'damped-trend' : 'holt-winters' };
  let best: { st: HwState; alpha: number; phi: number } | null = null;
  for (const alpha of ALPHAS) {
    for (const beta of [0.01, 0.05, 0.15]) {
      for (const gamma of [0.05, 0.15, 0.3]) {
        for (const phi of damped ? [0.8, 0.9, 0.95] : [1]) {
          const st = hwRun(s, alpha, beta, gamma, phi);
          if (!best || st.sse < best.st.sse) best = { st, alpha, phi };
        }
      }
    }
  }
  const { st, alpha, phi } = best!;
  return {
    method: damped ? 'damped-trend' : 'holt-winters',
    alpha,
    sigma: st.count > 1 ? Math.sqrt(st.sse / (st.count - 1)) : 0,
    predict: (h) => {
      const out: number[] = [];
      let damp = 0;
      let p = 1;
      for (let j = 1; j <= h; j++) {
        p *= phi;
        damp += p;
        out.push(Math.max(0, st.level + damp * st.trend + st.season[(n + j - 1) % 7]!));
      }
      return out;
    },
  };
}

export function fitMethod(method: MethodName, s: Series): Fit {
  switch (method) {
    case 'ewma-weekday':
      return ewmaWeekday(s);
    case 'holt-winters':
      return holtWinters(s, false);
    case 'damped-trend':
      return holtWinters(s, true);
  }
}
