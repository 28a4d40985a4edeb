import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheStore } from '../../../src/cache/redis-store.js';
import type { CachedResponse } from '../../../src/cache/types.js';

const url = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// A prefix per run, so concurrent or repeated runs never see each other's entries.
const prefix = `tgcache-${randomUUID().slice(0, 8)}`;
const T = Date.parse('2026-11-25T10:00:00Z');
const value: CachedResponse = {
  api: 'anthropic',
  model: 'claude-x',
  body: '{"id":"msg_1","content":[{"type":"text","text":"héllo"}]}',
  usage: { input: 10, cachedInput: 2, cacheWrite5m: 3, cacheWrite1h: 4, output: 5, reasoning: 6 },
  createdAt: T,
};

let admin: Redis;
let store: RedisCacheStore;
beforeAll(() => {
  admin = new Redis(url, { maxRetriesPerRequest: 1 });
  store = new RedisCacheStore({ url, prefix });
});
afterAll(async () => {
  const keys = await admin.keys(`{${prefix}}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await store.close();
  await admin.quit();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('RedisCacheStore', () => {
  it('round-trips a value under {prefix}:cache:<key> with a PX TTL', async () => {
    const key = `team:a:${randomUUID()}`;
    await store.set(key, value, 60_000, T);
    expect(await store.get(key, T)).toEqual(value);
    const pttl = await admin.pttl(`{${prefix}}:cache:${key}`);
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await store.get(`team:b:${randomUUID()}`, T)).toBeNull();
  });

  it('honours the TTL', async () => {
    const key = `ttl:${randomUUID()}`;
    await store.set(key, value, 50, T);
    expect(await store.get(key, T)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 120));
    expect(await store.get(key, T)).toBeNull();
  });

  it('reads a malformed value as a miss and ignores a non-positive TTL', async () => {
    const key = `bad:${randomUUID()}`;
    await admin.set(`{${prefix}}:cache:${key}`, '{"api":"openai"}', 'PX', 60_000);
    expect(await store.get(key, T)).toBeNull();
    await admin.set(`{${prefix}}:cache:${key}`, 'not json', 'PX', 60_000);
    expect(await store.get(key, T)).toBeNull();
    const none = `none:${randomUUID()}`;
    await store.set(none, value, 0, T);
    expect(await admin.exists(`{${prefix}}:cache:${none}`)).toBe(0);
  });

  it('rejects quickly when Redis is unreachable', async () => {
    const port = await closedPort();
    const down = new RedisCacheStore({ url: `redis://127.0.0.1:${port}`, prefix });
    try {
      for (const op of [() => down.get('k', T), () => down.set('k', value, 1000, T)]) {
        const t0 = Date.now();
        await expect(op()).rejects.toThrow();
        expect(Date.now() - t0).toBeLessThan(1500);
      }
    } finally {
      await down.close();
    }
  });

  it('refuses a prefix with braces', () => {
    expect(() => new RedisCacheStore({ url, prefix: 'a{b}' })).toThrow(RangeError);
  });
});
