/**
 * In-process counters: the embedded default for a single instance. Operations are synchronous
 * inside, so all-or-nothing reservation across counters is trivially atomic.
 */
import type { AcquireRequest, AcquireResult, CommitItem, CounterState, CounterStore } from '../counter-types.js';

interface Lease {
  amount: number;
  expiresAt: number;
}

interface Counter {
  used: number;
  leases: Map<string, Lease>;
  expiresAt: number;
}

export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, Counter>();
  private readonly flags = new Map<string, number>();

  private counter(key: string, now: number, ttlSeconds: number): Counter {
    let c = this.counters.get(key);
    if (!c || c.expiresAt <= now) {
      c = { used: 0, leases: new Map(), expiresAt: now + ttlSeconds * 1000 };
      this.counters.set(key, c);
    } else c.expiresAt = Math.max(c.expiresAt, now + ttlSeconds * 1000);
    return c;
  }

  private state(c: Counter | undefined, now: number): CounterState {
    if (!c) return { used: 0, reserved: 0 };
    let reserved = 0;
    for (const [id, l] of c.leases) {
      if (l.expiresAt <= now) c.leases.delete(id);
      else reserved += l.amount;
    }
    return { used: c.used, reserved };
  }

  private live(key: string, now: number): Counter | undefined {
    const c = this.counters.get(key);
    return c && c.expiresAt > now ? c : undefined;
  }

  acquire(req: AcquireRequest): Promise<AcquireResult> {
    const { now } = req;
    const before = req.items.map((it) => this.state(this.live(it.key, now), now));
    for (let i = 0; i < req.items.length; i++) {
      const it = req.items[i]!;
      const s = before[i]!;
      if (s.used + s.reserved + it.amount > it.limit) return Promise.resolve({ ok: false, index: i, before });
    }
    const expiresAt = now + req.leaseMs;
    for (const it of req.items) {
      const c = this.counter(it.key, now, it.ttlSeconds);
      const prev = c.leases.get(req.callId);
      c.leases.set(req.callId, { amount: (prev?.amount ?? 0) + it.amount, expiresAt });
    }
    return Promise.resolve({ ok: true, before });
  }

  commit(callId: string, items: CommitItem[], now: number): Promise<CounterState[]> {
    return Promise.resolve(
      items.map((it) => {
        const c = this.counter(it.key, now, it.ttlSeconds);
        c.leases.delete(callId);
        c.used += it.actual;
        return this.state(c, now);
      }),
    );
  }

  release(callId: string, keys: string[], now: number): Promise<void> {
    for (const k of keys) this.live(k, now)?.leases.delete(callId);
    return Promise.resolve();
  }

  renew(leases: { callId: string; keys: string[] }[], leaseMs: number, now: number): Promise<void> {
    for (const { callId, keys } of leases) {
      for (const k of keys) {
        const l = this.live(k, now)?.leases.get(callId);
        if (l && l.expiresAt > now) l.expiresAt = now + leaseMs;
      }
    }
    return Promise.resolve();
  }

  read(keys: string[], now: number): Promise<CounterState[]> {
    return Promise.resolve(keys.map((k) => this.state(this.live(k, now), now)));
  }

  add(key: string, amount: number, ttlSeconds: number, now: number): Promise<void> {
    this.counter(key, now, ttlSeconds).used += amount;
    return Promise.resolve();
  }

  claim(key: string, ttlSeconds: number, now: number): Promise<boolean> {
    const until = this.flags.get(key);
    if (until !== undefined && until > now) return Promise.resolve(false);
    this.flags.set(key, now + ttlSeconds * 1000);
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
