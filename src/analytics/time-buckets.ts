/**
 * Local-time buckets over UTC hours. Rollups are kept per UTC hour; a report in a zone maps each hour to
 * the local day holding the hour's START. SQL does that with plain integer arithmetic: local day index =
 * (hour + offset) / 86,400,000, where offset is a constant, or a CASE over the zone's offset changes
 * (DST) inside the queried range, computed here. Weeks (Monday first) and months are then merged from
 * days. Zones with a non-whole-hour offset (Asia/Kolkata +5:30, Asia/Kathmandu +5:45, ...) cannot split
 * an hour, so there a day bucket runs from the first whole UTC hour at or after local midnight (e.g. 00:30
 * to 00:30 in Kolkata): each hour is counted once, in the day where it began.
 */
import { localMidnight } from '../policy/period.js';
import type { TimeBucket } from './query.js';

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `tz` from UTC at instant t, in ms. */
export function utcOffset(tz: string, t: number): number {
  if (tz === 'UTC') return 0;
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** The zone's offset as segments: `offset` applies to hours starting at or after `from` (first: from -inf). */
export function offsetSegments(tz: string, lo: number, hi: number): { from: number; offset: number }[] {
  let t = Math.floor(lo / HOUR_MS) * HOUR_MS;
  const segments = [{ from: -Infinity, offset: utcOffset(tz, t) }];
  for (; t < hi; t += DAY_MS) {
    const next = Math.min(t + DAY_MS, Math.floor(hi / HOUR_MS) * HOUR_MS + HOUR_MS);
    const before = segments[segments.length - 1]!.offset;
    if (utcOffset(tz, next) === before) continue;
    // The first hour start in (t, next] with the new offset (offsets change at most once a day).
    let a = t / HOUR_MS;
    let b = next / HOUR_MS;
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (utcOffset(tz, mid * HOUR_MS) === before) a = mid;
      else b = mid;
    }
    segments.push({ from: b * HOUR_MS, offset: utcOffset(tz, b * HOUR_MS) });
  }
  return segments;
}

/** SQL for the local day index of the UTC hour start in column `col`. */
export function localDaySql(col: string, segments: { from: number; offset: number }[]): string {
  const first = segments[0]!;
  if (segments.length === 1) return `((${col} + ${first.offset}) / ${DAY_MS})`;
  const cases = segments.slice(1).map((s, i) => `WHEN ${col} < ${s.from} THEN ${segments[i]!.offset}`);
  return `((${col} + CASE ${cases.join(' ')} ELSE ${segments[segments.length - 1]!.offset} END) / ${DAY_MS})`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The bucket a local day index (days since 1970-01-01 local) falls in: its label and start instant. */
export function dayBucket(bucket: Exclude<TimeBucket, 'hour'>, day: number, tz: string): { label: string; start: number } {
  let d = new Date(day * DAY_MS);
  if (bucket === 'week') {
    // 1970-01-01 was a Thursday: (day + 3) mod 7 is the number of days since Monday.
    d = new Date((day - (((day + 3) % 7) + 7) % 7) * DAY_MS);
  }
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  if (bucket === 'month') return { label: `${y}-${pad(m)}`, start: localMidnight(tz, y, m, 1) };
  const dd = d.getUTCDate();
  return { label: `${y}-${pad(m)}-${pad(dd)}`, start: localMidnight(tz, y, m, dd) };
}

export function hourLabel(hour: number): string {
  return `${new Date(hour).toISOString().slice(0, 13)}:00Z`;
}
