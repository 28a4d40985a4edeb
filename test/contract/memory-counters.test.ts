import { describe, expect, it } from 'vitest';
import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import { describeCounterStore } from './counter-store.contract.js';

// One process, one store: every "client" is the same instance.
describeCounterStore('memory', async () => {
  const store = new MemoryCounterStore();
  return [store, store, store];
});

describe('memory counters: settleNow', () => {
  it('leaves a counter as commitNow does (lease dropped, actual added), in a window started by it too', () => {
    const a = new MemoryCounterStore();
    const b = new MemoryCounterStore();
    const now = 1_000_000;
    for (const s of [a, b]) {
      s.acquireNow({ callId: 'c1', items: [{ key: 'k', amount: 50, limit: 100, ttlSeconds: 60 }], leaseMs: 10_000, now });
      s.acquireNow({ callId: 'c2', items: [{ key: 'k', amount: 30, limit: 100, ttlSeconds: 60 }], leaseMs: 10_000, now });
    }
    a.commitNow('c1', { key: 'k', actual: 20, ttlSeconds: 60 }, now + 1);
    b.settleNow('c1', 'k', 20, 60, now + 1);
    a.commitNow('c3', { key: 'fresh', actual: 7, ttlSeconds: 60 }, now + 2);
    b.settleNow('c3', 'fresh', 7, 60, now + 2);
    for (const [key, at] of [['k', now + 3], ['fresh', now + 3], ['fresh', now + 70_000]] as const) expect(b.readNow(key, at)).toEqual(a.readNow(key, at));
    expect(b.readNow('k', now + 3)).toEqual({ used: 20, reserved: 30 });
  });
});

describe('memory counters: expired counters', () => {
  it('drops per-minute counters soon after they expire, so the store holds about as many as are live', () => {
    const s = new MemoryCounterStore();
    const MINUTE = 60_000;
    const t0 = 1_000_000_000;
    let most = 0;
    // One call a minute on a per-minute rate counter (TTL 120 s: two or three live at a time) and a day budget.
    for (let i = 0; i < 20_000; i++) {
      const now = t0 + i * MINUTE;
      const r = s.acquireNow({ callId: `c${i}`, items: [{ key: `rpm:${i}`, amount: 1, limit: 10, ttlSeconds: 120 }, { key: 'day', amount: 1, limit: 1e9, ttlSeconds: 86_400 * 30 }], leaseMs: 1_000, now });
      expect(r.ok).toBe(true);
      s.settleNow(`c${i}`, `rpm:${i}`, 1, 120, now + 1);
      s.settleNow(`c${i}`, 'day', 1, 86_400 * 30, now + 1);
      most = Math.max(most, s.size);
    }
    // Swept only every 65,536 creations, all 20,000 would still be held.
    expect(most).toBeLessThanOrEqual(1_100);
    expect(s.readNow('day', t0 + 20_000 * MINUTE)).toEqual({ used: 20_000, reserved: 0 });
  });
});

describe('memory counters: acquireInto', () => {
  it('answers as acquireNow does, its states written into the array given (refilled call after call, as long as the items)', () => {
    const a = new MemoryCounterStore();
    const b = new MemoryCounterStore();
    const into: { used: number; reserved: number }[] = [];
    const now = 1_000_000;
    const item = (key: string, amount: number) => ({ key, amount, limit: 100, ttlSeconds: 60 });
    const steps = [
      { callId: 'c1', items: [item('k', 50), item('j', 10)], leaseMs: 10_000, now },
      { callId: 'c2', items: [item('k', 60)], leaseMs: 10_000, now: now + 1 },
      { callId: 'c3', items: [item('j', 30), item('k', 40), item('i', 1)], leaseMs: 10_000, now: now + 2 },
      { callId: 'c4', items: [item('k', 1)], leaseMs: 10_000, now: now + 20_000 },
    ];
    for (const req of steps) {
      const got = b.acquireInto(req, into);
      expect(got).toEqual(a.acquireNow(req));
      expect(got.before).toBe(into);
      expect(into.length).toBe(req.items.length);
    }
    for (const key of ['k', 'j', 'i']) expect(b.readNow(key, now + 20_001)).toEqual(a.readNow(key, now + 20_001));
  });
});
