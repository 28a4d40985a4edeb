import { describe, expect, it } from 'vitest';
import { periodWindow } from '../../src/policy/period.js';

describe('calendar periods', () => {
  it('aligns to the time zone, including DST changes', () => {
    // 2026-03-08 is the US DST switch: that day in New York is 23 hours long.
    const t = Date.parse('2026-03-08T12:00:00Z');
    const w = periodWindow('day', 'America/New_York', t);
    expect(new Date(w.start).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(new Date(w.end).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(w.key).toBe('2026-03-08');
  });

  it('months, weeks (Monday), years and none', () => {
    const t = Date.parse('2026-11-25T23:30:00Z'); // a Wednesday; already the 26th in Tokyo
    expect(periodWindow('month', 'UTC', t)).toEqual({ key: '2026-11', start: Date.parse('2026-11-01T00:00:00Z'), end: Date.parse('2026-12-01T00:00:00Z') });
    expect(periodWindow('day', 'Asia/Tokyo', t).key).toBe('2026-11-26');
    const wk = periodWindow('week', 'UTC', t);
    expect(new Date(wk.start).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(wk.end - wk.start).toBe(7 * 86_400_000);
    expect(periodWindow('year', 'Europe/Paris', t)).toMatchObject({ key: '2026', start: Date.parse('2025-12-31T23:00:00Z') });
    expect(periodWindow('month', 'UTC', Date.parse('2026-12-31T23:59:59.999Z')).end).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(periodWindow('none', 'UTC', t)).toEqual({ key: 'all', start: 0, end: Infinity });
  });

  it('switches window exactly at the boundary', () => {
    const end = Date.parse('2026-12-01T00:00:00Z');
    expect(periodWindow('month', 'UTC', end - 1).key).toBe('2026-11');
    expect(periodWindow('month', 'UTC', end).key).toBe('2026-12');
  });
});
