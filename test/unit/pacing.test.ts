/**
 * Pacing: a simulated year of traffic at twice the sustainable rate, day by day with an injected clock,
 * through the same planning (planLimits), allowance (resolvePace) and counters (memory store) the
 * gateway uses. Paced, the budget lasts to the last day; unpaced, the same traffic exhausts it mid-year.
 */
import { describe, expect, it } from 'vitest';
import { planLimits, type PlannedLimit } from '../../src/policy/limits.js';
import { dailyAllowance, daysLeft, pacingDecision, pacingDowngrade, resolvePace } from '../../src/policy/pacing.js';
import { periodWindow } from '../../src/policy/period.js';
import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import type { BudgetRecord } from '../../src/storage/types.js';
import { budgetConfigSchema } from '../../src/config/schema.js';
import { budgetRecord } from '../../src/budgets/budget-service.js';

const NANO = 1_000_000_000;
const TZ = 'Europe/Berlin';
const LIMIT = 3650 * NANO; // sustainable: $10 a day
const CALLS_PER_DAY = 50;
const CALL_COST = 0.4 * NANO; // 50 x $0.40 = $20 a day: twice the sustainable rate

function budget(pace: BudgetRecord['pace']): BudgetRecord {
  return { id: 'team:platform/year', scope: 'team:platform', period: 'year', limitNanos: LIMIT, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0, pace };
}

function plan(b: BudgetRecord, now: number): PlannedLimit[] {
  return planLimits({
    scopes: { org: 'o', team: 'platform', user: null, project: null, keyId: 'k1', tags: [], run: null, unlimited: true },
    budgetsByScope: new Map([[b.scope, [b]]]),
    rateLimitsByScope: new Map(),
    defaultRateLimit: null,
    demand: { worstNanos: CALL_COST, worstTokens: 0 },
    timezone: TZ,
    now,
  });
}

/** Spend per local day of 2027 under this budget, the calls spread evenly over each day. */
async function simulateYear(b: BudgetRecord): Promise<number[]> {
  const counters = new MemoryCounterStore();
  const perDay: number[] = [];
  let t = periodWindow('year', TZ, Date.parse('2027-06-01T00:00:00Z')).start;
  const yearEnd = periodWindow('year', TZ, t).end;
  let id = 0;
  while (t < yearEnd) {
    const day = periodWindow('day', TZ, t);
    let spentToday = 0;
    for (let i = 0; i < CALLS_PER_DAY; i++) {
      const now = day.start + Math.floor(((i + 0.5) / CALLS_PER_DAY) * (day.end - day.start));
      const limits = plan(b, now);
      const pace = limits.find((l) => l.kind === 'budget_pace');
      if (pace) {
        // What the limiter does once a day: spend before today = the period's counter minus today's.
        const [period, today] = await counters.read([pace.pace!.periodCounterKey, pace.key], now);
        resolvePace(pace, period!.used - today!.used);
        // The pure decision agrees with the counter store's atomic check.
        const expected = pacingDecision({ action: 'block', allowance: pace.pace!.allowance!, today: today!, amount: CALL_COST });
        const res = await counters.acquire({ callId: `c${++id}`, items: limits, leaseMs: 60_000, now });
        expect(res.ok).toBe(expected === 'admit' && period!.used + CALL_COST <= LIMIT);
        if (!res.ok) continue;
      } else {
        const res = await counters.acquire({ callId: `c${++id}`, items: limits, leaseMs: 60_000, now });
        if (!res.ok) continue;
      }
      await counters.commit(`c${id}`, limits.map((l) => ({ key: l.key, actual: CALL_COST, ttlSeconds: l.ttlSeconds })), now + 1000);
      spentToday += CALL_COST;
    }
    perDay.push(spentToday);
    t = day.end;
  }
  return perDay;
}

