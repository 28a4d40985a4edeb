/**
 * A batch runs its operations on one copy of each counter it touches (storage/redis/scripts.ts): the
 * replies must be those of the operations run one after another. The in-process store is the
 * reference: the same sequence, with leases expiring, renewed, committed late and refused
 * reservations, sent to Redis in one tick (one batch) must answer exactly as it does.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { CounterStore } from '../../src/storage/counter-types.js';
import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import { RedisCounterStore } from '../../src/storage/redis/counter-store.js';

const url = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `tgtest-${randomUUID().slice(0, 8)}`;
const T = Date.parse('2026-11-25T10:00:00Z');

afterAll(async () => {
  const admin = new Redis(url);
  const keys = await admin.keys(`{${prefix}}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Op = (s: CounterStore) => Promise<unknown>;

/** Operations on 3 counters by 12 calls over 6 s of injected time (leases of 1 and 3 s). */
function sequence(seed: number, counters: string[]): Op[] {
  const r = random(seed);
  const pick = <X>(xs: X[]): X => xs[Math.floor(r() * xs.length)]!;
  const some = (): string[] => counters.filter(() => r() < 0.6);
  const ops: Op[] = [];
  let now = T;
  for (let i = 0; i < 220; i++) {
    now += Math.floor(r() * 60);
    const at = now;
    const call = `c${Math.floor(r() * 12)}`;
    let keys = some();
    if (keys.length === 0) keys = [pick(counters)];
    const kind = r();
    if (kind < 0.35) {
      const items = keys.map((key) => ({ key, limit: 200 + Math.floor(r() * 400), amount: 1 + Math.floor(r() * 60), ttlSeconds: 3600 }));
      const leaseMs = r() < 0.5 ? 1000 : 3000;
      ops.push((s) => s.acquire({ callId: call, items, leaseMs, now: at }));
    } else if (kind < 0.6) {
      const items = keys.map((key) => ({ key, actual: Math.floor(r() * 40), ttlSeconds: 3600 }));
      ops.push((s) => s.commit(call, items, at));
    } else if (kind < 0.7) {
      ops.push((s) => s.release(call, keys, at));
    } else if (kind < 0.8) {
      const leases = [{ callId: call, keys }, { callId: `c${Math.floor(r() * 12)}`, keys: counters }];
      const leaseMs = r() < 0.5 ? 1000 : 3000;
      ops.push((s) => s.renew(leases, leaseMs, at));
    } else if (kind < 0.95) {
      ops.push((s) => s.read(counters, at));
    } else {
      const key = pick(counters);
      const amount = Math.floor(r() * 30);
      ops.push((s) => s.add(key, amount, 3600, at));
    }
  }
  return ops;
}

describe('RedisCounterStore batches', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`answers a batch as the operations run one by one (seed ${seed})`, async () => {
      const counters = [0, 1, 2].map((i) => `seq:${seed}:${i}:${randomUUID()}`);
      const ops = sequence(seed, counters);
      const memory = new MemoryCounterStore();
      const expected: unknown[] = [];
      for (const op of ops) expected.push(await op(memory));
      const redis = await RedisCounterStore.connect({ url, prefix });
      try {
        // Three batches, each issued in one tick (so the later ones find leases the earlier ones wrote).
        const got: unknown[] = [];
        for (let from = 0; from < ops.length; from += 80) {
          const before = redis.roundTrips;
          got.push(...(await Promise.all(ops.slice(from, from + 80).map((op) => op(redis)))));
          expect(redis.roundTrips - before).toBe(1);
        }
        expect(got).toEqual(expected);
        // The sequence does what it is meant to: some reservations refused, some admitted.
        const acquires = expected.filter((e): e is { ok: boolean } => typeof e === 'object' && e !== null && 'ok' in e);
        expect(acquires.some((a) => a.ok) && acquires.some((a) => !a.ok)).toBe(true);
        expect(await redis.read(counters, T + 20_000)).toEqual(await memory.read(counters, T + 20_000));
      } finally {
        await redis.close();
      }
    });
  }
});
