/** Budget forecasts on synthetic histories whose answers are known by construction. */
import { describe, expect, it } from 'vitest';
import { addDays, dateOf } from '../../src/analytics/forecast/calendar.js';
import { forecastBudget, type DailySpend } from '../../src/analytics/forecast/budget-forecast.js';
import { fitMethod, METHODS } from '../../src/analytics/forecast/methods.js';
import type { BudgetRecord } from '../../src/storage/types.js';

const NANO = 1e9;

function budget(over: Partial<BudgetRecord> = {}): BudgetRecord {
  return { id: 'team:platform/month', scope: 'team:platform', period: 'month', limitNanos: 300 * NANO, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0, pace: null, ...over };
}

/** `days` days of history ending on `last` (inclusive), amount per day from f(date, index). */
function history(last: string, days: number, f: (date: string, i: number) => number): DailySpend[] {
  return Array.from({ length: days }, (_, i) => {
    const date = addDays(last, i - days + 1);
    return { date, nanos: Math.round(f(date, i) * NANO) };
  });
}

const inPeriod = (h: DailySpend[], from: string): number => h.filter((d) => d.date >= from).reduce((s, d) => s + d.nanos, 0);

describe('forecastBudget', () => {
  it('constant $10/day from a $300 month budget (30 days) runs out on day 30, exactly', () => {
    const now = Date.parse('2026-11-01T00:00:00Z');
    const h = history('2026-11-01', 57, (d) => (d === '2026-11-01' ? 0 : 10));
    for (const method of [...METHODS, 'auto' as const]) {
      const f = forecastBudget({ budget: budget(), timezone: 'UTC', now, history: h, spentNanos: 0, method });
      expect(f.exhaustsAt, method).not.toBeNull();
      expect(dateOf('UTC', f.exhaustsAt!), method).toBe('2026-11-30');
      expect(f.projectedUsd!, method).toBeCloseTo(300, 6);
    }
  });

  it('mid-month, with half of today spent, still says day 30; a $400 budget does not run out and ends at $300', () => {
    const now = Date.parse('2026-11-11T12:00:00Z');
    const h = history('2026-11-11', 60, (d) => (d === '2026-11-11' ? 5 : 10));
    const spent = inPeriod(h, '2026-11-01');
    expect(spent).toBe(105 * NANO);
    const f = forecastBudget({ budget: budget(), timezone: 'UTC', now, history: h, spentNanos: spent });
    expect(dateOf('UTC', f.exhaustsAt!)).toBe('2026-11-30');
    const g = forecastBudget({ budget: budget({ limitNanos: 400 * NANO }), timezone: 'UTC', now, history: h, spentNanos: spent });
    expect(g.exhaustsAt).toBeNull();
    expect(g.projectedUsd!).toBeCloseTo(300, 6);
    expect(g.lowUsd!).toBeLessThanOrEqual(300 + 1e-6);
    expect(g.highUsd!).toBeGreaterThanOrEqual(300 - 1e-6);
    // The projection is cumulative from today to the period's last day.
    expect(g.projection[0]).toMatchObject({ date: '2026-11-11' });
    expect(g.projection[0]!.usd).toBeCloseTo(110, 6);
    expect(g.projection.at(-1)).toMatchObject({ date: '2026-11-30' });
    expect(g.projection).toHaveLength(20);
    expect(g.sentence).toBe('At this rate the month budget of team:platform ($400) ends the period at $300 (80% range $300–$300), within its limit; it resets on 1 December 2026.');
  });

  it('learns weekday seasonality: $20 on weekdays, nothing at weekends', () => {
    const now = Date.parse('2026-11-10T00:00:00Z');
    const weekday = (d: string): boolean => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay());
    const h = history('2026-11-10', 70, (d) => (d === '2026-11-10' ? 0 : weekday(d) ? 20 : 0));
    const spent = inPeriod(h, '2026-11-01');
    let expected = spent / NANO;
    for (let d = '2026-11-10'; d <= '2026-11-30'; d = addDays(d, 1)) if (weekday(d)) expected += 20;
    const f = forecastBudget({ budget: budget({ limitNanos: 1000 * NANO }), timezone: 'UTC', now, history: h, spentNanos: spent, method: 'ewma-weekday' });
    expect(Math.abs(f.projectedUsd! - expected) / expected).toBeLessThan(0.01);
    // The weekend days of the projection add nothing.
    const sat = f.projection.findIndex((p) => p.date === '2026-11-14');
    expect(f.projection[sat]!.usd).toBeCloseTo(f.projection[sat - 1]!.usd, 3);
  });

  it('follows a linear trend with a trend method', () => {
    const now = Date.parse('2026-11-01T00:00:00Z');
    const h = history('2026-11-01', 57, (d, i) => (d === '2026-11-01' ? 0 : 10 + 0.5 * i));
    let expected = 0;
    for (let i = 56; i < 86; i++) expected += 10 + 0.5 * i;
    const f = forecastBudget({ budget: budget({ limitNanos: 10_000 * NANO }), timezone: 'UTC', now, history: h, spentNanos: 0, method: 'holt-winters' });
    expect(Math.abs(f.projectedUsd! - expected) / expected).toBeLessThan(0.02);
    const flat = forecastBudget({ budget: budget({ limitNanos: 10_000 * NANO }), timezone: 'UTC', now, history: h, spentNanos: 0, method: 'ewma-weekday' });
    expect(flat.projectedUsd!).toBeLessThan(expected * 0.9);
    expect(forecastBudget({ budget: budget({ limitNanos: 10_000 * NANO }), timezone: 'UTC', now, history: h, spentNanos: 0 }).method).not.toBe('ewma-weekday');
  });

  it('says the sentence: a year budget of $5,000 spent at 5000/104 a day runs out on 14 April 2027', () => {
    const now = Date.parse('2027-01-01T00:00:00Z');
    const h = history('2027-01-01', 57, (d) => (d === '2027-01-01' ? 0 : 5000 / 104));
    const f = forecastBudget({ budget: budget({ id: 'team:platform/year', period: 'year', limitNanos: 5000 * NANO }), timezone: 'UTC', now, history: h, spentNanos: 0 });
    expect(f.sentence).toBe('At this rate the year budget of team:platform ($5,000) runs out on 14 April 2027.');
  });

  it('lifetime budgets: an exhaustion date only', () => {
    const now = Date.parse('2026-11-25T00:00:00Z');
    const h = history('2026-11-25', 57, (d) => (d === '2026-11-25' ? 0 : 10));
    const f = forecastBudget({ budget: budget({ id: 'key:k1/none', scope: 'key:k1', period: 'none', limitNanos: 1000 * NANO }), timezone: 'UTC', now, history: h, spentNanos: 400 * NANO });
    expect(f.projectedUsd).toBeNull();
    expect(f.projection).toEqual([]);
    expect(f.periodEnd).toBeNull();
    // $600 left at $10 a day: 60 days, today included.
    expect(dateOf('UTC', f.exhaustsAt!)).toBe(addDays('2026-11-25', 59));
    const idle = forecastBudget({ budget: budget({ scope: 'key:k1', period: 'none', limitNanos: 1000 * NANO }), timezone: 'UTC', now, history: history('2026-11-25', 10, () => 0), spentNanos: 400 * NANO });
    expect(idle.exhaustsAt).toBeNull();
    expect(idle.sentence).toBe('At this rate the lifetime budget of key:k1 ($1,000) does not run out within five years ($400 spent so far).');
  });

  it('works in local days of the configured time zone (across a DST change)', () => {
    const tz = 'America/New_York';
    // 1 Nov 2026 00:00 in New York (EDT, UTC-4); DST ends later that night.
    const now = Date.parse('2026-11-01T04:00:00Z');
    expect(dateOf(tz, now)).toBe('2026-11-01');
    const h = history('2026-11-01', 57, (d) => (d === '2026-11-01' ? 0 : 10));
    const f = forecastBudget({ budget: budget(), timezone: tz, now, history: h, spentNanos: 0 });
    expect(dateOf(tz, f.exhaustsAt!)).toBe('2026-11-30');
    expect(f.periodEnd).toBe(Date.parse('2026-12-01T05:00:00Z'));
  });

  it('a used-up budget says so; a paced budget reports today\'s allowance', () => {
    const now = Date.parse('2026-11-21T06:00:00Z');
    const h = history('2026-11-21', 40, (d) => (d === '2026-11-21' ? 4 : 10));
    const spent = inPeriod(h, '2026-11-01');
    const used = forecastBudget({ budget: budget({ limitNanos: 150 * NANO }), timezone: 'UTC', now, history: h, spentNanos: spent });
    expect(used.sentence).toBe('The month budget of team:platform ($150) is used up: $204 spent; it resets on 1 December 2026.');
    const paced = forecastBudget({ budget: budget({ pace: { action: 'block', model: null } }), timezone: 'UTC', now, history: h, spentNanos: spent });
    // $300 - $200 spent before today, over 10 days left (21st to 30th).
    expect(paced.pacing).toEqual({ action: 'block', allowanceTodayNanos: 10 * NANO, spentTodayNanos: 4 * NANO, state: 'ok' });
    expect(paced.exhaustsAt).toBeNull();
    expect(paced.projectedUsd!).toBeLessThanOrEqual(300);
    // Paced to block, but already past its limit ($204 spent of $150): projected at what is spent, not below.
    const over = forecastBudget({ budget: budget({ limitNanos: 150 * NANO, pace: { action: 'block', model: null } }), timezone: 'UTC', now, history: h, spentNanos: spent });
    expect(over.projectedUsd).toBe(204);
    for (const p of over.projection) expect(p.low_usd).toBeGreaterThanOrEqual(204);
  });

  it('fits each method quickly enough for a periodic job', () => {
    const values = Array.from({ length: 56 }, (_, i) => 10 + (i % 7) + Math.sin(i));
    const t = performance.now();
    for (const m of METHODS) fitMethod(m, { values, firstWeekday: 0 }).predict(365);
    expect(performance.now() - t).toBeLessThan(500);
  });
});
