/** The forecast alert timer: runs on its interval with the injected clock, alerts once a day, stops on stop(). */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ForecastAlert } from '../../src/budgets/alerts.js';
import type { AlertSender } from '../../src/budgets/alerts.js';
import { BudgetDirectory } from '../../src/budgets/budget-directory.js';
import { ForecastWatch } from '../../src/budgets/forecast-watch.js';
import { LedgerSpendHistory } from '../../src/analytics/spend-history.js';
import type { BudgetRecord, Store } from '../../src/storage/types.js';

const DAY = 86_400_000;
const budgets: BudgetRecord[] = [
  { id: 'team:a/month', scope: 'team:a', period: 'month', limitNanos: 300e9, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0, pace: null },
  { id: 'team:b/month', scope: 'team:b', period: 'month', limitNanos: 300e9, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0, pace: null },
];

/** A ledger where team a spends $20 and team b $5 on every whole day before 2026-11-10. */
const store = {
  listBudgets: () => Promise.resolve(budgets),
  budgetsVersion: () => Promise.resolve(1),
  sumCalls: (q: { from?: number; to?: number; match: { team?: string } }) => {
    const perDay = q.match.team === 'a' ? 20e9 : 5e9;
    const from = q.from ?? 0;
    const to = Math.min(q.to ?? Infinity, Date.parse('2026-11-10T00:00:00Z'));
    return Promise.resolve({ costNanos: to > from && to - from <= DAY ? perDay : 0, tokens: 0 });
  },
} as unknown as Store;

let watch: ForecastWatch | undefined;
afterEach(async () => {
  await watch?.stop();
  vi.useRealTimers();
});

describe('ForecastWatch', () => {
  it('alerts budgets projected to run out early, on its timer, once per budget and day', async () => {
    let clock = Date.parse('2026-11-10T00:00:00Z');
    const sent: ForecastAlert[] = [];
    const alerts = { sendForecast: (a: ForecastAlert) => sent.push(a) } as unknown as AlertSender;
    const flags = new Set<string>();
    const dir = new BudgetDirectory(store, 60_000);
    await dir.start();
    vi.useFakeTimers();
    watch = new ForecastWatch({
      budgets: dir, store, history: new LedgerSpendHistory(store, () => clock), alerts,
      claim: (k) => Promise.resolve(!flags.has(k) && Boolean(flags.add(k))),
      timezone: 'UTC', now: () => clock, everyMs: 60_000, log: pino({ level: 'silent' }),
    });
    watch.start();
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60_000);
    // a: $180 by the 9th, then $20 a day: $300 on the 15th. b: $45 + $5 a day stays within $300.
    expect(sent.map((a) => a.budget.id)).toEqual(['team:a/month']);
    expect(sent[0]!.sentence).toBe('At this rate the month budget of team:a ($300) runs out on 15 November 2026.');
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(sent).toHaveLength(1);
    clock += DAY;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toHaveLength(2);
    await watch.stop();
    clock += DAY;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(sent).toHaveLength(2);
    dir.stop();
  });
});
