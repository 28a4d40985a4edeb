/**
 * In-process counters: the embedded default for a single instance. Operations are synchronous
 * inside, so all-or-nothing reservation across counters is trivially atomic.
 * Each counter keeps the sum of its live reservations and the earliest lease expiry, so a call
 * costs O(1) per counter; the leases are scanned only when one may have expired.
 * The `...Now` methods are the same operations without the promise (replay runs them per call).
 */
import { LeaseSet } from './lease-set.js';
import type { AcquireRequest, AcquireResult, CommitItem, CounterState, CounterStore } from '../counter-types.js';

interface Counter {
  used: number;
  /** Sum of the leases' amounts (expired ones included until the next purge). */
  reserved: number;
  leases: LeaseSet;
  /** No lease expires before this instant. */
  nextExpiry: number;
  expiresAt: number;
}

/**
 * The fewest creations between two sweeps. A sweep visits every counter, so sweeping after as many
 * creations as there were live counters keeps its cost at O(1) a creation, and an expired per-minute
 * counter is dropped while it is still young garbage: swept only every 65,536 creations, each one
 * outlived a young-generation collection and was promoted, then collected by a full one (replay
 * creates one per call when a key's calls are minutes apart).
 */
const SWEEP_MIN = 1_024;

/** A counter no one used yet (a new per-minute one, most often): shared, as readers only read states. */
const EMPTY_STATE: CounterState = Object.freeze({ used: 0, reserved: 0 });

