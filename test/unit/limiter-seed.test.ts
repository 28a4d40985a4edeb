/**
 * The limiter seeds a budget counter from the ledger once: for a run budget, from that team's calls of
 * the run only (a run is its team and id), so another team's spend under the same run id never counts.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/budgets/limiter.js';
import { budgetUsdLimit, planLimits } from '../../src/policy/limits.js';
import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import type { BudgetRecord, Store } from '../../src/storage/types.js';

const NANO = 1_000_000_000;
const NOW = Date.parse('2026-11-25T10:00:00Z');
const runBudget: BudgetRecord = { id: 'run:*/day', scope: 'run:*', period: 'day', limitNanos: 5 * NANO, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0 };

describe('limiter seeding of run budgets', () => {
  it("seeds a team's run counter from that team's calls of the run", async () => {
    const asked: Record<string, string | undefined>[] = [];
    // The ledger: alpha spent $4 on run r1 today, beta nothing.
    const ledger = {
      sumCalls: (q: { match: Record<string, string | undefined> }) => {
        asked.push(q.match);
        return Promise.resolve({ costNanos: q.match['run'] === 'r1' && q.match['team'] === 'alpha' ? 4 * NANO : 0, tokens: 0 });
      },
    } as unknown as Store;
    const limiter = new Limiter({ counters: new MemoryCounterStore(), store: ledger, log: pino({ level: 'silent' }), leaseMs: 60_000, fail: null, now: () => NOW });
    const plan = (team: string) =>
      planLimits({
        scopes: { org: 'o', team, user: null, project: null, keyId: `k-${team}`, tags: [], run: 'r1', unlimited: true },
        budgetsByScope: new Map([['run:*', [runBudget]]]),
        rateLimitsByScope: new Map(),
        defaultRateLimit: null,
        demand: { worstNanos: 2 * NANO, worstTokens: 0 },
        timezone: 'UTC',
        now: NOW,
      });
    // $2 more does not fit alpha's run ($4 of $5 spent); beta's run of the same id has all $5.
    expect((await limiter.acquire('c1', plan('alpha'))).ok).toBe(false);
    expect((await limiter.acquire('c2', plan('beta'))).ok).toBe(true);
    expect(asked).toEqual([
      { run: 'r1', team: 'alpha' },
      { run: 'r1', team: 'beta' },
    ]);
  });

  it('writes the rows it still holds to the ledger before summing it (a budget created now counts the calls just settled)', async () => {
    let ledgerNanos = 1 * NANO;
    let held = 2 * NANO; // settled calls whose rows are still in this instance's recorder
    const ledger = { sumCalls: () => Promise.resolve({ costNanos: ledgerNanos, tokens: 0 }) } as unknown as Store;
    const limiter = new Limiter({
      counters: new MemoryCounterStore(), store: ledger, log: pino({ level: 'silent' }), leaseMs: 60_000, fail: null, now: () => NOW,
      beforeSeed: () => {
        ledgerNanos += held;
        held = 0;
        return Promise.resolve();
      },
    });
    const team: BudgetRecord = { ...runBudget, id: 'team:research/month', scope: 'team:research', period: 'month' };
    expect((await limiter.readBudgets([budgetUsdLimit(team, 'UTC', NOW)]))[0]).toMatchObject({ used: 3 * NANO });
  });

  it('fills a budget counter from the ledger when it is read before any call (an admin view after a start)', async () => {
    let sums = 0;
    const ledger = {
      sumCalls: (q: { match: Record<string, string | undefined> }) => {
        sums++;
        return Promise.resolve({ costNanos: q.match['team'] === 'research' ? 3 * NANO : 0, tokens: 0 });
      },
    } as unknown as Store;
    const limiter = new Limiter({ counters: new MemoryCounterStore(), store: ledger, log: pino({ level: 'silent' }), leaseMs: 60_000, fail: null, now: () => NOW });
    const team: BudgetRecord = { ...runBudget, id: 'team:research/month', scope: 'team:research', period: 'month' };
    const limit = budgetUsdLimit(team, 'UTC', NOW);
    expect(limit.key).toBe(planLimits({
      scopes: { org: 'o', team: 'research', user: null, project: null, keyId: 'k', tags: [], run: null, unlimited: true },
      budgetsByScope: new Map([['team:research', [team]]]),
      rateLimitsByScope: new Map(),
      defaultRateLimit: null,
      demand: { worstNanos: 1, worstTokens: 0 },
      timezone: 'UTC',
      now: NOW,
    })[0]!.key);
    expect((await limiter.readKeys([limit.key]))[0]?.used ?? 0).toBe(0);
    expect((await limiter.readBudgets([limit]))[0]).toMatchObject({ used: 3 * NANO, reserved: 0 });
    // Once only: a second read does not add the ledger's spend again.
    expect((await limiter.readBudgets([limit]))[0]).toMatchObject({ used: 3 * NANO });
    expect(sums).toBe(1);
  });
});
