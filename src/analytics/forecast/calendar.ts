/**
 * Local calendar days as "YYYY-MM-DD" strings in a time zone: the unit of spend history, forecasts
 * and pacing. Pure; DST-safe through policy/period.ts.
 */
import { localMidnight, periodWindow } from '../../policy/period.js';

const DAY_MS = 86_400_000;

function ymd(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a date: "${date}" (YYYY-MM-DD)`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The local date of instant t in tz. */
export function dateOf(tz: string, t: number): string {
  return periodWindow('day', tz, t).key;
}

/** `date` shifted by n days (calendar arithmetic, no zone involved). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = ymd(date);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Whole days from a to b (b - a). */
export function daysBetween(a: string, b: string): number {
  const [ya, ma, da] = ymd(a);
  const [yb, mb, db] = ymd(b);
  return Math.round((Date.UTC(yb, mb - 1, db) - Date.UTC(ya, ma - 1, da)) / DAY_MS);
}

/** 0 = Monday ... 6 = Sunday. */
export function weekdayOf(date: string): number {
  const [y, m, d] = ymd(date);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** [start, end) of a local day, as UTC instants. */
export function dayBounds(tz: string, date: string): { start: number; end: number } {
  const [y, m, d] = ymd(date);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return { start: localMidnight(tz, y, m, d), end: localMidnight(tz, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()) };
}

/** "14 April 2027". */
export function longDate(date: string): string {
  const [y, m, d] = ymd(date);
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(Date.UTC(y, m - 1, d));
}