export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, Counter>();
  private readonly flags = new Map<string, number>();
  /** When each seeded counter was seeded (its `seed:<key>` flag is in `flags`). */
  private readonly seededAt = new Map<string, number>();
  /** flags.size after the last sweep of expired flags. */
  private flagsSwept = 0;
  /** Counters created since the last sweep of expired ones. */
  private created = 0;
  /** Sweep once this many counters were created: as many as were live after the last sweep (at least SWEEP_MIN). */
  private sweepAt = SWEEP_MIN;

  /** Counters held, expired ones included until a sweep drops them. */
  get size(): number {
    return this.counters.size;
  }

  private counter(key: string, now: number, ttlSeconds: number): Counter {
    let c = this.counters.get(key);
    if (!c || c.expiresAt <= now) {
      // Per-minute rate counters make a new key every minute: drop the expired now and then, or they pile up.
      if (++this.created >= this.sweepAt) this.sweep(now);
      c = { used: 0, reserved: 0, leases: new LeaseSet(), nextExpiry: Infinity, expiresAt: now + ttlSeconds * 1000 };
      this.counters.set(key, c);
    } else if (now + ttlSeconds * 1000 > c.expiresAt) c.expiresAt = now + ttlSeconds * 1000;
    return c;
  }

  /** Forget expired counters (an expired counter reads as empty and is replaced on use: nothing changes). */
  private sweep(now: number): void {
    this.created = 0;
    this.counters.forEach((c, key) => {
      if (c.expiresAt <= now) this.counters.delete(key);
    });
    this.sweepAt = Math.max(SWEEP_MIN, this.counters.size);
  }

  /** Drop expired leases (only when one may have expired). */
  private purge(c: Counter, now: number): void {
    if (now < c.nextExpiry) return;
    const { reserved, next } = c.leases.dropExpired(now);
    c.reserved = reserved;
    c.nextExpiry = next;
  }

  private state(c: Counter | undefined, now: number): CounterState {
    if (!c) return EMPTY_STATE;
    const s = { used: 0, reserved: 0 };
    this.stateInto(c, now, s);
    return s;
  }

  /** `state` written into `s`. */
  private stateInto(c: Counter | undefined, now: number, s: CounterState): void {
    if (!c) {
      s.used = 0;
      s.reserved = 0;
      return;
    }
    this.purge(c, now);
    s.used = c.used;
    s.reserved = c.reserved;
  }

  private live(key: string, now: number): Counter | undefined {
    const c = this.counters.get(key);
    return c && c.expiresAt > now ? c : undefined;
  }

  private dropLease(c: Counter, callId: string): void {
    const slot = c.leases.find(callId);
    if (slot >= 0) c.reserved -= c.leases.removeAt(slot);
  }

  acquire(req: AcquireRequest): Promise<AcquireResult> {
    return Promise.resolve(this.acquireNow(req));
  }

  acquireNow(req: AcquireRequest): AcquireResult {
    const { now, items } = req;
    const before = new Array<CounterState>(items.length);
    for (let i = 0; i < items.length; i++) before[i] = this.state(this.live(items[i]!.key, now), now);
    return this.reserveAll(req, before);
  }

  /**
   * `acquireNow` with the states before written into `into` (its objects refilled, as many as the
   * items), which the answer's `before` then is: for a caller that reads them before its next acquire
   * and keeps none (replay, per call: no array and state objects a call).
   */
  acquireInto(req: AcquireRequest, into: CounterState[]): AcquireResult {
    const { now, items } = req;
    for (let i = 0; i < items.length; i++) {
      let s = into[i];
      if (s === undefined) into[i] = s = { used: 0, reserved: 0 };
      this.stateInto(this.live(items[i]!.key, now), now, s);
    }
    into.length = items.length;
    return this.reserveAll(req, into);
  }

  /** The items reserved if every one fits its limit given `before`, else nothing. */
  private reserveAll(req: AcquireRequest, before: CounterState[]): AcquireResult {
    const items = req.items;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      const s = before[i]!;
      if (s.used + s.reserved + it.amount > it.limit) return { ok: false, index: i, before };
    }
    const now = req.now;
    const expiresAt = now + req.leaseMs;
    for (const it of items) {
      const c = this.counter(it.key, now, it.ttlSeconds);
      const slot = c.leases.find(req.callId);
      if (slot < 0) c.leases.add(req.callId, it.amount, expiresAt);
      else c.leases.setAt(slot, c.leases.amountAt(slot) + it.amount, expiresAt);
      c.reserved += it.amount;
      if (expiresAt < c.nextExpiry) c.nextExpiry = expiresAt;
    }
    return { ok: true, before };
  }

  commit(callId: string, items: CommitItem[], now: number): Promise<CounterState[]> {
    return Promise.resolve(items.map((it) => this.commitNow(callId, it, now)));
  }

  /** One item of `commit`: the counter's state after it. */
  commitNow(callId: string, it: CommitItem, now: number): CounterState {
    return this.commitKeyNow(callId, it.key, it.actual, it.ttlSeconds, now);
  }

  /** `commitNow` with the item's fields as arguments (the gateway's limiter, per call and limit: no item to allocate). */
  commitKeyNow(callId: string, key: string, actual: number, ttlSeconds: number, now: number): CounterState {
    const c = this.counter(key, now, ttlSeconds);
    this.dropLease(c, callId);
    c.used += actual;
    return this.state(c, now);
  }

  /** `commitNow` for a caller that does not read the state after it (replay, per call and limit): nothing allocated. */
  settleNow(callId: string, key: string, actual: number, ttlSeconds: number, now: number): void {
    const c = this.counter(key, now, ttlSeconds);
    this.dropLease(c, callId);
    c.used += actual;
  }

  release(callId: string, keys: string[], now: number): Promise<void> {
    for (const k of keys) {
      const c = this.live(k, now);
      if (c) this.dropLease(c, callId);
    }
    return Promise.resolve();
  }

  renew(leases: { callId: string; keys: string[] }[], leaseMs: number, now: number): Promise<void> {
    for (const { callId, keys } of leases) {
      for (const k of keys) {
        const c = this.live(k, now);
        if (!c) continue;
        this.purge(c, now);
        const slot = c.leases.find(callId);
        if (slot < 0) continue;
        const expiresAt = now + leaseMs;
        c.leases.setAt(slot, c.leases.amountAt(slot), expiresAt);
        // A shorter leaseMs may end the lease sooner than it was: nextExpiry must stay a lower bound.
        if (expiresAt < c.nextExpiry) c.nextExpiry = expiresAt;
      }
    }
    return Promise.resolve();
  }

  read(keys: string[], now: number): Promise<CounterState[]> {
    return Promise.resolve(keys.map((k) => this.readNow(k, now)));
  }

  readNow(key: string, now: number): CounterState {
    return this.state(this.live(key, now), now);
  }

  add(key: string, amount: number, ttlSeconds: number, now: number): Promise<void> {
    this.counter(key, now, ttlSeconds).used += amount;
    return Promise.resolve();
  }

  claim(key: string, ttlSeconds: number, now: number): Promise<boolean> {
    return Promise.resolve(this.claimNow(key, ttlSeconds, now));
  }

  private claimNow(key: string, ttlSeconds: number, now: number): boolean {
    const until = this.flags.get(key);
    if (until !== undefined && until > now) return false;
    this.flags.set(key, now + ttlSeconds * 1000);
    // Expired flags go when the map has doubled since the last sweep (run budgets make one a run).
    if (this.flags.size > 1024 && this.flags.size > 2 * this.flagsSwept) {
      for (const [k, u] of this.flags) {
        if (u > now) continue;
        this.flags.delete(k);
        if (k.startsWith('seed:')) this.seededAt.delete(k.slice(5));
      }
      this.flagsSwept = this.flags.size;
    }
    return true;
  }

  seed(key: string, amount: number, ttlSeconds: number, now: number): Promise<boolean> {
    if (!this.claimNow(`seed:${key}`, ttlSeconds, now)) return Promise.resolve(false);
    this.seededAt.set(key, now);
    if (amount > 0) this.counter(key, now, ttlSeconds).used += amount;
    return Promise.resolve(true);
  }

  seeded(key: string, now: number): Promise<boolean> {
    return Promise.resolve(this.seededNow(key, now));
  }

  addIfSeeded(key: string, amount: number, ttlSeconds: number, now: number, spentAt: number): Promise<boolean> {
    if (!this.seededNow(key, now) || (this.seededAt.get(key) ?? 0) > spentAt) return Promise.resolve(false);
    this.counter(key, now, ttlSeconds).used += amount;
    return Promise.resolve(true);
  }

  private seededNow(key: string, now: number): boolean {
    const until = this.flags.get(`seed:${key}`);
    return until !== undefined && until > now;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
