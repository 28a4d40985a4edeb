/** Dollars for people: a non-zero amount never reads $0.00, in alerts and forecast sentences too. */
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { forecastSentence } from '../../src/analytics/forecast/sentence.js';
import { AlertSender } from '../../src/budgets/alerts.js';
import { formatUsd } from '../../src/pricing/money.js';

describe('formatUsd', () => {
  it('shows cents from $1 up, with thousands separators', () => {
    expect(formatUsd(1)).toBe('$1.00');
    expect(formatUsd(12.5)).toBe('$12.50');
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(1_000_000)).toBe('$1,000,000.00');
    expect(formatUsd(0.999)).toBe('$1.00');
  });

  it('gives amounts below $1 two significant digits, never $0.00 unless zero', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.5)).toBe('$0.50');
    expect(formatUsd(0.12345)).toBe('$0.12');
    expect(formatUsd(0.05)).toBe('$0.05');
    expect(formatUsd(0.0004)).toBe('$0.0004');
    expect(formatUsd(0.000066)).toBe('$0.000066');
    expect(formatUsd(0.0000661)).toBe('$0.000066');
    expect(formatUsd(1e-9)).toBe('$0.000000001');
    expect(formatUsd(-0.003)).toBe('-$0.003');
  });

  it('drops the cents of whole and large amounts when asked (sentences naming a limit)', () => {
    expect(formatUsd(300, { wholeDollars: true })).toBe('$300');
    expect(formatUsd(5000, { wholeDollars: true })).toBe('$5,000');
    expect(formatUsd(12.5, { wholeDollars: true })).toBe('$12.50');
    expect(formatUsd(0.000066, { wholeDollars: true })).toBe('$0.000066');
  });
});

describe('tiny amounts in alert texts', () => {
  const capture = (): { log: Logger; texts: string[] } => {
    const texts: string[] = [];
    const log = { warn: (o: { alert: { text: string } }) => texts.push(o.alert.text) } as unknown as Logger;
    return { log, texts };
  };

  it('a threshold alert and a pacing alert name the real amounts', () => {
    const { log, texts } = capture();
    const sender = new AlertSender({ url: undefined, retries: 0, timeoutMs: 1000 }, log);
    const budget = { id: 'team:a/day', scope: 'team:a', period: 'day' };
    sender.send({ budget, threshold_pct: 80, spent_usd: 0.0004, limit_usd: 0.0005, period_key: 'x', resets_at: null });
    sender.sendPacing({ budget, date: '2026-12-07', allowance_usd: 0.000066, spent_today_usd: 0.00007, resets_at: '2026-12-08T00:00:00.000Z' });
    expect(texts[0]).toBe('Tollgate: budget team:a (day) reached 80%: $0.0004 of $0.0005');
    expect(texts[1]).toContain('$0.00007 of $0.000066, resets');
  });

  it('a forecast sentence names a tiny limit', () => {
    const s = forecastSentence({ scope: 'team:a', period: 'week', limitNanos: 66_000, pace: null }, 'UTC', {
      spentUsd: 0.00001, exhaustsAt: Date.parse('2026-12-09T00:00:00Z'), periodEnd: Date.parse('2026-12-14T00:00:00Z'),
    } as Parameters<typeof forecastSentence>[2]);
    expect(s).toBe('At this rate the week budget of team:a ($0.000066) runs out on 9 December 2026.');
  });
});
