/**
 * Local-time buckets over UTC hours. Rollups are kept per UTC hour; a report in a zone maps each call to
 * the local day holding its start. SQL does that with plain integer arithmetic: local day index =
 * (t + offset) / 86,400,000, where t is a rollup hour's start or a ledger call's start, and offset is a
 * constant, or a CASE over the zone's offset changes (DST) inside the queried range, computed here to
 * the second. Weeks (Monday first) and months are then merged from days.
 * A rollup hour can only be given a day as a whole: that is exact when no local midnight and no offset
 * change falls strictly inside it. In zones with a non-whole-hour offset (Asia/Kolkata +5:30,
 * Asia/Kathmandu +5:45, Australia/Adelaide, America/St_Johns) one hour a day does not qualify, and
 * `splitHours` names those hours: the query reads them from the ledger call by call instead.
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

export interface OffsetSegment {
  /** The instant from which `offset` applies (the first segment: -Infinity). */
  from: number;
  offset: number;
}

/** The zone's offset over [lo, hi] as segments, each starting at the exact instant (to the second) of a change. */
export function offsetSegments(tz: string, lo: number, hi: number): OffsetSegment[] {
  let t = Math.floor(lo / HOUR_MS) * HOUR_MS;
  const segments: OffsetSegment[] = [{ from: -Infinity, offset: utcOffset(tz, t) }];
  for (; t < hi; t += DAY_MS) {
    const next = Math.min(t + DAY_MS, Math.floor(hi / HOUR_MS) * HOUR_MS + HOUR_MS);
    const before = segments[segments.length - 1]!.offset;
    if (utcOffset(tz, next) === before) continue;
    // The first second in (t, next] with the new offset (offsets change at most once a day).
    let a = t / 1000;
    let b = next / 1000;
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (utcOffset(tz, mid * 1000) === before) a = mid;
      else b = mid;
    }
    segments.push({ from: b * 1000, offset: utcOffset(tz, b * 1000) });
  }
  return segments;
}

const offHour = (t: number): boolean => ((t % HOUR_MS) + HOUR_MS) % HOUR_MS !== 0;

/**
 * The UTC hours of [lo, hi) (whole hours) that a local day boundary or an offset change cuts strictly
 * inside: a rollup row of such an hour cannot be given one local day. Empty in UTC and in every zone
 * whose offsets are whole hours. One hour per day in a +5:30 zone.
 */
export function splitHours(segments: OffsetSegment[], lo: number, hi: number): number[] {
  const hours = new Set<number>();
  const add = (t: number): void => {
    const h = Math.floor(t / HOUR_MS) * HOUR_MS;
    if (h >= lo && h < hi) hours.add(h);
  };
  segments.forEach((s, i) => {
    const end = Math.min(segments[i + 1]?.from ?? Infinity, hi);
    const start = Math.max(s.from, lo);
    if (i > 0 && offHour(s.from)) add(s.from);
    if (!offHour(s.offset) || start >= end) return;
    // Local midnights of this segment: t + offset a multiple of a day.
    for (let m = Math.ceil((start + s.offset) / DAY_MS) * DAY_MS - s.offset; m < end; m += DAY_MS) add(m);
  });
  return [...hours].sort((a, b) => a - b);
}

/** SQL for the local day index of the instant (epoch ms) in column `col`. */
export function localDaySql(col: string, segments: OffsetSegment[]): string {
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
