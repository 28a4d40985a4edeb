/**
 * Fail open: when the shared counter store goes down mid-period, the instance's local counters start
 * from the ledger's spend, as the shared ones did, not from zero; and each outage starts afresh.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/budgets/limiter.js';
import { planLimits, type PlannedLimit } from '../../src/policy/limits.js';
import type { CounterStore } from '../../src/storage/counter-types.js';
import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import type { BudgetRecord, Store } from '../../src/storage/types.js';

const NANO = 1_000_000_000;
const NOW = Date.parse('2026-11-25T10:00:00Z');
const budget: BudgetRecord = { id: 'team:research/day', scope: 'team:research', period: 'day', limitNanos: 5 * NANO, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0 };

/** Operations that only read: a Redis out of memory or read-only still answers them. */
const READS = new Set(['read', 'seeded']);

/**
 * A shared store that can be taken down: every operation then fails, as an unreachable Redis does; or
 * only its writes fail (`'writes'`: out of memory, a read-only replica). `wipe()` empties it, as a Redis
 * restarted without persistence comes back.
 */
function flaky(): { store: CounterStore; down: (d: boolean | 'writes') => void; wipe: () => void } {
  let inner = new MemoryCounterStore();
  let isDown: boolean | 'writes' = false;
  const store = new Proxy({} as CounterStore, {
    get(_target, prop) {
      const v = Reflect.get(inner, prop, inner) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) =>
        isDown === true || (isDown === 'writes' && !READS.has(String(prop)))
          ? Promise.reject(new Error('counter store unreachable'))
          : (v as (...a: unknown[]) => unknown).apply(inner, args);
    },
  });
  return { store, down: (d) => (isDown = d), wipe: () => (inner = new MemoryCounterStore()) };
}

const plan = (worstUsd: number): PlannedLimit[] =>
  planLimits({
    scopes: { org: 'o', team: 'research', user: null, project: null, keyId: 'k', tags: [], run: null, unlimited: true },
    budgetsByScope: new Map([['team:research', [budget]]]),
    rateLimitsByScope: new Map(),
    defaultRateLimit: null,
    demand: { worstNanos: worstUsd * NANO, worstTokens: 0 },
    timezone: 'UTC',
    now: NOW,
  });

/**
 * A limiter failing open on a flaky shared store, over a ledger that starts at `usd` spent today.
 * `settle` commits a call and records it in the ledger; a ticking clock moves 1 ms at every reading.
 */
function failingOpen(usd: number, clock: 'fixed' | 'ticking' = 'fixed') {
  let ledgerNanos = usd * NANO;
  const ledger = { sumCalls: () => Promise.resolve({ costNanos: ledgerNanos, tokens: 0 }) } as unknown as Store;
  const shared = flaky();
  let now = NOW;
  const limiter = new Limiter({ counters: shared.store, store: ledger, log: pino({ level: 'silent' }), leaseMs: 60_000, fail: 'open', now: clock === 'ticking' ? () => (now += 1) : () => NOW });
  const settle = async (id: string, spent: number): Promise<void> => {
    await limiter.commit(id, plan(spent), () => spent * NANO);
    ledgerNanos += spent * NANO;
  };
  return { shared, limiter, settle, now: () => now };
}

