/**
 * Calendar periods in a time zone: the window an instant falls in, its key and its reset time.
 * Weeks start on Monday. Pure: the instant is passed in.
 */
import type { BudgetPeriod } from '../storage/types.js';

export interface PeriodWindow {
  /** Stable name of the window, e.g. "2026-11", "2026-11-25", "2026-W48", "2026", "all". */
  key: string;
  start: number;
  /** Exclusive; Infinity for period "none". */
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(tz: string, t: number): { y: number; m: number; d: number; wd: number; h: number; min: number; s: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(t))) out[p.type] = p.value;
  const wd = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(out['weekday']!);
  return { y: Number(out['year']), m: Number(out['month']), d: Number(out['day']), wd, h: Number(out['hour']), min: Number(out['minute']), s: Number(out['second']) };
}

/** Offset of `tz` from UTC at instant t, in ms. */
function offsetAt(tz: string, t: number): number {
  const p = parts(tz, t);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** The UTC instant of local midnight on y-m-d in tz (DST-safe: re-checks the offset). */
export function localMidnight(tz: string, y: number, m: number, d: number): number {
  const guess = Date.UTC(y, m - 1, d);
  let t = guess - offsetAt(tz, guess);
  t = guess - offsetAt(tz, t);
  return t;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The last window computed per period and zone: every call asks for the current window of every
 * budget, and Intl formatting is slow, so the answer is reused until the instant leaves it.
 */
const lastWindow = new Map<string, PeriodWindow>();

export function periodWindow(period: BudgetPeriod, tz: string, now: number): PeriodWindow {
  if (period === 'none') return NONE;
  const id = `${period}|${tz}`;
  const hit = lastWindow.get(id);
  if (hit && now >= hit.start && now < hit.end) return hit;
  const w = Object.freeze(computeWindow(period, tz, now));
  if (lastWindow.size > 1000) lastWindow.clear();
  lastWindow.set(id, w);
  return w;
}

const NONE: PeriodWindow = Object.freeze({ key: 'all', start: 0, end: Infinity });

function computeWindow(period: Exclude<BudgetPeriod, 'none'>, tz: string, now: number): PeriodWindow {
  const p = parts(tz, now);
  switch (period) {
    case 'day': {
      const start = localMidnight(tz, p.y, p.m, p.d);
      const next = new Date(Date.UTC(p.y, p.m - 1, p.d + 1));
      return { key: `${p.y}-${pad(p.m)}-${pad(p.d)}`, start, end: localMidnight(tz, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()) };
    }
    case 'week': {
      const monday = new Date(Date.UTC(p.y, p.m - 1, p.d - p.wd));
      const nextMonday = new Date(Date.UTC(p.y, p.m - 1, p.d - p.wd + 7));
      const start = localMidnight(tz, monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate());
      const key = `${monday.getUTCFullYear()}-${pad(monday.getUTCMonth() + 1)}-${pad(monday.getUTCDate())}w`;
      return { key, start, end: localMidnight(tz, nextMonday.getUTCFullYear(), nextMonday.getUTCMonth() + 1, nextMonday.getUTCDate()) };
    }
    case 'month': {
      const ny = p.m === 12 ? p.y + 1 : p.y;
      const nm = p.m === 12 ? 1 : p.m + 1;
      return { key: `${p.y}-${pad(p.m)}`, start: localMidnight(tz, p.y, p.m, 1), end: localMidnight(tz, ny, nm, 1) };
    }
    case 'year':
      return { key: `${p.y}`, start: localMidnight(tz, p.y, 1, 1), end: localMidnight(tz, p.y + 1, 1, 1) };
  }
}
