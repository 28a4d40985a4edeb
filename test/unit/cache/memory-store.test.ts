import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../../src/cache/memory-store.js';
import type { CachedResponse } from '../../../src/cache/types.js';

const T = Date.parse('2026-11-25T10:00:00Z');
const entry = (body: string): CachedResponse => ({
  api: 'openai',
  model: 'm',
  body,
  usage: { input: 1, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 1, reasoning: 0 },
  createdAt: T,
});

describe('MemoryCacheStore', () => {
  it('returns what was set until the TTL passes', async () => {
    const s = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1000 });
    await s.set('k', entry('a'), 1000, T);
    expect((await s.get('k', T + 999))?.body).toBe('a');
    expect(await s.get('k', T + 1000)).toBeNull();
    expect(s.size).toBe(0);
    expect(s.bytes).toBe(0);
    expect(await s.get('missing', T)).toBeNull();
  });

  it('evicts the least recently used entry past maxEntries', async () => {
    const s = new MemoryCacheStore({ maxEntries: 2, maxBytes: 1000 });
    await s.set('a', entry('a'), 60_000, T);
    await s.set('b', entry('b'), 60_000, T);
    await s.get('a', T); // a is now the most recent
    await s.set('c', entry('c'), 60_000, T);
    expect(await s.get('b', T)).toBeNull();
    expect((await s.get('a', T))?.body).toBe('a');
    expect((await s.get('c', T))?.body).toBe('c');
  });

  it('evicts by total body bytes (UTF-8) and refuses a body larger than the limit', async () => {
    const s = new MemoryCacheStore({ maxEntries: 100, maxBytes: 10 });
    await s.set('a', entry('aaaa'), 60_000, T);
    await s.set('b', entry('éé'), 60_000, T); // 4 bytes
    expect(s.bytes).toBe(8);
    await s.set('c', entry('ccc'), 60_000, T);
    expect(await s.get('a', T)).toBeNull();
    expect(s.bytes).toBe(7);
    await s.set('big', entry('x'.repeat(11)), 60_000, T);
    expect(await s.get('big', T)).toBeNull();
    expect(s.size).toBe(2);
  });

  it('replaces an entry in place, counting its bytes once', async () => {
    const s = new MemoryCacheStore({ maxEntries: 10, maxBytes: 100 });
    await s.set('k', entry('12345'), 60_000, T);
    await s.set('k', entry('12'), 60_000, T);
    expect(s.size).toBe(1);
    expect(s.bytes).toBe(2);
    await s.set('k', entry('zz'), 0, T);
    expect(s.size).toBe(0);
    await s.close();
  });

  it('keeps evicting in least recently used order through many hits, replacements and evictions', () => {
    const s = new MemoryCacheStore({ maxEntries: 50, maxBytes: 1000 });
    // The reference: keys from least to most recently used.
    let order: string[] = [];
    let x = 7;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
      const key = `k${x % 120}`;
      if (x % 3 === 0) {
        const hit = s.getNow(key, T) !== null;
        expect(hit).toBe(order.includes(key));
        if (hit) order = [...order.filter((k) => k !== key), key];
      } else {
        s.setNow(key, entry(''), 60_000, T);
        order = [...order.filter((k) => k !== key), key].slice(-50);
      }
      expect(s.size).toBe(order.length);
    }
    for (const k of order) expect(s.getNow(k, T)).not.toBeNull();
  });
});
