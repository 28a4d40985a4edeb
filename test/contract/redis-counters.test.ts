import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterStoreUnavailable, RedisCounterStore } from '../../src/storage/redis/counter-store.js';
import { describeCounterStore } from './counter-store.contract.js';

const url = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// A prefix per run, so concurrent or repeated runs never see each other's counters.
const prefix = `tgtest-${randomUUID().slice(0, 8)}`;
const T = Date.parse('2026-11-25T10:00:00Z');

let admin: Redis;
beforeAll(() => {
  admin = new Redis(url, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const keys = await tagged();
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

async function tagged(): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

// Three connections on one Redis, as three gateway instances would have.
describeCounterStore('redis', () => Promise.all([1, 2, 3].map(() => RedisCounterStore.connect({ url, prefix }))));

describe('RedisCounterStore', () => {
  const item = (key: string, limit: number, amount: number, ttlSeconds = 3600) => ({ key, limit, amount, ttlSeconds });

  it('spends exactly one round trip per operation, two at most after a SCRIPT FLUSH', async () => {
    const s = await RedisCounterStore.connect({ url, prefix });
    const a = `rt:${randomUUID()}`;
    const ops: [string, () => Promise<unknown>][] = [
      ['acquire', () => s.acquire({ callId: 'c', items: [item(a, 100, 5), item(`${a}:2`, 100, 5)], leaseMs: 1000, now: T })],
      ['renew', () => s.renew([{ callId: 'c', keys: [a, `${a}:2`] }], 1000, T)],
      ['read', () => s.read([a, `${a}:2`], T)],
      ['commit', () => s.commit('c', [{ key: a, actual: 3, ttlSeconds: 3600 }], T)],
      ['release', () => s.release('c', [`${a}:2`], T)],
      ['add', () => s.add(a, 1, 3600, T)],
      ['claim', () => s.claim(a, 60, T)],
    ];
    try {
      for (const pass of [1, 2]) {
        for (const [name, op] of ops) {
          const before = s.roundTrips;
          await op();
          expect({ pass, name, trips: s.roundTrips - before }).toEqual({ pass, name, trips: 1 });
        }
      }
      // The scripts vanish from the server: EVALSHA fails once, then the EVAL fallback succeeds.
      await admin.script('FLUSH');
      const before = s.roundTrips;
      // Two passes of commit 3 and add 1.
      expect(await s.read([a], T)).toEqual([{ used: 8, reserved: 0 }]);
      expect(s.roundTrips - before).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('sends the operations of concurrent calls together, each with its own reply', async () => {
    const s = await RedisCounterStore.connect({ url, prefix });
    try {
      const a = `batch:${randomUUID()}`;
      const before = s.roundTrips;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => s.acquire({ callId: `c${i}`, items: [item(a, 100, 7), item(`${a}:2`, 1000, 1)], leaseMs: 60_000, now: T })),
      );
      // Issued in one tick: one script call for all 50.
      expect(s.roundTrips - before).toBe(1);
      expect(results.filter((r) => r.ok)).toHaveLength(14);
      // In order: the 15th saw 14 reservations of 7 on the first counter, and refused there.
      expect(results[14]).toEqual({ ok: false, index: 0, before: [{ used: 0, reserved: 98 }, { used: 0, reserved: 14 }] });
      // While a batch is on its way, what is issued meanwhile leaves as the next one.
      const first = s.read([a], T);
      await new Promise((resolve) => setImmediate(resolve));
      const rest = await Promise.all([s.read([a], T), s.commit('c0', [{ key: a, actual: 5, ttlSeconds: 3600 }], T), s.read([a], T)]);
      expect(await first).toEqual([{ used: 0, reserved: 98 }]);
      expect(rest).toEqual([[{ used: 0, reserved: 98 }], [{ used: 5, reserved: 91 }], [{ used: 5, reserved: 91 }]]);
    } finally {
      await s.close();
    }
  });

  it('fails one operation of a batch alone', async () => {
    const s = await RedisCounterStore.connect({ url, prefix });
    try {
      const good = `good:${randomUUID()}`;
      const bad = `bad:${randomUUID()}`;
      await admin.set(`{${prefix}}:c:${bad}`, 'not a hash', 'PX', 60_000);
      const [ok, failed] = await Promise.allSettled([
        s.acquire({ callId: 'x', items: [item(good, 100, 5)], leaseMs: 1000, now: T }),
        s.acquire({ callId: 'y', items: [item(bad, 100, 5)], leaseMs: 1000, now: T }),
      ]);
      expect(ok).toEqual({ status: 'fulfilled', value: { ok: true, before: [{ used: 0, reserved: 0 }] } });
      expect(failed.status).toBe('rejected');
      // A wrong type is a bug to surface, not an outage to fail open on.
      expect((failed as PromiseRejectedResult).reason).not.toBeInstanceOf(CounterStoreUnavailable);
      expect(String((failed as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    } finally {
      await s.close();
    }
  });

  it('heals a sum left without its leases (a counter written by the earlier key layout)', async () => {
    const s = await RedisCounterStore.connect({ url, prefix });
    try {
      const a = `legacy:${randomUUID()}`;
      // The earlier layout kept the leases in other keys; here only the counter hash survives.
      await admin.hset(`{${prefix}}:c:${a}`, 'used', '40', 'reserved', '25');
      await admin.pexpire(`{${prefix}}:c:${a}`, 3_600_000);
      expect(await s.read([a], T)).toEqual([{ used: 40, reserved: 0 }]);
      expect(await s.acquire({ callId: 'n', items: [item(a, 100, 60)], leaseMs: 1000, now: T })).toEqual({ ok: true, before: [{ used: 40, reserved: 0 }] });
      // Its TTL was longer than asked: kept.
      await s.add(a, 1, 60, T);
      expect(await admin.pttl(`{${prefix}}:c:${a}`)).toBeGreaterThan(3_500_000);
    } finally {
      await s.close();
    }
  });

  it('puts every key under one hash tag, with TTLs that are never shortened', async () => {
    const s = await RedisCounterStore.connect({ url, prefix });
    try {
      const a = `ttl:${randomUUID()}`;
      await s.acquire({ callId: 'c', items: [item(a, 100, 5)], leaseMs: 60_000, now: T });
      await s.add(a, 1, 60, T);
      await s.claim(`flag:${a}`, 60, T);
      const keys = await tagged();
      for (const k of keys) expect(k.startsWith(`{${prefix}}:`)).toBe(true);
      const mine = keys.filter((k) => k.includes(a));
      // One hash per counter (its leases inside) and the flag.
      expect(mine.sort()).toEqual([`{${prefix}}:c:${a}`, `{${prefix}}:f:flag:${a}`]);
      for (const k of mine.filter((x) => !x.includes(':f:'))) {
        // add() asked for 60 s, but the counter must outlive the leases written with 3600 s.
        expect(await admin.pttl(k)).toBeGreaterThan(3_590_000);
      }
      const flagTtl = await admin.pttl(`{${prefix}}:f:flag:${a}`);
      expect(flagTtl).toBeGreaterThan(50_000);
      expect(flagTtl).toBeLessThanOrEqual(60_000);
      // A key first written with a short ttl gets it, and a longer one later.
      await s.add(`${a}:short`, 1, 60, T);
      expect(await admin.pttl(`{${prefix}}:c:${a}:short`)).toBeLessThanOrEqual(60_000);
      await s.commit('none', [{ key: `${a}:short`, actual: 1, ttlSeconds: 120 }], T + 1000);
      expect(await admin.pttl(`{${prefix}}:c:${a}:short`)).toBeGreaterThan(110_000);
      // A counter that expired while a call was in flight is written again with its TTL.
      await admin.del(`{${prefix}}:c:${a}:short`);
      await s.commit('late', [{ key: `${a}:short`, actual: 3, ttlSeconds: 60 }], T + 2000);
      expect(await s.read([`${a}:short`], T + 2000)).toEqual([{ used: 3, reserved: 0 }]);
      expect(await admin.pttl(`{${prefix}}:c:${a}:short`)).toBeGreaterThan(50_000);
    } finally {
      await s.close();
    }
  });

  it('keeps nano-dollar amounts near 2^53 exact', async () => {
    const s = await RedisCounterStore.connect({ url, prefix });
    try {
      const a = `big:${randomUUID()}`;
      const limit = 9_000_000_000_000_001;
      await s.add(a, 8_999_999_999_999_999, 3600, T);
      expect(await s.acquire({ callId: 'x', items: [item(a, limit, 1)], leaseMs: 1000, now: T })).toEqual({
        ok: true,
        before: [{ used: 8_999_999_999_999_999, reserved: 0 }],
      });
      expect((await s.acquire({ callId: 'y', items: [item(a, limit, 2)], leaseMs: 1000, now: T })).ok).toBe(false);
      expect(await s.commit('x', [{ key: a, actual: 2, ttlSeconds: 3600 }], T)).toEqual([{ used: 9_000_000_000_000_001, reserved: 0 }]);
      expect((await s.acquire({ callId: 'z', items: [item(a, Number.POSITIVE_INFINITY, 7)], leaseMs: 1000, now: T })).ok).toBe(true);
      await expect(s.add(a, 0.5, 3600, T)).rejects.toThrow(RangeError);
      // Operations travel as space-separated words: a call id with whitespace is refused, not split.
      await expect(s.acquire({ callId: 'two words', items: [item(a, limit, 1)], leaseMs: 1000, now: T })).rejects.toThrow(RangeError);
    } finally {
      await s.close();
    }
  });

  describe('when Redis cannot be reached', () => {
    let closedPort: number;
    let silent: Server;
    let silentPort: number;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      closedPort = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => resolve(port));
        });
      });
      // Accepts connections and never answers: a hung Redis.
      silent = createServer((socket) => sockets.push(socket));
      silentPort = await new Promise<number>((resolve) => {
        silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port));
      });
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    async function rejectsQuickly(op: () => Promise<unknown>): Promise<void> {
      const start = Date.now();
      await expect(op()).rejects.toBeInstanceOf(CounterStoreUnavailable);
      expect(Date.now() - start).toBeLessThan(2000);
    }

    it('connect() rejects promptly on a closed port and on a silent server', async () => {
      await rejectsQuickly(() => RedisCounterStore.connect({ url: `redis://127.0.0.1:${closedPort}`, prefix }));
      await rejectsQuickly(() => RedisCounterStore.connect({ url: `redis://127.0.0.1:${silentPort}`, prefix }));
    });

    it('operations queued behind a batch that timed out fail with it', async () => {
      const s = new RedisCounterStore({ url: `redis://127.0.0.1:${silentPort}`, prefix });
      try {
        const start = Date.now();
        const first = s.read(['a'], T);
        await new Promise((resolve) => setImmediate(resolve));
        const queued = s.acquire({ callId: 'c', items: [item('a', 1, 1)], leaseMs: 1000, now: T });
        await expect(first).rejects.toBeInstanceOf(CounterStoreUnavailable);
        await expect(queued).rejects.toBeInstanceOf(CounterStoreUnavailable);
        // One command timeout, not one per operation in line.
        expect(Date.now() - start).toBeLessThan(1600);
      } finally {
        await s.close();
      }
    });

    it('operations reject promptly, before and after the first connection attempt', async () => {
      const s = new RedisCounterStore({ url: `redis://127.0.0.1:${closedPort}`, prefix });
      try {
        await rejectsQuickly(() => s.read(['a'], T));
        await rejectsQuickly(() => s.acquire({ callId: 'c', items: [item('a', 1, 1)], leaseMs: 1000, now: T }));
        await rejectsQuickly(() => s.claim('a', 60, T));
        expect(s.isAvailable()).toBe(false);
      } finally {
        await s.close();
      }
    });
  });

  it('leaves an injected client open on close', async () => {
    const client = new Redis(url);
    const s = new RedisCounterStore({ client, prefix });
    await s.add(`inj:${randomUUID()}`, 1, 60, T);
    expect(s.roundTrips).toBeGreaterThanOrEqual(1);
    await s.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});