describe('limiter failing open', () => {
  it('seeds local counters from the ledger when the shared store goes down mid-period, and afresh for each outage', async () => {
    // The ledger holds what the team spent today: $4 before the test's calls, then what they settle.
    const { shared, limiter, settle } = failingOpen(4);

    // Shared store up: seeded with $4; $0.50 fits and is spent.
    expect((await limiter.acquire('c1', plan(0.5))).ok).toBe(true);
    await settle('c1', 0.5);

    // Down: the local counter starts at the ledger's $4.50, so $1 more does not fit (from zero it would have).
    shared.down(true);
    expect((await limiter.acquire('c2', plan(1))).ok).toBe(false);
    expect((await limiter.acquire('c3', plan(0.25))).ok).toBe(true);
    await settle('c3', 0.25);
    expect((await limiter.acquire('c4', plan(0.5))).ok).toBe(false);

    // Back: the shared store kept its $4.50 (the $0.25 settled locally is owed to it, added by the
    // limiter's timer, which this test does not start).
    shared.down(false);
    expect((await limiter.acquire('c5', plan(0.1))).ok).toBe(true);
    await settle('c5', 0.1);
    expect((await limiter.readKeys([plan(0)[0]!.key]))[0]).toMatchObject({ used: 4.6 * NANO, reserved: 0 });

    // A second outage starts from the ledger again ($4.85), not from the first outage's local counters.
    shared.down(true);
    expect((await limiter.acquire('c6', plan(0.2))).ok).toBe(false);
    expect((await limiter.acquire('c7', plan(0.1))).ok).toBe(true);
    await limiter.close().catch(() => undefined);
  });

  it('adds an outage back to a shared store that kept its counters', async () => {
    const { shared, limiter, settle, now } = failingOpen(1, 'ticking');
    expect((await limiter.acquire('c1', plan(0.5))).ok).toBe(true);
    await settle('c1', 0.5);
    shared.down(true);
    expect((await limiter.acquire('c2', plan(2))).ok).toBe(true);
    await settle('c2', 2);
    shared.down(false);
    await limiter.close();
    expect((await shared.store.read([plan(0)[0]!.key], now()))[0]).toMatchObject({ used: 3.5 * NANO, reserved: 0 });
  });

  it("keeps the reservations of the instance's calls in flight when it fails over to local counters", async () => {
    const { shared, limiter } = failingOpen(3);
    // $3 spent of $5; a $1 call is admitted on the shared store and still runs when it goes down.
    expect((await limiter.acquire('long', plan(1))).ok).toBe(true);
    shared.down(true);
    // Locally: $3 spent + $1 held: $1.50 more does not fit, $0.90 does.
    expect((await limiter.acquire('c2', plan(1.5))).ok).toBe(false);
    expect((await limiter.acquire('c3', plan(0.9))).ok).toBe(true);
    // The long call settles locally at $0.60: its hold becomes its cost.
    await limiter.commit('long', plan(1), () => 0.6 * NANO);
    expect((await limiter.acquire('c4', plan(0.45))).ok).toBe(true);
    await limiter.close().catch(() => undefined);
  });

  it('enforces budgets from the ledger when the shared store answers reads but refuses writes', async () => {
    const { shared, limiter, settle } = failingOpen(4);
    expect((await limiter.acquire('c1', plan(0.5))).ok).toBe(true);
    await settle('c1', 0.5);
    // Reads still answer (its seed flag is there), writes fail: the local counters must still start at
    // the ledger's $4.50 and keep what the outage spends. $0.40 calls: one fits, the second does not.
    shared.down('writes');
    const admitted: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const ok = (await limiter.acquire(`w${i}`, plan(0.4))).ok;
      admitted.push(ok);
      if (ok) await settle(`w${i}`, 0.4);
    }
    expect(admitted).toEqual([true, false, false, false]);
    await limiter.close().catch(() => undefined);
  });

  it('does not count an outage twice on a shared store that came back empty', async () => {
    const { shared, limiter, settle, now } = failingOpen(1, 'ticking');
    expect((await limiter.acquire('c1', plan(0.5))).ok).toBe(true);
    await settle('c1', 0.5);
    // Down; $2 spent on local counters (owed to the shared store); the store restarts empty.
    shared.down(true);
    expect((await limiter.acquire('c2', plan(2))).ok).toBe(true);
    await settle('c2', 2);
    shared.wipe();
    shared.down(false);
    // Back: the call that finds it back seeds the counter from the ledger ($3.50, the outage's $2
    // included); the owed $2, added by close()'s reconcile, must not land on top of it.
    expect((await limiter.acquire('c3', plan(0.1))).ok).toBe(true);
    expect((await shared.store.read([plan(0)[0]!.key], now()))[0]).toMatchObject({ used: 3.5 * NANO, reserved: 0.1 * NANO });
    await limiter.commit('c3', plan(0.1), () => 0.1 * NANO);
    await limiter.close();
    expect((await shared.store.read([plan(0)[0]!.key], now()))[0]).toMatchObject({ used: 3.6 * NANO, reserved: 0 });
  });

  it('spend added late (a budget created while a call was in flight) is owed through an outage, and added once', async () => {
    const { shared, limiter, settle, now } = failingOpen(1, 'ticking');
    expect((await limiter.acquire('c1', plan(0.5))).ok).toBe(true);
    await settle('c1', 0.5);
    // A call that held nothing on the budget settles $2 while the shared store is down.
    shared.down(true);
    await limiter.addLate(plan(0), () => 2 * NANO);
    shared.down(false);
    await limiter.close();
    expect((await shared.store.read([plan(0)[0]!.key], now()))[0]).toMatchObject({ used: 3.5 * NANO, reserved: 0 });
  });

  it('adds late spend only to a counter already filled from the ledger', async () => {
    const { shared, limiter, now } = failingOpen(1, 'ticking');
    // Not filled yet: its seed will read the call's row, so nothing is added now.
    await limiter.addLate(plan(0), () => 2 * NANO);
    expect((await shared.store.read([plan(0)[0]!.key], now()))[0]).toMatchObject({ used: 0 });
    expect((await limiter.acquire('c1', plan(0.5))).ok).toBe(true);
    await limiter.addLate(plan(0), () => 2 * NANO);
    expect((await shared.store.read([plan(0)[0]!.key], now()))[0]).toMatchObject({ used: 3 * NANO, reserved: 0.5 * NANO });
    await limiter.close();
  });
});
