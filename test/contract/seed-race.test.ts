/**
 * Two gateway instances share one counter store and meet a budget counter neither has seeded: the
 * team already spent $4 of its $5 this month (in the ledger). Whichever instance seeds first, no call
 * on either may reserve before the ledger's $4 is on the counter, and the $4 is counted once. With a
 * seed flag claimed apart from the amount, the second instance saw the flag, took the counter as
 * seeded and admitted $2 on an empty counter (a $6 month on a $5 budget).
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/budgets/limiter.js';
import { planLimits } from '../../src/policy/limits.js';
import type { CounterStore } from '../../src/storage/counter-types.js';
import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import { RedisCounterStore } from '../../src/storage/redis/counter-store.js';
import type { BudgetRecord, Store } from '../../src/storage/types.js';

const url = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NANO = 1_000_000_000;
const NOW = Date.parse('2026-11-25T10:00:00Z');
const budget: BudgetRecord = { id: 'team:research/month', scope: 'team:research', period: 'month', limitNanos: 5 * NANO, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0 };

/** The limits of one call of the team asking for up to `worst` nano-dollars ($2 unless said). */
const plan = (worst = 2 * NANO) =>
  planLimits({
    scopes: { org: 'o', team: 'research', user: null, project: null, keyId: 'k1', tags: [], run: null, unlimited: true },
    budgetsByScope: new Map([['team:research', [budget]]]),
    rateLimitsByScope: new Map(),
    defaultRateLimit: null,
    demand: { worstNanos: worst, worstTokens: 0 },
    timezone: 'UTC',
    now: NOW,
  });

/** A ledger whose sum answers when the test says so: $4 for the team. */
function slowLedger() {
  const waiting: (() => void)[] = [];
  let sums = 0;
  const store = {
    sumCalls: () => {
      sums++;
      return new Promise((resolve) => waiting.push(() => resolve({ costNanos: 4 * NANO, tokens: 0 })));
    },
  } as unknown as Store;
  return { store, answer: () => waiting.splice(0).forEach((f) => f()), sums: () => sums, pending: () => waiting.length };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

function suite(name: string, make: () => Promise<{ a: CounterStore; b: CounterStore; close: () => Promise<void> }>, fail: 'closed' | null) {
  describe(`budget seeding across two instances: ${name}`, () => {
    it('lets no instance reserve before the ledger spend is on the counter, and counts it once', async () => {
      const { a, b, close } = await make();
      try {
        const ledgerA = slowLedger();
        const ledgerB = slowLedger();
        const log = pino({ level: 'silent' });
        const one = new Limiter({ counters: a, store: ledgerA.store, log, leaseMs: 60_000, fail, now: () => NOW });
        const two = new Limiter({ counters: b, store: ledgerB.store, log, leaseMs: 60_000, fail, now: () => NOW });
        // Instance one starts seeding and waits on its ledger; instance two's call arrives meanwhile.
        const first = one.acquire('c1', plan());
        await tick();
        expect(ledgerA.pending()).toBe(1);
        let secondDone = false;
        const second = two.acquire('c2', plan()).finally(() => (secondDone = true));
        await tick();
        // Two's call waits for a seed: it has not been admitted on an empty counter.
        expect(secondDone).toBe(false);
        ledgerB.answer();
        expect((await second).ok).toBe(false);
        ledgerA.answer();
        expect((await first).ok).toBe(false);
        // $4 counted once, though both instances summed the ledger.
        const key = plan()[0]!.key;
        expect((await a.read([key], NOW))[0]).toEqual({ used: 4 * NANO, reserved: 0 });
        expect(ledgerA.sums() + ledgerB.sums()).toBe(2);
        // A third instance starting later reads the flag and never sums the ledger.
        const ledgerC = slowLedger();
        const three = new Limiter({ counters: b, store: ledgerC.store, log, leaseMs: 60_000, fail, now: () => NOW });
        expect((await three.acquire('c3', plan(NANO / 2))).ok).toBe(true);
        expect(ledgerC.sums()).toBe(0);
        // A counter with nothing spent yet is marked seeded too (a restart does not sum it again).
        const other: BudgetRecord = { ...budget, id: 'team:ops/month', scope: 'team:ops' };
        const quiet = new Limiter({ counters: a, store: { sumCalls: () => Promise.resolve({ costNanos: 0, tokens: 0 }) } as unknown as Store, log, leaseMs: 60_000, fail, now: () => NOW });
        const opsPlan = planLimits({ scopes: { org: 'o', team: 'ops', user: null, project: null, keyId: 'k2', tags: [], run: null, unlimited: true }, budgetsByScope: new Map([['team:ops', [other]]]), rateLimitsByScope: new Map(), defaultRateLimit: null, demand: { worstNanos: NANO, worstTokens: 0 }, timezone: 'UTC', now: NOW });
        expect((await quiet.acquire('c4', opsPlan)).ok).toBe(true);
        expect(await b.seeded(opsPlan[0]!.key, NOW)).toBe(true);
      } finally {
        await close();
      }
    });
  });
}

suite('in-process counters', async () => {
  const shared = new MemoryCounterStore();
  return { a: shared, b: shared, close: () => Promise.resolve() };
}, null);

suite('Redis', async () => {
  const prefix = `seed-race-${randomUUID()}`;
  const a = await RedisCounterStore.connect({ url, prefix });
  const b = await RedisCounterStore.connect({ url, prefix });
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
}, 'closed');
