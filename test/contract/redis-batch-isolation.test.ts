/**
 * One operation's bad input or one damaged counter must fail only the operations it concerns, never
 * the other calls' operations sharing its batch (which would then be refused, or, for a commit whose
 * writes were already applied, owed and counted twice).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCounterStore } from '../../src/storage/redis/counter-store.js';
import { batchLua } from '../../src/storage/redis/scripts.js';

const url = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `tgtest-${randomUUID().slice(0, 8)}`;
const T = Date.parse('2026-11-25T10:00:00Z');
const outcome = (p: Promise<unknown>): Promise<'ok' | 'error'> => p.then(() => 'ok' as const, () => 'error' as const);

afterAll(async () => {
  const admin = new Redis(url);
  const keys = await admin.keys(`{${prefix}}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

describe('RedisCounterStore batch isolation', () => {
  for (const ttlSeconds of [Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`an operation with ttlSeconds ${ttlSeconds} fails alone`, async () => {
      const s = await RedisCounterStore.connect({ url, prefix });
      const id = randomUUID();
      try {
        const got = await Promise.all([
          outcome(s.acquire({ callId: 'a', items: [{ key: `a:${id}`, limit: 100, amount: 10, ttlSeconds: 3600 }], leaseMs: 60_000, now: T })),
          outcome(s.commit('b', [{ key: `b:${id}`, actual: 5, ttlSeconds: 3600 }], T)),
          outcome(s.commit('c', [{ key: `c:${id}`, actual: 7, ttlSeconds }], T)),
        ]);
        expect(got).toEqual(['ok', 'ok', 'error']);
        expect(await s.read([`a:${id}`, `b:${id}`], T)).toEqual([{ used: 0, reserved: 10 }, { used: 5, reserved: 0 }]);
      } finally {
        await s.close();
      }
    });
  }

  it('a counter holding a non-numeric field fails only the operations on it', async () => {
    const s = await RedisCounterStore.connect({ url, prefix });
    const admin = new Redis(url);
    const id = randomUUID();
    try {
      await admin.hset(`{${prefix}}:c:bad:${id}`, 'used', 'abc');
      const got = await Promise.all([
        outcome(s.acquire({ callId: 'a', items: [{ key: `good:${id}`, limit: 100, amount: 10, ttlSeconds: 3600 }], leaseMs: 60_000, now: T })),
        outcome(s.commit('z', [{ key: `bad:${id}`, actual: 5, ttlSeconds: 3600 }], T)),
      ]);
      expect(got).toEqual(['ok', 'error']);
    } finally {
      await admin.quit();
      await s.close();
    }
  });
});

describe('the counter batch script', () => {
  it('refuses a batch whose keys or arguments do not line up with its operations, before writing anything', async () => {
    const admin = new Redis(url);
    const key = `{${prefix}}:c:layout:${randomUUID()}`;
    try {
      // A read takes 1 argument: a second read missing its argument, then one key too many.
      for (const [keys, args] of [
        [[key], ['read', '1', String(T), 'read', '0']],
        [[key, `${key}:2`], ['read', '1', String(T)]],
      ] as const) {
        await expect(admin.eval(batchLua, keys.length, ...keys, ...args)).rejects.toThrow(/layout mismatch/);
      }
      // A well-formed batch of the same operation answers.
      await expect(admin.eval(batchLua, 1, key, 'read', '1', String(T))).resolves.toBeDefined();
      expect(await admin.exists(key)).toBe(0);
    } finally {
      await admin.quit();
    }
  });
});