describe('pacing over a simulated year', () => {
  it('keeps a budget alive to the last day at twice the sustainable rate; unpaced it runs out mid-year', async () => {
    const paced = await simulateYear(budget({ action: 'block', model: null }));
    expect(paced).toHaveLength(365);
    const total = paced.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(LIMIT);
    expect(paced.at(-1)!).toBeGreaterThan(0);
    expect(paced.every((d) => d > 0)).toBe(true);
    // Nearly all of it is used (only less than a call's cost a day can go unspent at the end).
    expect(total).toBeGreaterThan(LIMIT - 2 * CALL_COST);

    const unpaced = await simulateYear(budget(null));
    expect(unpaced.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(LIMIT);
    const lastSpendDay = unpaced.findLastIndex((d) => d > 0) + 1;
    // $3,650 at $20 a day: gone on day 183 (2 July).
    expect(lastSpendDay).toBeGreaterThanOrEqual(175);
    expect(lastSpendDay).toBeLessThanOrEqual(190);
    expect(unpaced.at(-1)).toBe(0);
  });
});

describe('pacing policy', () => {
  it('spreads what remains over the days left, so unspent allowance carries over', () => {
    const year = periodWindow('year', 'UTC', Date.parse('2027-12-30T10:00:00Z'));
    const today = periodWindow('day', 'UTC', Date.parse('2027-12-30T10:00:00Z'));
    expect(daysLeft(year, today)).toBe(2);
    expect(dailyAllowance({ limit: 100, spentBeforeToday: 40, daysLeft: 3 })).toBe(20);
    // Nothing spent yesterday: today's allowance grows.
    expect(dailyAllowance({ limit: 100, spentBeforeToday: 40, daysLeft: 2 })).toBe(30);
    expect(dailyAllowance({ limit: 100, spentBeforeToday: 120, daysLeft: 2 })).toBe(0);
  });

  it('alert and downgrade apply once the day reached its allowance; block refuses what would not fit', () => {
    expect(pacingDecision({ action: 'block', allowance: 100, today: { used: 50, reserved: 20 }, amount: 30 })).toBe('admit');
    expect(pacingDecision({ action: 'block', allowance: 100, today: { used: 50, reserved: 20 }, amount: 31 })).toBe('block');
    expect(pacingDecision({ action: 'alert', allowance: 100, today: { used: 99, reserved: 0 }, amount: 50 })).toBe('admit');
    expect(pacingDecision({ action: 'alert', allowance: 100, today: { used: 100, reserved: 0 }, amount: 1 })).toBe('alert');
    expect(pacingDecision({ action: 'downgrade', allowance: 100, today: { used: 60, reserved: 40 }, amount: 1 })).toBe('downgrade');
  });

  it('plans a day counter only for paced budgets, unbounded unless pacing blocks', () => {
    const now = Date.parse('2027-03-10T12:00:00Z');
    expect(plan(budget(null), now).map((l) => l.kind)).toEqual(['budget_usd']);
    const dg = plan(budget({ action: 'downgrade', model: 'cheap' }), now);
    expect(dg.map((l) => l.kind)).toEqual(['budget_usd', 'budget_pace']);
    resolvePace(dg[1]!, 0);
    expect(dg[1]!.limit).toBe(Infinity);
    // 10 March in Berlin: 297 days left of 2027, today included.
    expect(dg[1]!.pace!.allowance).toBe(Math.floor(LIMIT / 297));
    expect(pacingDowngrade(dg, [{ used: 0, reserved: 0 }, { used: Math.floor(LIMIT / 297), reserved: 0 }])).toMatchObject({ model: 'cheap' });
    expect(pacingDowngrade(dg, [{ used: 0, reserved: 0 }, { used: 0, reserved: 0 }])).toBeNull();
  });
});

describe('pacing config', () => {
  it('accepts pace on periodic budgets, needs a model for downgrade (only), refuses lifetime budgets', () => {
    const ok = budgetConfigSchema.parse({ scope: 'team:a', limit_usd: 5000, period: 'year', pace: { action: 'downgrade', model: 'cheap' } });
    expect(budgetRecord(ok, 'config', 0).pace).toEqual({ action: 'downgrade', model: 'cheap' });
    expect(budgetRecord(budgetConfigSchema.parse({ scope: 'team:a', limit_usd: 5, pace: { action: 'block' } }), 'api', 0).pace).toEqual({ action: 'block', model: null });
    expect(budgetRecord(budgetConfigSchema.parse({ scope: 'team:a', limit_usd: 5 }), 'api', 0).pace).toBeNull();
    expect(budgetConfigSchema.safeParse({ scope: 'team:a', limit_usd: 5, pace: { action: 'downgrade' } }).success).toBe(false);
    expect(budgetConfigSchema.safeParse({ scope: 'team:a', limit_usd: 5, pace: { action: 'block', model: 'x' } }).success).toBe(false);
    expect(budgetConfigSchema.safeParse({ scope: 'team:a', limit_usd: 5, period: 'none', pace: { action: 'alert' } }).success).toBe(false);
    expect(budgetConfigSchema.safeParse({ scope: 'team:a', limit_usd: 5, pace: { action: 'slow' } }).success).toBe(false);
  });
});
