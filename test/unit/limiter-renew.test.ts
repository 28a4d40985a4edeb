/**
 * The limiter renews the leases of calls still in flight, and only theirs: a call that has settled
 * (or a gateway that stopped renewing) stops counting once its lease runs out.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Limiter } from '../../src/budgets/limiter.js';
import { planLimits, type PlannedLimit } from '../../src/policy/limits.js';
import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import type { RateLimitConfig } from '../../src/config/schema.js';
import type { Store } from '../../src/storage/types.js';

const T0 = Date.parse('2026-11-25T10:00:10Z');
const LEASE_MS = 3_000;
const ledger = { sumCalls: () => Promise.resolve({ costNanos: 0, tokens: 0 }) } as unknown as Store;
const concurrency: RateLimitConfig[] = [{ scope: 'key:*', concurrent: 100 }];

/** A key's concurrency counter (no seeding needed, so every acquire is synchronous). */
function plan(key: string, now: number): PlannedLimit[] {
  return planLimits({
    scopes: { org: 'o', team: 't', user: null, project: null, keyId: key, tags: [], run: null, unlimited: false },
    budgetsByScope: new Map(),
    rateLimitsByScope: new Map([['key:*', concurrency]]),
    defaultRateLimit: null,
    demand: { worstNanos: 0, worstTokens: 0 },
    timezone: 'UTC',
    now,
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('limiter lease renewal', () => {
  it('keeps the leases of calls in flight alive past the lease, and lets settled calls go', async () => {
    vi.useFakeTimers();
    let now = T0;
    const counters = new MemoryCounterStore();
    const limiter = new Limiter({ counters, store: ledger, log: pino({ level: 'silent' }), leaseMs: LEASE_MS, fail: null, now: () => now });
    limiter.start();
    // Many calls on one counter (past the lease set's scan size) and a few on another.
    const calls = Array.from({ length: 40 }, (_, i) => ({ id: `call_${i}`, limits: plan(i < 30 ? 'a' : 'b', now) }));
    for (const c of calls) expect(limiter.acquireNow(c.id, c.limits)?.ok).toBe(true);
    const keyA = calls[0]!.limits[0]!.key;
    const keyB = calls[39]!.limits[0]!.key;
    const reserved = async (): Promise<number[]> => (await counters.read([keyA, keyB], now)).map((s) => s.reserved);
    expect(await reserved()).toEqual([30, 10]);

    // Half the calls settle early; the rest stay in flight for three leases.
    for (const c of calls.filter((_, i) => i % 2 === 0)) limiter.commitNow(c.id, c.limits, () => 0);
    expect(await reserved()).toEqual([15, 5]);
    for (let t = 0; t < 3 * LEASE_MS; t += 250) {
      now += 250;
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(await reserved()).toEqual([15, 5]);

    // The rest settle: nothing is left reserved, and nothing is renewed any more.
    for (const c of calls.filter((_, i) => i % 2 === 1)) limiter.commitNow(c.id, c.limits, () => 0);
    expect(await reserved()).toEqual([0, 0]);

    // A call still in flight when renewal stops (the gateway closed) stops counting after its lease.
    expect(limiter.acquireNow('late', plan('a', now))?.ok).toBe(true);
    expect(await reserved()).toEqual([1, 0]);
    await limiter.close();
    now += LEASE_MS + 1;
    expect(await reserved()).toEqual([0, 0]);
  });
});
