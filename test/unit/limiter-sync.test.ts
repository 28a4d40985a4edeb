/**
 * With in-process counters the limiter answers acquire and commit synchronously (the reserve and
 * settle stages then complete in the call's turn), with the same answers as the promise-returning
 * path; until a budget counter is seeded, or with a shared store, it says so (null) instead.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/budgets/limiter.js';
import { planLimits, type PlannedLimit } from '../../src/policy/limits.js';
import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import type { BudgetRecord, Store } from '../../src/storage/types.js';

const NANO = 1_000_000_000;
const NOW = Date.parse('2026-11-25T10:00:00Z');
const teamBudget: BudgetRecord = { id: 'team:a/month', scope: 'team:a', period: 'month', limitNanos: 5 * NANO, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0 };
const ledger = { sumCalls: () => Promise.resolve({ costNanos: NANO, tokens: 0 }) } as unknown as Store;

function plan(worstNanos: number): PlannedLimit[] {
  return planLimits({
    scopes: { org: 'o', team: 'a', user: null, project: null, keyId: 'k', tags: [], run: null, unlimited: false },
    budgetsByScope: new Map([['team:a', [teamBudget]]]),
    rateLimitsByScope: new Map(),
    defaultRateLimit: null,
    demand: { worstNanos, worstTokens: 0 },
    timezone: 'UTC',
    now: NOW,
  });
}

const limiter = (counters: MemoryCounterStore, fail: 'closed' | null = null): Limiter =>
  new Limiter({ counters, store: ledger, log: pino({ level: 'silent' }), leaseMs: 60_000, fail, now: () => NOW });

describe('limiter on in-process counters', () => {
  it('acquires and commits synchronously once the counter is seeded', async () => {
    const counters = new MemoryCounterStore();
    const l = limiter(counters);
    // Not seeded yet: the caller must take the promise path (which seeds $1 from the ledger).
    expect(l.acquireNow('c0', plan(NANO))).toBeNull();
    expect((await l.acquire('c0', plan(NANO))).ok).toBe(true);
    const held = plan(2 * NANO);
    expect(l.acquireNow('c1', held)).toEqual({ ok: true, before: [{ used: NANO, reserved: NANO }] });
    // $1 used, $3 reserved: $2 more does not fit in $5.
    expect(l.acquireNow('c2', plan(2 * NANO))).toEqual({ ok: false, index: 0, before: [{ used: NANO, reserved: 3 * NANO }] });
    expect(l.commitNow('c1', held, () => NANO / 2)).toEqual([{ used: 1.5 * NANO, reserved: NANO }]);
    expect(await counters.read([held[0]!.key], NOW)).toEqual([{ used: 1.5 * NANO, reserved: NANO }]);
    expect(l.lastUtilisation([held[0]!.key])).toBe(50);
  });

  it('leaves a store with a fail policy to the promise path', () => {
    const l = limiter(new MemoryCounterStore(), 'closed');
    expect(l.acquireNow('c', plan(NANO))).toBeNull();
    expect(l.commitNow('c', plan(NANO), () => 0)).toBeNull();
  });
});
