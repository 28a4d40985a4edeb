/**
 * Paced budgets on both counter stores, through the Limiter as the gateway uses it: the day counter
 * is reserved and settled in the same atomic operation as the period counter; a paced budget reads
 * the counter store once a day for its allowance, and an unpaced budget costs no extra round trip.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/budgets/limiter.js';
import { planLimits, type PlannedLimit } from '../../src/policy/limits.js';
import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import { RedisCounterStore } from '../../src/storage/redis/counter-store.js';
import type { BudgetRecord, Store } from '../../src/storage/types.js';

const url = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NANO = 1_000_000_000;

function budget(scope: string, pace: BudgetRecord['pace']): BudgetRecord {
  return { id: `${scope}/month`, scope, period: 'month', limitNanos: 30 * NANO, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0, pace };
}

const emptyLedger = { sumCalls: () => Promise.resolve({ costNanos: 0, tokens: 0 }) } as unknown as Store;

function plan(b: BudgetRecord, now: number, worst: number): PlannedLimit[] {
  return planLimits({
    scopes: { org: 'o', team: b.scope.slice(5), user: null, project: null, keyId: 'k', tags: [], run: null, unlimited: true },
    budgetsByScope: new Map([[b.scope, [b]]]),
    rateLimitsByScope: new Map(),
    defaultRateLimit: null,
    demand: { worstNanos: worst, worstTokens: 0 },
    timezone: 'UTC',
    now,
  });
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`paced budgets on ${kind} counters`, () => {
    it('blocks at the allowance atomically, carries the unspent part over, and reads once a day', async () => {
      const counters = kind === 'memory' ? new MemoryCounterStore() : await RedisCounterStore.connect({ url, prefix: `tgpace-${randomUUID().slice(0, 8)}` });
      let clock = Date.parse('2026-11-21T08:00:00Z');
      const limiter = new Limiter({ counters, store: emptyLedger, log: pino({ level: 'silent' }), leaseMs: 60_000, fail: kind === 'redis' ? 'closed' : null, now: () => clock });
      const paced = budget('team:paced', { action: 'block', model: null });
      const trips = (): number => (counters instanceof RedisCounterStore ? counters.roundTrips : 0);
      let id = 0;
      const call = async (b: BudgetRecord, cost: number): Promise<boolean> => {
        const limits = plan(b, clock, cost);
        const callId = `c${++id}`;
        const res = await limiter.acquire(callId, limits);
        if (res.ok) await limiter.commit(callId, limits, () => cost);
        return res.ok;
      };
      const M = 10_000_000; // $0.01
      // 10 days left (21st-30th): $3 a day. Two $1.40 calls fit, the third does not.
      expect([await call(paced, 140 * M), await call(paced, 140 * M), await call(paced, 140 * M)]).toEqual([true, true, false]);
      // Concurrent calls cannot pass the allowance either: of five $0.15 calls, one fits in the $0.20 left.
      const many = await Promise.all(Array.from({ length: 5 }, () => call(paced, 15 * M)));
      expect(many.filter(Boolean)).toHaveLength(1);
      // After the first call of the day, a paced call is one acquire and one commit.
      let before = trips();
      expect(await call(paced, M)).toBe(true);
      if (kind === 'redis') expect(trips() - before).toBe(2);

      // Next day: ($30 - $2.96) / 9 days = $3.0044: what the 21st left unspent carries over.
      clock += 86_400_000;
      expect(await call(paced, 310 * M)).toBe(false);
      expect(await call(paced, 300 * M)).toBe(true);
      clock += 86_400_000;
      const allowance = Math.floor((3000 * M - 596 * M) / 8);
      expect(await call(paced, allowance + 1)).toBe(false);
      expect(await call(paced, allowance)).toBe(true);

      // An unpaced budget: one acquire and one commit, no read.
      const plain = budget('team:plain', null);
      await call(plain, 1);
      before = trips();
      expect(await call(plain, NANO)).toBe(true);
      if (kind === 'redis') expect(trips() - before).toBe(2);
      // Alert and downgrade pacing only measure the day: its counter has no limit (Redis gets "inf").
      const alerting = budget('team:alerting', { action: 'alert', model: null });
      expect(await call(alerting, 2000 * M)).toBe(true);
      expect(await call(alerting, 900 * M)).toBe(true);
      const limits = plan(alerting, clock, 1);
      const [period, today] = await limiter.readKeys([limits[0]!.key, limits[1]!.key]);
      expect([period!.used, today!.used]).toEqual([2900 * M, 2900 * M]);
      await limiter.close();
    });
  });
}
