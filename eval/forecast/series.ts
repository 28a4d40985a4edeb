/**
 * Generated daily spend histories with known structure (seeded): a level, weekday seasonality,
 * optional linear trend, optional step change, multiplicative noise and optional spikes.
 * Days run from 2025-01-01 to 2026-12-31 (UTC); spend is in USD.
 */
import { addDays, weekdayOf } from '../../src/analytics/forecast/calendar.js';
import { Rng } from '../guard/rng.js';

export const SERIES_KINDS = ['stationary', 'trend', 'step', 'noisy'] as const;
export type SeriesKind = (typeof SERIES_KINDS)[number];

export const FIRST_DAY = '2025-01-01';
export const DAYS = 730;
/** The day the `step` series jumps (x1.8). */
export const STEP_DAY = '2026-06-15';

/** Monday..Sunday: busy weekdays, quiet weekends. */
const WEEKLY = [1.15, 1.2, 1.15, 1.1, 1.0, 0.5, 0.4];

export interface GeneratedSeries {
  kind: SeriesKind;
  seed: number;
  dates: string[];
  usd: number[];
}

function gaussian(r: Rng): number {
  const u = Math.max(r.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.next());
}

export function generate(kind: SeriesKind, seed: number): GeneratedSeries {
  const r = new Rng(seed * 7919 + SERIES_KINDS.indexOf(kind));
  const base = 50 + r.next() * 150;
  const noise = kind === 'noisy' ? 0.4 : 0.15;
  const dates: string[] = [];
  const usd: number[] = [];
  for (let i = 0; i < DAYS; i++) {
    const date = addDays(FIRST_DAY, i);
    let level = base;
    // Trend: +150% over the two years (about +0.13% a day).
    if (kind === 'trend') level *= 1 + (1.5 * i) / DAYS;
    if (kind === 'step' && date >= STEP_DAY) level *= 1.8;
    let v = level * WEEKLY[weekdayOf(date)]! * Math.max(0, 1 + noise * gaussian(r));
    if (kind === 'noisy' && r.chance(0.03)) v *= 4;
    dates.push(date);
    usd.push(v);
  }
  return { kind, seed, dates, usd };
}
