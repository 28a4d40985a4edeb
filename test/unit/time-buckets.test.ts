import { describe, expect, it } from 'vitest';
import { offsetSegments, splitHours } from '../../src/analytics/time-buckets.js';
import { planAnalytics } from '../../src/analytics/query-sql.js';

const HOUR = 3_600_000;
const iso = (t: number): string => new Date(t).toISOString();

/** Every UTC hour of [lo, hi) whose first and last millisecond fall on different local dates: checked by Intl alone. */
function cutByMidnight(tz: string, lo: number, hi: number): string[] {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
  const out: string[] = [];
  for (let h = lo; h < hi; h += HOUR) if (f.format(h) !== f.format(h + HOUR - 1)) out.push(iso(h));
  return out;
}

describe('time buckets: offset changes and the hours a local day boundary cuts', () => {
  it('finds offset changes to the second, also those that are not on a whole UTC hour', () => {
    // Adelaide: +9:30 -> +10:30 at 02:00 local on 2026-10-04 (16:30Z the day before), back on 2026-04-05 (03:00 local, 16:30Z).
    expect(offsetSegments('Australia/Adelaide', Date.UTC(2026, 9, 1), Date.UTC(2026, 9, 8)).map((s) => [s.from, s.offset / 60_000])).toEqual([
      [-Infinity, 570],
      [Date.UTC(2026, 9, 3, 16, 30), 630],
    ]);
    expect(offsetSegments('Australia/Adelaide', Date.UTC(2026, 3, 1), Date.UTC(2026, 3, 8))[1]).toEqual({ from: Date.UTC(2026, 3, 4, 16, 30), offset: 570 * 60_000 });
    // St John's: -2:30 -> -3:30 at 02:00 local on 2026-11-01 (04:30Z). Berlin: on the whole hour.
    expect(offsetSegments('America/St_Johns', Date.UTC(2026, 9, 30), Date.UTC(2026, 10, 3))[1]).toEqual({ from: Date.UTC(2026, 10, 1, 4, 30), offset: -210 * 60_000 });
    expect(offsetSegments('Europe/Berlin', Date.UTC(2026, 9, 20), Date.UTC(2026, 9, 30))[1]).toEqual({ from: Date.UTC(2026, 9, 25, 1), offset: 60 * 60_000 });
  });

  it('names no hour in UTC and whole-hour zones, across their DST changes', () => {
    const lo = Date.UTC(2026, 2, 1);
    const hi = Date.UTC(2026, 11, 1);
    for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney']) {
      expect(splitHours(offsetSegments(tz, lo, hi), lo, hi), tz).toEqual([]);
    }
  });

  it('names the hour of each local midnight off the whole hour, and of each offset change inside an hour', () => {
    const cases: [string, number, number][] = [
      ['Asia/Kolkata', Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 1)],
      ['Asia/Kathmandu', Date.UTC(2026, 0, 1, 7), Date.UTC(2026, 0, 9, 3)],
      ['Australia/Adelaide', Date.UTC(2026, 8, 25), Date.UTC(2026, 9, 12)],
      ['Australia/Adelaide', Date.UTC(2026, 2, 28), Date.UTC(2026, 3, 12)],
      ['America/St_Johns', Date.UTC(2026, 9, 25), Date.UTC(2026, 10, 8)],
      // Lord Howe: +10:30 in winter, +11 (a whole hour) in summer, a 30-minute DST shift on 2026-10-04.
      ['Australia/Lord_Howe', Date.UTC(2026, 8, 28), Date.UTC(2026, 9, 10)],
    ];
    for (const [tz, lo, hi] of cases) {
      const segments = offsetSegments(tz, lo, hi);
      const got = splitHours(segments, lo, hi).map(iso);
      const changes = segments.slice(1).filter((s) => s.from % HOUR !== 0).map((s) => iso(Math.floor(s.from / HOUR) * HOUR));
      expect(got, tz).toEqual([...new Set([...cutByMidnight(tz, lo, hi), ...changes])].sort());
    }
    // Kolkata: one hour a day, 18:00Z (local midnight at 18:30Z).
    const kolkata = splitHours(offsetSegments('Asia/Kolkata', Date.UTC(2026, 9, 1), Date.UTC(2026, 9, 4)), Date.UTC(2026, 9, 1), Date.UTC(2026, 9, 4));
    expect(kolkata.map(iso)).toEqual(['2026-10-01T18:00:00.000Z', '2026-10-02T18:00:00.000Z', '2026-10-03T18:00:00.000Z']);
    // Adelaide's change to summer time (16:30Z) cuts an hour that no midnight cuts.
    const adelaide = splitHours(offsetSegments('Australia/Adelaide', Date.UTC(2026, 9, 3), Date.UTC(2026, 9, 4)), Date.UTC(2026, 9, 3), Date.UTC(2026, 9, 4));
    expect(adelaide.map(iso)).toEqual(['2026-10-03T14:00:00.000Z', '2026-10-03T16:00:00.000Z']);
  });
});

describe('analytics plans in a zone with local days', () => {
  it("places the zone's offsets over the ledger's calls, not over the whole window asked for", () => {
    // A two-day ledger asked about from 1970 to 2099 in Kolkata: two hours cut by a midnight, not ~47,000.
    const q = { groupBy: ['team' as const], bucket: 'day' as const, timezone: 'Asia/Kolkata', from: 0, to: Date.UTC(2099, 0, 1) };
    const plan = planAnalytics(q, 'sqlite')!;
    expect(plan.rangeSql).not.toBeNull();
    const { params } = plan.build({ lo: Date.UTC(2026, 10, 1, 12), hi: Date.UTC(2026, 10, 3, 12) });
    const splitAt = [Date.UTC(2026, 10, 1, 18), Date.UTC(2026, 10, 2, 18)];
    for (const h of splitAt) expect(params).toContain(h);
    expect(params.length).toBeLessThan(20);
    // An empty ledger: nothing to place offsets over.
    expect(plan.build({ lo: null, hi: null }).params.length).toBeLessThan(10);
  });
});
